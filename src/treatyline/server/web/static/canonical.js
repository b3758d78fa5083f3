// Canonical JSON (RFC 8785) of a JSON value, as ledger/canonical.py writes it: the bytes
// an instrument's signature covers. RFC 8785 defines its strings and numbers as
// ECMAScript's JSON.stringify writes them, and orders object keys by their UTF-16 code
// units, which is how JavaScript compares strings: so this is small. What canonical.py
// refuses is refused here too (a number that is not finite, a lone surrogate). JavaScript's
// numbers are all doubles: 1e21 is written as canonical.py writes the float 1e21.
"use strict";
(function () {
  function refuse(message, path) { throw new Error("cannot write canonical JSON: " + message + " at " + path); }

  function write(value, path) {
    if (value === null || typeof value === "boolean") return JSON.stringify(value);
    if (typeof value === "number") {
      if (!Number.isFinite(value)) refuse(String(value) + " is not a JSON number", path);
      return JSON.stringify(value);
    }
    if (typeof value === "string") {
      if (/\p{Surrogate}/u.test(value)) refuse("a lone surrogate, which is not Unicode text", path);
      return JSON.stringify(value);
    }
    if (Array.isArray(value)) return "[" + value.map(function (item, i) { return write(item, path + "[" + i + "]"); }).join(",") + "]";
    if (typeof value === "object") {
      return "{" + Object.keys(value).sort().map(function (key) {
        return write(key, path + " (a key)") + ":" + write(value[key], path + "." + key);
      }).join(",") + "}";
    }
    refuse("a " + typeof value + " is not a JSON value", path);
  }

  window.treatyline = window.treatyline || {};
  window.treatyline.canonicalJson = function (value) { return write(value, "$"); };
  window.treatyline.canonicalBytes = function (value) { return new TextEncoder().encode(write(value, "$")); };
})();
