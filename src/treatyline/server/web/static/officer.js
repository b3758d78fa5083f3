// The officer's page: an act signed in this browser with the party's Ed25519 key (Web
// Crypto; the key file never leaves the browser), or a signed instrument file uploaded as
// it is; either is POSTed to the JSON API and the receipt shown, its inclusion proof
// checked here. The instrument is built as ledger/instruments.py builds it:
// {type, treaty, act, key_id, signature}, the signature over the canonical JSON of
// {act, treaty, type: "instrument"}, the key ID the signed-note key ID of the key.
"use strict";
(function () {
  var t = window.treatyline;
  var page = document.getElementById("officer");
  var treaty = page.getAttribute("data-treaty"), party = page.getAttribute("data-party");

  function show(state, title, message) {
    var result = document.getElementById("result");
    result.hidden = false;
    result.setAttribute("data-state", state);
    document.getElementById("result-title").textContent = title;
    document.getElementById("result-message").textContent = message;
    // the last deposit's receipt goes: a new one is shown once checked, or none
    var verified = document.getElementById("receipt-verified");
    verified.removeAttribute("data-ok");
    verified.textContent = "";
    document.querySelector("dl.receipt").hidden = state === "error";
    document.getElementById("receipt-checkpoint").hidden = state === "error";
  }

  // "Party: UA", "Key-Name: ..." and the PKCS#8 PEM block, as keys.py writes a key file.
  function readKeyFile(text) {
    var headers = {}, start = text.indexOf("-----BEGIN ");
    if (start < 0) throw new Error("the key file has no PEM block");
    text.slice(0, start).split("\n").forEach(function (line) {
      var at = line.indexOf(":");
      if (at > 0) headers[line.slice(0, at).trim()] = line.slice(at + 1).trim();
    });
    if (text.indexOf("-----BEGIN ENCRYPTED PRIVATE KEY-----") >= 0)
      throw new Error("the key file is encrypted: sign with 'treatyline deposit --sign-only' and upload the file instead");
    var body = /-----BEGIN PRIVATE KEY-----([\s\S]*?)-----END PRIVATE KEY-----/.exec(text);
    if (!body || !headers["Party"] || !headers["Key-Name"]) throw new Error("not a treatyline key file (Party, Key-Name and a PKCS#8 private key)");
    return { party: headers["Party"], name: headers["Key-Name"], der: t.fromBase64(body[1].replace(/\s+/g, "")) };
  }

  function fromBase64Url(text) {
    return t.fromBase64(text.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((text.length + 3) % 4));
  }

  // SHA-256(name || "\n" || 0x01 || public key), its first four bytes in hex (notes.py).
  async function keyId(name, publicKey) {
    var nameBytes = new TextEncoder().encode(name + "\n");
    var material = new Uint8Array(nameBytes.length + 1 + publicKey.length);
    material.set(nameBytes); material[nameBytes.length] = 1; material.set(publicKey, nameBytes.length + 1);
    var digest = await t.sha256(material);
    return Array.from(digest.slice(0, 4), function (b) { return b.toString(16).padStart(2, "0"); }).join("");
  }

  function actFromForm(signer) {
    var act = { kind: document.getElementById("act-kind").value.trim(),
                date: document.getElementById("act-date").value, party: signer };
    [["organ", "act-organ"], ["place", "act-place"], ["text", "act-text"], ["source", "act-source"]].forEach(function (field) {
      var value = document.getElementById(field[1]).value.trim();
      if (value) act[field[0]] = value;
    });
    if (document.getElementById("act-hypothetical").checked) act.hypothetical = true;
    if (!act.kind || !act.date) throw new Error("give the act's kind and date");
    return act;
  }

  async function signedInstrument() {
    var file = document.getElementById("key-file").files[0];
    if (!file) throw new Error("choose " + party + "'s key file");
    var key = readKeyFile(await file.text());
    if (key.party !== party) throw new Error("this key is " + key.party + "'s, not " + party + "'s: an officer signs only its own party's instruments");
    var privateKey = await crypto.subtle.importKey("pkcs8", key.der, { name: "Ed25519" }, true, ["sign"]);
    var publicKey = fromBase64Url((await crypto.subtle.exportKey("jwk", privateKey)).x);
    var act = actFromForm(key.party);
    var statement = t.canonicalBytes({ act: act, treaty: treaty, type: "instrument" });
    var signature = new Uint8Array(await crypto.subtle.sign({ name: "Ed25519" }, privateKey, statement));
    return t.canonicalBytes({ type: "instrument", treaty: treaty, act: act,
                              key_id: await keyId(key.name, publicKey), signature: t.toBase64(signature) });
  }

  async function showReceipt(receipt) {
    document.getElementById("receipt-index").textContent = String(receipt.index);
    document.getElementById("receipt-leaf-hash").textContent = receipt.leaf_hash;
    document.getElementById("receipt-tree-size").textContent = String(receipt.tree_size);
    var list = document.getElementById("receipt-proof");
    list.replaceChildren.apply(list, receipt.inclusion_proof.map(function (node) {
      var item = document.createElement("li"); item.textContent = node; return item;
    }));
    document.getElementById("receipt-checkpoint").textContent = receipt.checkpoint;
    document.getElementById("receipt-notification").textContent = receipt.notification ? receipt.notification.text : "none";
    var found = await t.checkInclusion(receipt.leaf_hash, receipt.index, receipt.inclusion_proof, receipt.checkpoint);
    var verified = document.getElementById("receipt-verified");
    verified.textContent = found.words;
    verified.setAttribute("data-ok", found.ok ? "yes" : "no");
  }

  async function deposit(bytes) {
    var answer = await fetch("/api/treaties/" + encodeURIComponent(treaty) + "/instruments",
      { method: "POST", body: bytes, headers: { "Content-Type": "application/json" }, credentials: "omit" });
    var body = await answer.json();
    if (answer.status === 201) {
      show("accepted", "Accepted: entry " + body.index, "The depositary examined the instrument and logged it.");
      await showReceipt(body);
    } else if (body.receipt) {
      show("rejected", "Rejected: entry " + body.receipt.index, body.error.message);
      await showReceipt(body.receipt);
    } else {
      show("error", "Not deposited (" + answer.status + ")", body.error ? body.error.message : "the server refused the request");
    }
  }

  function guarded(work) {
    return function () {
      work().catch(function (problem) { show("error", "Not deposited", problem.message); });
    };
  }

  document.getElementById("sign-and-deposit").addEventListener("click", guarded(async function () {
    await deposit(await signedInstrument());
  }));
  document.getElementById("upload").addEventListener("click", guarded(async function () {
    var file = document.getElementById("instrument-file").files[0];
    if (!file) throw new Error("choose a signed instrument file");
    await deposit(new Uint8Array(await file.arrayBuffer()));
  }));
})();
