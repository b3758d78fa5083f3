"""A leaf is read in one pass when it is plain canonical JSON; anything else (a repeated
key, an integer beyond 2**53, NaN, a lone surrogate, a fraction, a space) takes the strict
reading, with its message, and a fraction in canonical form is still read."""

from __future__ import annotations

import pytest

from treatyline.ledger.entries import EntryError, read_leaf

RECEIVED = '"received":"2026-01-01T00:00:00.000000Z"'


@pytest.mark.parametrize(("entry", "message"), [
    ('{"entry":{"type":"genesis"},"entry":{"type":"genesis"},' + RECEIVED + "}",
     "the key 'entry' appears twice in one object"),
    ('{"entry":{"n":9007199254740993,"type":"genesis"},' + RECEIVED + "}",
     "the integer 9007199254740993 at $.entry.n is beyond +/-(2**53 - 1)"),
    ('{"entry":{"n":NaN,"type":"genesis"},' + RECEIVED + "}", "NaN is not a JSON number"),
    ('{"entry":{"type":"genesis","x":"\\ud800"},' + RECEIVED + "}",
     "the string at $.entry.x has a lone surrogate"),
    ('{"entry":{"n":1.0,"type":"genesis"},' + RECEIVED + "}",
     "the leaf is not in canonical form (RFC 8785)"),
    ('{"entry":{"type":"genesis"}, ' + RECEIVED + "}",
     "the leaf is not in canonical form (RFC 8785)"),
])
def test_a_leaf_that_is_not_plain_gets_the_strict_reading_s_message(
        entry: str, message: str) -> None:
    with pytest.raises(EntryError) as caught:
        read_leaf(entry.encode(), 7)
    assert caught.value.diagnostics[0].message.startswith("entry 7: ")
    assert message in caught.value.diagnostics[0].message


def test_a_plain_leaf_and_a_canonical_fraction_are_read() -> None:
    plain = read_leaf(('{"entry":{"n":3,"type":"genesis"},' + RECEIVED + "}").encode(), 0)
    assert plain.plain and plain.document == {"n": 3, "type": "genesis"}
    fraction = read_leaf(('{"entry":{"n":1.5,"type":"genesis"},' + RECEIVED + "}").encode(), 0)
    assert not fraction.plain and fraction.document["n"] == 1.5
