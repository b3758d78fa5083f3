// "verify in the browser" on the log page: the entry's leaf hash recomputed from its bytes,
// then the root from its inclusion proof, compared with its checkpoint's root, and the
// checkpoint's signature by the depositary's key (checkpoint.js): a proof against a root
// nobody signed proves nothing.
"use strict";
(function () {
  var t = window.treatyline;
  async function verify(entry) {
    var out = entry.querySelector("output.verified");
    var hash = t.toBase64(await t.leafHash(t.fromBase64(entry.getAttribute("data-leaf"))));
    if (hash !== entry.getAttribute("data-leaf-hash")) {
      entry.setAttribute("data-verified", "no");
      out.textContent = "NOT verified: the leaf's bytes do not hash to the entry's leaf hash";
      return;
    }
    var note = entry.querySelector("pre.checkpoint").textContent;
    var found = await t.checkInclusion(hash, Number(entry.getAttribute("data-index")),
                                       JSON.parse(entry.getAttribute("data-proof")), note);
    var signed = await t.checkCheckpoint(note, document.getElementById("latest-checkpoint")
                                           .getAttribute("data-key-url"));
    entry.setAttribute("data-verified", found.ok && signed.ok ? "yes" : "no");
    out.textContent = (found.ok ? "leaf hash recomputed; " : "") + found.words + "; " + signed.words;
  }
  document.querySelectorAll("li.entry button.verify").forEach(function (button) {
    button.addEventListener("click", function () { verify(button.closest("li.entry")); });
  });
})();
