// The checkpoint's signature checked in the browser: a C2SP signed note (the note text,
// a blank line, then signature lines "— name base64(key id || signature)") verified with
// Web Crypto's Ed25519 against the depositary's public key, which the server serves from
// the log's genesis entry (GET /api/treaties/{treaty}/checkpoint/key). The key id is
// recomputed from the key's name and bytes, so a served key that is not the one the
// signature names fails too. Needs merkle.js (base64 and SHA-256).
"use strict";
(function () {
  var t = window.treatyline;
  var DASH = "\u2014 ";
  var keys = {};  // the key's answer, by its address: fetched once per page

  function depositaryKey(url) {
    if (!keys[url]) {
      keys[url] = fetch(url, { headers: { Accept: "application/json" } }).then(function (r) {
        if (!r.ok) throw new Error("the depositary's key could not be read (HTTP " + r.status + ")");
        return r.json();
      });
    }
    return keys[url];
  }

  // SHA-256(name || 0x0A || 0x01 || public key), its first four bytes: the note key id.
  async function noteKeyId(name, publicKey) {
    var nameBytes = new TextEncoder().encode(name);
    var material = new Uint8Array(nameBytes.length + 2 + publicKey.length);
    material.set(nameBytes, 0);
    material[nameBytes.length] = 0x0a;
    material[nameBytes.length + 1] = 0x01;
    material.set(publicKey, nameBytes.length + 2);
    return (await t.sha256(material)).slice(0, 4);
  }

  function sameBytes(a, b) {
    if (a.length !== b.length) return false;
    for (var i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
  }

  function failed(words) { return { ok: false, words: "signature NOT verified: " + words }; }

  // Whether `note` carries a valid signature by the key `served` ({name, key_id,
  // public_key}); a sentence saying what was checked.
  async function checkNoteSignature(note, served) {
    var split = note.indexOf("\n\n");
    if (split < 0) return failed("the checkpoint has no signature lines");
    var text = new TextEncoder().encode(note.slice(0, split + 1));
    var publicKey = t.fromBase64(served.public_key);
    var keyId = await noteKeyId(served.name, publicKey);
    if (t.toBase64(keyId) !== t.toBase64(hexBytes(served.key_id))) {
      return failed("the served key's id does not match its name and bytes");
    }
    var lines = note.slice(split + 2).split("\n").filter(function (l) { return l !== ""; });
    var key = await crypto.subtle.importKey("raw", publicKey, { name: "Ed25519" }, false, ["verify"]);
    var named = false;
    for (var i = 0; i < lines.length; i++) {
      if (lines[i].indexOf(DASH) !== 0) return failed("line " + (i + 1) + " of the signatures is not one");
      var parts = lines[i].slice(DASH.length).split(" ");
      if (parts.length !== 2 || parts[0] !== served.name) continue;  // a witness's cosignature
      var signed;
      try { signed = t.fromBase64(parts[1]); } catch (e) { return failed("a signature is not base64"); }
      if (signed.length !== 68 || !sameBytes(signed.slice(0, 4), keyId)) continue;
      named = true;
      if (await crypto.subtle.verify({ name: "Ed25519" }, key, signed.slice(4), text)) {
        return { ok: true, words: "signature verified: the depositary's key " + served.name +
                 " (" + served.key_id + ") signed this checkpoint" };
      }
    }
    return failed(named ? "the depositary's signature does not match the checkpoint's text"
                        : "no signature by the depositary's key " + served.name);
  }

  function hexBytes(hex) {
    var out = new Uint8Array(hex.length / 2);
    for (var i = 0; i < out.length; i++) out[i] = parseInt(hex.substr(2 * i, 2), 16);
    return out;
  }

  async function checkCheckpoint(note, keyUrl) {
    try {
      return await checkNoteSignature(note, await depositaryKey(keyUrl));
    } catch (error) {
      return failed(String(error.message || error));
    }
  }

  Object.assign(t, { checkCheckpoint: checkCheckpoint, checkNoteSignature: checkNoteSignature });

  // the page's latest checkpoint, checked as the page opens and again on its button
  var shown = document.getElementById("latest-checkpoint");
  if (!shown) return;
  async function check() {
    var out = document.getElementById("checkpoint-verified");
    shown.removeAttribute("data-signature");
    var found = await checkCheckpoint(shown.querySelector("pre.note").textContent,
                                      shown.getAttribute("data-key-url"));
    out.textContent = found.words;
    shown.setAttribute("data-signature", found.ok ? "verified" : "failed");
  }
  document.getElementById("check-checkpoint").addEventListener("click", check);
  check();
})();
