"""What the depositary's log holds: the documents, their signatures, and the leaf bytes.

Every entry of the log is one leaf of the Merkle tree. Its bytes are the canonical JSON
(RFC 8785) of ``{"entry": DOCUMENT, "received": TIME}``: the document as received or as
the depositary made it, and the time of receipt (UTC, ISO 8601), so that neither can be
changed without changing the tree. The documents (``"type"``):

- ``genesis``: the ledger's first entry. The treaty (its id and the SHA-256 of its spec
  file), the log's origin (the checkpoints' first line) and the depositary's public key.
- ``key_registration``: a party's key becomes valid for the party from a day (the
  digital counterpart of full powers, VCLT Art. 7), with the citation of the powers.
  With ``"use": "witness"``, the key is the party's witness key: it only cosigns
  checkpoints (see `verify`); without ``use`` (every registration before witness keys),
  a party key, which signs the party's instruments.
- ``key_revocation``: a party's key ceases to be valid from a day, with the reason.
- ``instrument``: an act of a party (signature, ratification, referendum result, ...),
  signed by a key of that party over the canonical JSON of ``{"act", "treaty", "type"}``.
- ``rejected``: something received that failed the depositary's examination, kept with
  the reasons: nothing received is lost, and nothing counts that was not in due form.

Documents the depositary makes itself (genesis, key events) carry its signature over the
canonical JSON of the document without its ``signature`` member. A rejection is not signed
on its own: like every entry it is under the tree, whose checkpoints the depositary signs,
and `verify` checks that its reasons, size and digest match the bytes it keeps.
Pure: times are arguments.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Final, Literal

from .canonical import JSONValue, canonical_json, parse_json
from .errors import LedgerError

__all__ = [
    "ENTRY_TYPES",
    "MAX_INSTRUMENT_BYTES",
    "EntryError",
    "LeafEntry",
    "b64",
    "from_b64",
    "instrument_statement",
    "leaf_bytes",
    "leaf_statement",
    "read_leaf",
    "read_stored_leaf",
    "signed_part",
    "utc_text",
]

EntryType = Literal["genesis", "key_registration", "key_revocation", "instrument", "rejected"]
ENTRY_TYPES: Final = ("genesis", "key_registration", "key_revocation", "instrument",
                      "rejected")
MAX_INSTRUMENT_BYTES: Final = 64 * 1024
"""The largest instrument received: an act with its text and source is a few KB; a bigger
one is refused unread (and logged as rejected with only its size and digest)."""


class EntryError(LedgerError):
    """A document or leaf that is not what the log holds."""


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def from_b64(text: object, what: str) -> bytes:
    if not isinstance(text, str):
        raise EntryError(f"{what} must be base64 text")
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError):
        raise EntryError(f"{what} is not valid base64") from None


def utc_text(moment: datetime) -> str:
    """A time of receipt as the log writes it: UTC, to the microsecond, with 'Z'."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"a time of receipt must be timezone-aware: {moment}")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


_UTC_TEXT: Final = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}Z")


def _parse_utc(text: object, index: int) -> datetime:
    """The time of receipt of entry `index` (the message names it only when needed)."""
    if not isinstance(text, str) or not text.endswith("Z"):
        raise EntryError(f"entry {index}: the time of receipt must be UTC text ending in 'Z'")
    if _UTC_TEXT.fullmatch(text):  # as `utc_text` writes it: read fast (not strptime)
        try:
            return datetime.fromisoformat(text)
        except ValueError:
            pass  # a day or hour out of range: strptime says so
    try:
        return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
    except ValueError:
        raise EntryError(f"entry {index}: {text!r} is not a time of receipt") from None


def signed_part(document: Mapping[str, Any]) -> bytes:
    """The bytes a document's `signature` signs: its canonical JSON without `signature`
    (an instrument's: only its statement, see `instrument_statement`)."""
    if document.get("type") == "instrument":
        return instrument_statement(document)
    return canonical_json({k: v for k, v in document.items() if k != "signature"})


def instrument_statement(document: Mapping[str, Any], *, plain: bool = False) -> bytes:
    """What a party signs: the canonical JSON of the act, the treaty id and the type.
    `plain`: the document is known plain (see `plainly_canonical`), so Python's sorted,
    compact JSON is its canonical form, five times faster to write."""
    statement = {"act": document.get("act"), "treaty": document.get("treaty"),
                 "type": "instrument"}
    return plain_json(statement) if plain else canonical_json(statement)


def leaf_bytes(document: Mapping[str, JSONValue], received: datetime, *,
               plain: bool = False) -> bytes:
    """The leaf data of an entry: the document and the time of its receipt (`plain`: as
    `instrument_statement`'s)."""
    leaf: dict[str, JSONValue] = {"entry": document, "received": utc_text(received)}
    return plain_json(leaf) if plain else canonical_json(leaf)


@dataclass(frozen=True, slots=True)
class LeafEntry:
    """A leaf read back: its document, its type and when it was received."""

    document: dict[str, Any]
    type: EntryType
    received: datetime
    plain: bool = False
    """Whether the leaf holds no number but integers and no character beyond the Basic
    Multilingual Plane: then Python's own sorted, compact JSON of any part of it is its
    canonical form (see `plainly_canonical`), which is much faster to write."""

    @property
    def received_day(self) -> date:
        return self.received.date()


def leaf_statement(leaf: LeafEntry) -> bytes:
    """`instrument_statement` of an instrument's leaf, written the fast way when it may."""
    return instrument_statement(leaf.document, plain=leaf.plain)


class _FloatSeenError(Exception):
    """A JSON text holds a number that is not an integer."""


def _refuse_float(text: str) -> float:
    raise _FloatSeenError(text)


_FOUR_BYTE_UTF8: Final = re.compile(rb"[\xf0-\xf4]")


def plain_json(value: object) -> bytes:
    return json.dumps(value, ensure_ascii=False, sort_keys=True,
                      separators=(",", ":")).encode("utf-8")


def plainly_canonical(value: object, data: bytes) -> bool:
    """Whether `data`, read strictly as `value` (`parse_json`: no lone surrogates, no
    integer beyond 2**53), is canonical, checked without the rfc8785 writer. For such a
    value with no fractional number and no character beyond U+FFFF, RFC 8785 and Python's
    sorted, compact JSON agree: the same escapes (the short ones, \\u00xx for the other
    controls), integers written alike, and keys sorted by code point, which is UTF-16 order
    within the BMP. False means "not known": the caller asks `canonical_json`."""
    if _FOUR_BYTE_UTF8.search(data):
        return False
    try:
        json.loads(data, parse_float=_refuse_float)
    except _FloatSeenError:
        return False
    return plain_json(value) == data


def _safe_integer(literal: str) -> int:
    value = int(literal)
    if abs(value) > 2**53 - 1:  # a double in RFC 8785, or refused: `parse_json` decides
        raise _FloatSeenError(literal)
    return value


def _read_plain_leaf(data: bytes) -> Any:
    """`data` parsed once, when it is the compact sorted JSON of a value of no fraction,
    no integer beyond 2**53 and no character beyond U+FFFF or lone surrogate: then it is
    the value's canonical JSON and what `parse_json` reads (a repeated key would not
    survive the round trip). None when it is not so plain (the strict reading decides)."""
    if _FOUR_BYTE_UTF8.search(data):
        return None
    try:
        value = json.loads(data, parse_float=_refuse_float, parse_int=_safe_integer,
                           parse_constant=_refuse_float)
        return value if plain_json(value) == data else None
    except (_FloatSeenError, ValueError, RecursionError):  # UnicodeError is a ValueError
        return None


def read_leaf(data: bytes, index: int) -> LeafEntry:
    """The entry a leaf holds; EntryError naming the entry when it is not one."""
    where = f"entry {index}"
    value = _read_plain_leaf(data)
    plain = value is not None
    if not plain:  # the strict reading, with its messages
        try:
            value = parse_json(data)
        except LedgerError as error:
            raise EntryError(f"{where}: {error.diagnostics[0].message}") from None
    if not isinstance(value, dict) or set(value) != {"entry", "received"}:
        raise EntryError(f"{where}: a leaf is an object with 'entry' and 'received'")
    if not plain:
        plain = plainly_canonical(value, data)
        if not plain and canonical_json(value) != data:
            raise EntryError(f"{where}: the leaf is not in canonical form (RFC 8785)")
    document = value["entry"]
    if not isinstance(document, dict) or document.get("type") not in ENTRY_TYPES:
        raise EntryError(f"{where}: the entry has no known type ({', '.join(ENTRY_TYPES)})")
    kind: EntryType = document["type"]
    return LeafEntry(dict(document), kind, _parse_utc(value["received"], index), plain)


_STORED_LEAF_DECODER: Final = json.JSONDecoder(parse_float=_refuse_float)
"""Made once: `json.loads` with an argument makes a decoder (and guesses the encoding of
bytes) at every call, a sixth of the time a stored leaf takes to read."""


def read_stored_leaf(data: bytes, index: int) -> LeafEntry:
    """A leaf this ledger's store committed, read back for the depositary's state: parsed
    once, without proving again that it is canonical and well formed in every part
    (`verify` does that, for the whole log): 20,000 leaves in 0.2 s instead of 1.5 s."""
    try:
        text = data.decode("utf-8")
        value, end = _STORED_LEAF_DECODER.raw_decode(text)
        if end != len(text):  # what follows may be only white space: the full reader says
            value = _STORED_LEAF_DECODER.decode(text)
        plain = text.isascii() or not _FOUR_BYTE_UTF8.search(data)  # isascii: a flag read
    except _FloatSeenError:
        return read_leaf(data, index)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise EntryError(f"entry {index}: the stored leaf is not JSON: verify the ledger"
                         ) from None
    document = value.get("entry") if type(value) is dict else None
    if type(document) is not dict or document.get("type") not in ENTRY_TYPES:
        raise EntryError(f"entry {index}: the stored leaf has no known type: verify the "
                         "ledger")
    kind: EntryType = document["type"]
    return LeafEntry(document, kind, _parse_utc(value.get("received"), index), plain)
