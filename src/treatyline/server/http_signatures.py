"""HTTP Message Signatures (RFC 9421), the subset a party's officer signs requests with:
`ed25519` signatures over derived components (`@method`, `@authority`, `@path`, `@query`,
`@target-uri`, `@scheme`, `@request-target`) and header fields, with the `created`,
`expires`, `keyid`, `alg` and `nonce` parameters. Pure: the time is an argument.

Written here rather than taken from the `http-message-signatures` package because what
treatyline needs is this small subset of the RFC (one algorithm, no component
parameters) over the requests Starlette hands a route, while the package is built around
`requests`' message objects, covers algorithms the server must refuse, and would bring
its own structured-field parser: the RFC's own Ed25519 example (Appendix B.2.6, the key of
B.1.4) is checked in the tests. Structured fields (RFC 8941) are parsed here only as far
as the two signature fields use them (a dictionary of inner lists or byte sequences, with
integer and string parameters).

A request's signature is refused (`SignatureError`, naming the header at fault) when it
is malformed, covers a component this module does not derive, or does not verify; what
the server further requires (which components, the time window, a nonce) is
`check_policy`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

__all__ = ["REQUIRED_COMPONENTS", "RequestParts", "SignatureError", "SignatureInput",
           "check_content_digest", "check_policy", "content_digest", "parse_signature",
           "sign_request", "signature_base", "verify_ed25519"]

INPUT_PLACE = "header.signature-input"
SIGNATURE_PLACE = "header.signature"
REQUIRED_COMPONENTS = ("@method", "@authority", "@path", "@query")
"""What every signed request must cover: the request itself, on this server. A request
with a body must cover `content-digest` too (and the digest must be the body's)."""

_DERIVED = {"@method", "@authority", "@path", "@query", "@target-uri", "@scheme",
            "@request-target"}
_KEY = re.compile(r"[a-z*][a-z0-9_\-.*]*")
_INTEGER = re.compile(r"-?[0-9]{1,15}")
_MAX_FIELD = 8192


class SignatureError(Exception):
    """A signature that is malformed, does not verify, or does not satisfy the server's
    policy; `place` names the header at fault."""

    def __init__(self, message: str, place: str = INPUT_PLACE) -> None:
        super().__init__(message)
        self.message, self.place = message, place


@dataclass(frozen=True, slots=True)
class RequestParts:
    """What a signature may cover of a request: its derived components' sources and its
    header fields (names in lower case, each with its values in the order received)."""

    method: str
    scheme: str
    authority: str
    path: str
    query: str | None
    """The query without its '?'; None when the request has none."""
    headers: Mapping[str, Sequence[str]]


@dataclass(frozen=True, slots=True)
class SignatureInput:
    """One signature's label, covered components and parameters, in the order given."""

    label: str
    components: tuple[str, ...]
    params: tuple[tuple[str, int | str], ...]

    def param(self, name: str) -> int | str | None:
        return next((value for key, value in self.params if key == name), None)

    def serialized(self) -> str:
        """The `@signature-params` value: the inner list and its parameters (RFC 8941)."""
        items = " ".join(_string(c) for c in self.components)
        return f"({items})" + "".join(
            f";{key}={value if isinstance(value, int) else _string(value)}"
            for key, value in self.params)


# -- structured fields, as far as the signature fields use them -------------------------


class _Reader:
    def __init__(self, text: str, place: str) -> None:
        self.text, self.at, self.place = text, 0, place

    def fail(self, what: str) -> SignatureError:
        return SignatureError(f"{what} at character {self.at + 1} of {self.text[:80]!r}",
                              self.place)

    def peek(self) -> str:
        return self.text[self.at] if self.at < len(self.text) else ""

    def skip(self, spaces: str = " ") -> None:
        while self.peek() and self.peek() in spaces:
            self.at += 1

    def key(self) -> str:
        found = _KEY.match(self.text, self.at)
        if found is None:
            raise self.fail("a key (lower-case letters, digits, _-.*) expected")
        self.at = found.end()
        return found.group()

    def string(self) -> str:
        if self.peek() != '"':
            raise self.fail("a string in double quotes expected")
        self.at += 1
        out: list[str] = []
        while True:
            char = self.peek()
            if not char:
                raise self.fail("a string without its closing quote")
            self.at += 1
            if char == "\\":
                char = self.peek()
                if char not in ('"', "\\") or not char:
                    raise self.fail("only \\\" and \\\\ may be escaped in a string")
                self.at += 1
            elif char == '"':
                return "".join(out)
            elif not " " <= char <= "~":
                raise self.fail("a string holds printable ASCII only")
            out.append(char)

    def integer_or_string(self) -> int | str:
        if self.peek() == '"':
            return self.string()
        found = _INTEGER.match(self.text, self.at)
        if found is None:
            raise self.fail("a parameter's value must be an integer or a string")
        self.at = found.end()
        return int(found.group())

    def params(self) -> tuple[tuple[str, int | str], ...]:
        found: dict[str, int | str] = {}
        while self.peek() == ";":
            self.at += 1
            self.skip()
            name = self.key()
            if self.peek() != "=":
                raise self.fail(f"the parameter {name} has no value")
            self.at += 1
            found[name] = self.integer_or_string()
        return tuple(found.items())

    def dictionary(self, member: str) -> dict[str, tuple[int, int]]:
        """Each member's label and where its value lies in the text (read by the caller
        with `member`: "inner list" or "byte sequence")."""
        spans: dict[str, tuple[int, int]] = {}
        self.skip()
        while self.peek():
            label = self.key()
            if self.peek() != "=":
                raise self.fail(f"{label} has no value (an {member} expected)")
            self.at += 1
            start = self.at
            if member == "inner list":
                self.inner_list()
            else:
                self.byte_sequence()
            self.params()
            if label in spans:
                raise self.fail(f"the label {label} is given twice")
            spans[label] = (start, self.at)
            self.skip(" \t")
            if not self.peek():
                break
            if self.peek() != ",":
                raise self.fail("a ',' between members expected")
            self.at += 1
            self.skip(" \t")
            if not self.peek():
                raise self.fail("a ',' at the end")
        return spans

    def inner_list(self) -> tuple[str, ...]:
        if self.peek() != "(":
            raise self.fail("an inner list '(...)' expected")
        self.at += 1
        items: list[str] = []
        while True:
            self.skip()
            if self.peek() == ")":
                self.at += 1
                return tuple(items)
            items.append(self.string())
            if self.peek() == ";":
                raise self.fail(f"the component {items[-1]!r} has parameters, which this "
                                "server does not take")
            if self.peek() not in (" ", ")"):
                raise self.fail("a space or ')' expected")

    def byte_sequence(self) -> bytes:
        if self.peek() != ":":
            raise self.fail("a byte sequence ':base64:' expected")
        end = self.text.find(":", self.at + 1)
        if end < 0:
            raise self.fail("a byte sequence without its closing ':'")
        encoded = self.text[self.at + 1:end]
        self.at = end + 1
        try:
            return base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            raise self.fail("the byte sequence is not base64") from None


def _string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def parse_signature(signature_input: str, signature: str) -> tuple[SignatureInput, bytes]:
    """The one signature of a request: its Signature-Input member and the bytes of the
    Signature member with the same label. A request carries one signature here."""
    for text, place in ((signature_input, INPUT_PLACE), (signature, SIGNATURE_PLACE)):
        if len(text) > _MAX_FIELD:
            raise SignatureError(f"the field is longer than {_MAX_FIELD} characters", place)
    inputs = _Reader(signature_input, INPUT_PLACE)
    spans = inputs.dictionary("inner list")
    if len(spans) != 1:
        raise SignatureError(f"one signature per request, not {len(spans)}", INPUT_PLACE)
    ((label, (start, _)),) = spans.items()
    inputs.at = start
    components = inputs.inner_list()
    params = inputs.params()
    signatures = _Reader(signature, SIGNATURE_PLACE)
    found = signatures.dictionary("byte sequence")
    if label not in found:
        raise SignatureError(f"no signature labelled {label!r}, as Signature-Input names it",
                             SIGNATURE_PLACE)
    signatures.at = found[label][0]
    raw = signatures.byte_sequence()
    if len(set(components)) != len(components):
        raise SignatureError("a component is covered twice", INPUT_PLACE)
    return SignatureInput(label, components, params), raw


# -- the signature base (RFC 9421 section 2.5) ----------------------------------------


def _component(name: str, request: RequestParts) -> str:
    if name.startswith("@"):
        if name not in _DERIVED:
            raise SignatureError(f"the component {name!r} is not one this server derives "
                                 f"({', '.join(sorted(_DERIVED))})")
        query = "?" + (request.query or "")
        values = {"@method": request.method.upper(), "@scheme": request.scheme.lower(),
                  "@authority": request.authority.lower(), "@path": request.path or "/",
                  "@query": query,
                  "@request-target": request.path + (query if request.query is not None
                                                     else ""),
                  "@target-uri": f"{request.scheme.lower()}://{request.authority.lower()}"
                                 f"{request.path}"
                                 + (query if request.query is not None else "")}
        return values[name]
    found = request.headers.get(name)
    if not found:
        raise SignatureError(f"the signature covers the header {name!r}, which the "
                             "request does not have")
    return ", ".join(value.strip(" \t") for value in found)


def signature_base(signed: SignatureInput, request: RequestParts) -> bytes:
    """The bytes an `ed25519` signature of these components signs."""
    lines = [f'"{name}": {_component(name, request)}' for name in signed.components]
    lines.append(f'"@signature-params": {signed.serialized()}')
    text = "\n".join(lines)
    if any(char in text for char in "\r\0"):
        raise SignatureError("a covered value holds a control character")
    return text.encode("utf-8")


def verify_ed25519(public_key: bytes, base: bytes, signature: bytes) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, base)
    except (InvalidSignature, ValueError):
        return False
    return True


# -- the server's policy --------------------------------------------------------------


def check_policy(signed: SignatureInput, now: datetime, window_seconds: int,
                 has_body: bool) -> tuple[str, str, int]:
    """The key id, nonce and creation time of a signature the server may take: `alg`
    (if given) ed25519; `keyid`, `nonce` and `created` given; created no more than the
    window from `now` either way, `expires` (if given) not passed; the required
    components covered (and `content-digest` for a request with a body)."""
    alg = signed.param("alg")
    if alg is not None and alg != "ed25519":
        raise SignatureError(f"alg {alg!r}: this server takes ed25519 signatures only")
    keyid, nonce, created = (signed.param(name) for name in ("keyid", "nonce", "created"))
    if not isinstance(keyid, str) or not keyid:
        raise SignatureError("keyid (a string: the ledger's key id, 8 hex digits) is needed")
    if not isinstance(nonce, str) or not 8 <= len(nonce) <= 128:
        raise SignatureError("nonce (a string of 8 to 128 characters, never used twice) is "
                             "needed")
    if not isinstance(created, int):
        raise SignatureError("created (an integer: seconds since the epoch) is needed")
    moment = int(now.timestamp())
    if abs(moment - created) > window_seconds:
        raise SignatureError(f"created={created} is more than {window_seconds} s from the "
                             f"server's time ({moment}): sign the request again")
    expires = signed.param("expires")
    if expires is not None and (not isinstance(expires, int) or expires < moment):
        raise SignatureError(f"the signature expired (expires={expires}, the server's time "
                             f"is {moment})")
    needed = REQUIRED_COMPONENTS + (("content-digest",) if has_body else ())
    missing = [name for name in needed if name not in signed.components]
    if missing:
        raise SignatureError(f"the signature must cover {', '.join(needed)}; it does not "
                             f"cover {', '.join(missing)}")
    return keyid, nonce, created


def content_digest(body: bytes) -> str:
    """The Content-Digest field (RFC 9530) of a body, with SHA-256."""
    return f"sha-256=:{base64.b64encode(hashlib.sha256(body).digest()).decode()}:"


def check_content_digest(field: str, body: bytes) -> None:
    """Refuse a Content-Digest that names no SHA-256 or SHA-512 digest of `body`."""
    reader = _Reader(field, "header.content-digest")
    spans = reader.dictionary("byte sequence")
    algorithms = {"sha-256": hashlib.sha256, "sha-512": hashlib.sha512}
    known = [name for name in spans if name in algorithms]
    if not known:
        raise SignatureError("Content-Digest names neither sha-256 nor sha-512",
                             "header.content-digest")
    for name in known:
        reader.at = spans[name][0]
        if reader.byte_sequence() != algorithms[name](body).digest():
            raise SignatureError(f"the {name} Content-Digest is not the body's",
                                 "header.content-digest")


def sign_request(key: Ed25519PrivateKey, key_id: str, request: RequestParts, *,
                 created: int, nonce: str, components: Sequence[str] | None = None,
                 label: str = "sig1") -> dict[str, str]:
    """The Signature-Input and Signature fields of `request` signed with `key` (for
    clients, and the tests): by default covering what `check_policy` requires."""
    if components is None:
        components = REQUIRED_COMPONENTS + (
            ("content-digest",) if "content-digest" in request.headers else ())
    signed = SignatureInput(label, tuple(components), (
        ("created", created), ("keyid", key_id), ("alg", "ed25519"), ("nonce", nonce)))
    signature = key.sign(signature_base(signed, request))
    return {"Signature-Input": f"{label}={signed.serialized()}",
            "Signature": f"{label}=:{base64.b64encode(signature).decode()}:"}
