"""Canonical JSON (RFC 8785, the JSON Canonicalization Scheme): the bytes that are signed.

An instrument is signed as the canonical bytes of its JSON value, so that any party can
rebuild exactly those bytes from the same value however the JSON was spaced or ordered.
The serialisation itself is the `rfc8785` package (Trail of Bits, used by sigstore);
this module adds the I-JSON limits (RFC 7493) as errors that name the place in the value.

Refused: NaN and the infinities, object keys that are not strings, strings that are not
Unicode scalar values (lone surrogates), and integers beyond +/-(2**53 - 1), which a JSON
number cannot hold exactly on every platform: write such numbers as strings. Text is also
refused when an object repeats a key (`parse_json`), since two parties could read it
differently; an integer literal beyond 2**53 in text is read as the double it names only
when it is exactly that double's canonical form (so canonical bytes read back unchanged).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TypeAlias

import rfc8785

from treatyline.ledger.errors import CanonicalJSONError

__all__ = ["JSONValue", "canonical_json", "canonicalize_text", "parse_json"]

JSONValue: TypeAlias = (
    bool | int | float | str | Sequence["JSONValue"] | Mapping[str, "JSONValue"] | None
)

MAX_SAFE_INTEGER = 2**53 - 1
_TOO_DEEP = "JSON nested too deeply (arrays and objects within each other, hundreds deep)"


def canonical_json(value: JSONValue) -> bytes:
    """The RFC 8785 canonical UTF-8 bytes of a JSON value (dicts, lists or tuples, str,
    int, float, bool, None)."""
    try:
        problem = _first_problem(value, "$")
        if problem is None:
            return rfc8785.dumps(value)
    except RecursionError:
        raise CanonicalJSONError(_TOO_DEEP) from None
    raise CanonicalJSONError(f"cannot write canonical JSON: {problem}")


def parse_json(text: str | bytes) -> JSONValue:
    """A JSON text read strictly: no repeated keys, no NaN or Infinity literals, and
    nothing canonical JSON would refuse (the message names the place)."""
    try:
        value: JSONValue = json.loads(
            text,
            object_pairs_hook=_refuse_repeated_keys,
            parse_constant=_refuse_constant,
            parse_int=_read_integer,
        )
    except json.JSONDecodeError as error:
        raise CanonicalJSONError(
            f"not JSON: {error.msg} at line {error.lineno} column {error.colno}"
        ) from error
    except UnicodeDecodeError as error:
        raise CanonicalJSONError(f"not UTF-8 text: {error.reason}") from error
    except RecursionError:
        raise CanonicalJSONError(_TOO_DEEP) from None
    try:
        problem = _first_problem(value, "$")
    except RecursionError:
        raise CanonicalJSONError(_TOO_DEEP) from None
    if problem is not None:
        raise CanonicalJSONError(f"cannot read as canonical JSON: {problem}")
    return value


def canonicalize_text(text: str | bytes) -> bytes:
    """The canonical bytes of a JSON text (read with `parse_json`)."""
    return canonical_json(parse_json(text))


def _refuse_repeated_keys(pairs: list[tuple[str, JSONValue]]) -> dict[str, JSONValue]:
    result: dict[str, JSONValue] = {}
    for key, item in pairs:
        if key in result:
            raise CanonicalJSONError(f"the key {key!r} appears twice in one object")
        result[key] = item
    return result


@dataclass(frozen=True)
class _TooLongInteger:
    """An integer literal longer than Python converts (4300 digits): kept as its length,
    to be refused with its place like any integer beyond 2**53."""

    digits: int


def _read_integer(literal: str) -> int | float | _TooLongInteger:
    """An integer literal; beyond +/-(2**53 - 1) it is a double, as for any JSON number,
    when the literal is that double's own canonical form (as RFC 8785 writes 2**68,
    "295147905179352830000"); otherwise the int is kept and refused with its place."""
    try:
        value = int(literal)
    except ValueError:  # sys.get_int_max_str_digits(): refused, as it would be anyway
        return _TooLongInteger(len(literal.lstrip("-")))
    if abs(value) <= MAX_SAFE_INTEGER:
        return value
    try:
        as_double = float(value)
    except OverflowError:
        return value
    return as_double if rfc8785.dumps(as_double) == literal.encode() else value


def _refuse_constant(name: str) -> float:
    raise CanonicalJSONError(f"{name} is not a JSON number")


def _first_problem(value: object, path: str) -> str | None:
    """Where and why `value` cannot be canonical JSON, or None when it can."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, _TooLongInteger):
        return (
            f"the integer of {value.digits} digits at {path} is beyond +/-(2**53 - 1), which "
            "a JSON number cannot hold exactly; write it as a string"
        )
    if isinstance(value, int):
        if abs(value) > MAX_SAFE_INTEGER:
            return (
                f"the integer {value} at {path} is beyond +/-(2**53 - 1), which a JSON "
                "number cannot hold exactly; write it as a string"
            )
        return None
    if isinstance(value, float):
        return None if math.isfinite(value) else f"{value} at {path} is not a JSON number"
    if isinstance(value, str):
        return _string_problem(value, path)
    if isinstance(value, list | tuple):
        for number, item in enumerate(value):
            problem = _first_problem(item, f"{path}[{number}]")
            if problem is not None:
                return problem
        return None
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                return f"the key {key!r} at {path} is not a string"
            problem = _string_problem(key, f"{path} (a key)") or _first_problem(
                item, f"{path}.{key}"
            )
            if problem is not None:
                return problem
        return None
    return f"a {type(value).__name__} at {path} is not a JSON value"


def _string_problem(text: str, path: str) -> str | None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return f"the string at {path} has a lone surrogate, which is not Unicode text"
    return None
