"""Canonical JSON against RFC 8785's own examples and its reference test data."""

from __future__ import annotations

import math
import struct
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from treatyline.ledger.canonical import canonical_json, canonicalize_text, parse_json
from treatyline.ledger.errors import CanonicalJSONError

VECTORS = Path(__file__).parent / "vectors" / "json_canonicalization"

# RFC 8785 Appendix B: IEEE 754 doubles (as hex) and their JSON serialisation.
NUMBER_SAMPLES = [
    ("0000000000000000", "0"),
    ("8000000000000000", "0"),
    ("0000000000000001", "5e-324"),
    ("8000000000000001", "-5e-324"),
    ("7fefffffffffffff", "1.7976931348623157e+308"),
    ("ffefffffffffffff", "-1.7976931348623157e+308"),
    ("4340000000000000", "9007199254740992"),
    ("c340000000000000", "-9007199254740992"),
    ("4430000000000000", "295147905179352830000"),
    ("44b52d02c7e14af5", "9.999999999999997e+22"),
    ("44b52d02c7e14af6", "1e+23"),
    ("44b52d02c7e14af7", "1.0000000000000001e+23"),
    ("444b1ae4d6e2ef4e", "999999999999999700000"),
    ("444b1ae4d6e2ef4f", "999999999999999900000"),
    ("444b1ae4d6e2ef50", "1e+21"),
    ("3eb0c6f7a0b5ed8c", "9.999999999999997e-7"),
    ("3eb0c6f7a0b5ed8d", "0.000001"),
    ("41b3de4355555553", "333333333.3333332"),
    ("41b3de4355555554", "333333333.33333325"),
    ("41b3de4355555555", "333333333.3333333"),
    ("41b3de4355555556", "333333333.3333334"),
    ("41b3de4355555557", "333333333.33333343"),
    ("becbf647612f3696", "-0.0000033333333333333333"),
    ("43143ff3c1cb0959", "1424953923781206.2"),
]
# RFC 8785 Appendix B: NaN and Infinity have no JSON serialisation.
NOT_NUMBERS = ["7fffffffffffffff", "7ff0000000000000", "fff0000000000000"]


@pytest.mark.parametrize(("ieee", "expected"), NUMBER_SAMPLES)
def test_number_serialisation_samples(ieee: str, expected: str) -> None:
    (number,) = struct.unpack(">d", bytes.fromhex(ieee))
    assert canonical_json(number) == expected.encode()


@pytest.mark.parametrize("ieee", NOT_NUMBERS)
def test_nan_and_infinity_are_refused(ieee: str) -> None:
    (number,) = struct.unpack(">d", bytes.fromhex(ieee))
    with pytest.raises(CanonicalJSONError, match=r"at \$\.x\[1\] is not a JSON number"):
        canonical_json({"x": [1, number]})


def test_the_sample_of_section_3_2_4() -> None:
    # RFC 8785 3.2.4 (Figure 1 and Figure 2): the input and its canonical form.
    text = (
        '{\n  "numbers": [333333333.33333329, 1E30, 4.50,\n'
        "              2e-3, 0.000000000000000000000000001],\n"
        '  "string": "\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/",\n'
        '  "literals": [null, true, false]\n}'
    )
    expected = (
        '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],'
        '"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}'
    )
    assert canonicalize_text(text) == expected.encode()


def test_the_sorting_example_of_section_3_2_3() -> None:
    # RFC 8785 3.2.3: properties sorted by their UTF-16 code units, not by code points.
    value = {
        "\u20ac": "Euro Sign",
        "\r": "Carriage Return",
        "\ufb33": "Hebrew Letter Dalet With Dagesh",
        "1": "One",
        "\U0001f600": "Emoji: Grinning Face",
        "\u0080": "Control",
        "\u00f6": "Latin Small Letter O With Diaeresis",
    }
    order = ["\r", "1", "\u0080", "\u00f6", "\u20ac", "\U0001f600", "\ufb33"]
    expected = "{" + ",".join(f'"{key}":"{value[key]}"'.replace("\r", "\\r") for key in order)
    assert canonical_json(value) == (expected + "}").encode()


@pytest.mark.parametrize("name", ["arrays", "french", "structures", "unicode", "values", "weird"])
def test_reference_test_data(name: str) -> None:
    text = (VECTORS / f"{name}.input.json").read_bytes()
    assert canonicalize_text(text) == (VECTORS / f"{name}.output.json").read_bytes()


def test_canonical_bytes_do_not_depend_on_spacing_or_order() -> None:
    one = parse_json('{"b": [1, 2.0, {"y": null, "x": true}], "a": "\\u00e9"}')
    other = parse_json('{ "a":"é","b":[1,2,{"x":true,"y":null}] }')
    expected = b'{"a":"\xc3\xa9","b":[1,2,{"x":true,"y":null}]}'
    assert canonical_json(one) == canonical_json(other) == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ({"n": 2**53}, r"integer 9007199254740992 at \$\.n is beyond"),
        ([-(2**60)], r"at \$\[0\] is beyond .* write it as a string"),
        ({1: "one"}, r"the key 1 at \$ is not a string"),
        ({"a": {"b": "\ud800"}}, r"string at \$\.a\.b has a lone surrogate"),
        ({"when": object()}, r"a object at \$\.when is not a JSON value"),
        ({"s": {1, 2}}, r"a set at \$\.s is not a JSON value"),
    ],
)
def test_what_json_cannot_hold_is_refused_with_its_place(value: object, message: str) -> None:
    with pytest.raises(CanonicalJSONError, match=message):
        canonical_json(value)  # type: ignore[arg-type]


def test_large_integer_literals_are_read_only_when_they_are_canonical_doubles() -> None:
    # RFC 8785 Appendix B writes the doubles 2**53 and 2**68 as integer literals.
    assert parse_json("[9007199254740992, 295147905179352830000]") == [2.0**53, 2.0**68]
    assert canonicalize_text("[295147905179352830000]") == b"[295147905179352830000]"
    with pytest.raises(CanonicalJSONError, match=r"integer 9007199254740993 at \$\[0\]"):
        parse_json("[9007199254740993]")
    with pytest.raises(CanonicalJSONError, match=r"integer 295147905179352825856 at \$\[0\]"):
        parse_json("[295147905179352825856]")  # 2**68 exactly, but not as a double is written
    with pytest.raises(CanonicalJSONError, match=r"integer 1{400} at \$"):
        parse_json("1" * 400)
    # beyond the 4300 digits Python converts: refused all the same, with its place
    with pytest.raises(CanonicalJSONError, match=r"integer of 5000 digits at \$\.n\[1\]"):
        parse_json('{"n": [1, -' + "1" * 5000 + "]}")


@pytest.mark.parametrize("number", [2.0**53, -(2.0**53), 2.0**68, 1e20, 123456789012345680.0])
def test_doubles_written_as_integers_read_back(number: float) -> None:
    # RFC 8785 writes these doubles as integer literals beyond 2**53 - 1: they must read
    # back, or the depositary could sign bytes no one can read
    written = canonical_json({"n": number})
    assert b"." not in written and b"e" not in written
    assert parse_json(written) == {"n": number}


def test_the_largest_safe_integers_are_kept() -> None:
    assert canonical_json([2**53 - 1, -(2**53 - 1)]) == b"[9007199254740991,-9007199254740991]"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"a": 1, "a": 2}', "the key 'a' appears twice"),
        ('{"a": NaN}', "NaN is not a JSON number"),
        ("[Infinity]", "Infinity is not a JSON number"),
        ("[1e400]", r"inf at \$\[0\] is not a JSON number"),
        ('{"id": 12345678901234567890}', r"integer 12345678901234567890 at \$\.id"),
        ('{"a": [1, 2}', "not JSON: .* line 1 column 12"),
        (b'"\xff"', "not UTF-8 text"),
    ],
)
def test_json_text_is_read_strictly(text: str | bytes, message: str) -> None:
    with pytest.raises(CanonicalJSONError, match=message):
        parse_json(text)


JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**53 - 1), 2**53 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=6), children, max_size=4),
    max_leaves=20,
)


@given(JSON_VALUES)
def test_canonical_bytes_read_back_to_the_same_canonical_bytes(value: object) -> None:
    canonical = canonical_json(value)  # type: ignore[arg-type]
    assert canonicalize_text(canonical) == canonical


INTEGRAL_DOUBLES = st.integers(-(2**1023), 2**1023).map(float).filter(math.isfinite)


def _as_json(value: object) -> object:
    """`value` as parse_json gives it back: tuples are arrays (lists)."""
    if isinstance(value, tuple | list):
        return [_as_json(item) for item in value]
    if isinstance(value, dict):
        return {key: _as_json(item) for key, item in value.items()}
    return value


@given(st.recursive(
    JSON_VALUES | INTEGRAL_DOUBLES,
    lambda children: st.tuples(children, children) | st.lists(children, max_size=3)
    | st.dictionaries(st.text(max_size=4), children, max_size=3),
    max_leaves=12,
))
def test_whatever_canonical_json_writes_parse_json_reads_back(value: object) -> None:
    # RFC 8785 3.2.2.3: a number is a double, so 2.0 and 2 are the same JSON value
    assert parse_json(canonical_json(value)) == _as_json(value)  # type: ignore[arg-type]


@given(st.one_of(st.integers(), st.floats(), INTEGRAL_DOUBLES))
def test_canonical_json_refuses_every_number_parse_json_refuses(number: int | float) -> None:
    try:
        written = canonical_json([number])
    except CanonicalJSONError as refused:
        assert "at $[0]" in str(refused)
        return
    assert parse_json(written) == [number]
