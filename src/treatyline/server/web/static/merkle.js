// The log's proofs checked in the browser: RFC 6962 leaf hashes and the RFC 9162
// inclusion proof verification (section 2.1.3.2), with Web Crypto's SHA-256, against the
// root of a C2SP checkpoint note (origin, size, base64 root on its first three lines).
"use strict";
(function () {
  function fromBase64(text) {
    var raw = atob(text), bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
    return bytes;
  }
  function toBase64(bytes) {
    var raw = "";
    for (var i = 0; i < bytes.length; i++) raw += String.fromCharCode(bytes[i]);
    return btoa(raw);
  }
  function joined(prefix, parts) {
    var size = 1 + parts.reduce(function (n, p) { return n + p.length; }, 0);
    var out = new Uint8Array(size), at = 1;
    out[0] = prefix;
    parts.forEach(function (p) { out.set(p, at); at += p.length; });
    return out;
  }
  async function sha256(bytes) { return new Uint8Array(await crypto.subtle.digest("SHA-256", bytes)); }
  async function leafHash(leaf) { return sha256(joined(0, [leaf])); }
  async function nodeHash(left, right) { return sha256(joined(1, [left, right])); }

  // The root that `proof` gives for the leaf hash at `index` in a tree of `size` leaves,
  // or null when the proof does not fit that index and size.
  async function rootFromInclusion(hash, index, size, proof) {
    if (index >= size) return null;
    var fn = index, sn = size - 1, r = hash;
    for (var i = 0; i < proof.length; i++) {
      if (sn === 0) return null;
      if (fn % 2 === 1 || fn === sn) {
        r = await nodeHash(proof[i], r);
        while (fn % 2 === 0 && fn !== 0) { fn = Math.floor(fn / 2); sn = Math.floor(sn / 2); }
      } else {
        r = await nodeHash(r, proof[i]);
      }
      fn = Math.floor(fn / 2); sn = Math.floor(sn / 2);
    }
    return sn === 0 ? r : null;
  }

  function checkpointHead(note) {
    var lines = note.split("\n");
    return { origin: lines[0], size: Number(lines[1]), root: lines[2] };
  }

  // Whether the leaf hash at `index`, with `proof` (base64 hashes), leads to the root of
  // the checkpoint note; a sentence saying what was checked.
  async function checkInclusion(hashB64, index, proofB64, note) {
    var head = checkpointHead(note);
    var root = await rootFromInclusion(fromBase64(hashB64), index, head.size, proofB64.map(fromBase64));
    var ok = root !== null && toBase64(root) === head.root;
    return { ok: ok, words: ok ? "verified: the proof leads from the leaf hash to the root of the checkpoint of " + head.size + " entries"
                              : "NOT verified: the proof does not lead to the checkpoint's root" };
  }

  window.treatyline = window.treatyline || {};
  Object.assign(window.treatyline, { fromBase64: fromBase64, toBase64: toBase64, sha256: sha256,
    leafHash: leafHash, rootFromInclusion: rootFromInclusion, checkInclusion: checkInclusion });
})();
