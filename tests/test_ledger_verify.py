"""Verifying a ledger from its leaves, on SQLite and PostgreSQL: a ledger the depositary
wrote verifies; one changed behind its back fails, naming the first bad entry (or
checkpoint), whatever was changed: a payload's byte, a row deleted, inserted or moved, a
node, a column, a checkpoint, a cosignature."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterator
from contextlib import closing
from datetime import date
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cli_inprocess import EXAMPLES
from ledger_jobs import verify_jobs  # noqa: F401 (every test with jobs=1 and jobs=2)
from ledger_sample import GARBAGE, Sample, build_sample, execute_sql
from test_ledger_depositary import DEPOSITARY_KEY, NATO, PARTY_KEYS, noon
from treatyline.bundle import load_bundle
from treatyline.ledger.checkpoint import Checkpoint, sign_checkpoint
from treatyline.ledger.cosignature import Cosigner
from treatyline.ledger.entries import (
    EntryError,
    instrument_statement,
    leaf_bytes,
    leaf_statement,
    read_leaf,
)
from treatyline.ledger.keys import generate_party_key
from treatyline.ledger.merkle import root_hash
from treatyline.ledger.notes import parse_note
from treatyline.ledger.store import LedgerStore, init_store
from treatyline.ledger.verify import LedgerVerifyError, verify_store


@pytest.fixture
def sample(ledger_db: str) -> Iterator[Sample]:
    with closing(init_store(ledger_db)) as opened:
        yield build_sample(opened)


@pytest.fixture
def store(sample: Sample) -> LedgerStore:
    return sample.depositary.store


def _fails_at(store: LedgerStore, index: int, *words: str) -> LedgerVerifyError:
    with pytest.raises(LedgerVerifyError) as caught:
        verify_store(store)
    assert caught.value.index == index, str(caught.value)
    message = str(caught.value)
    assert f"entry {index}: " in message
    for word in words:
        assert word in message
    return caught.value


def test_a_ledger_the_depositary_wrote_verifies(store: LedgerStore, sample: Sample) -> None:
    seen: list[tuple[int, int]] = []
    verified = verify_store(store, NATO.treaty, progress=lambda done, total: seen.append(
        (done, total)))
    size = store.size()
    assert verified.size == size and seen[-1] == (size, size)
    assert verified.root_hash == root_hash(size, store)
    assert (verified.instruments_accepted, verified.rejected) == (sample.accepted, 4)
    assert (verified.key_registrations, verified.key_revocations) == (16, 1)
    assert (verified.cosignatures, verified.cosignatures_unverifiable) == (1, 1)
    latest = store.latest_checkpoint()
    assert latest is not None and verified.latest_checkpoint is not None
    assert verified.latest_checkpoint.size == latest.size == size
    assert verified.checkpoints == sum(store.checkpoint(n) is not None
                                       for n in range(1, size + 1))


def test_what_was_received_and_rejected_is_kept_byte_for_byte(
        store: LedgerStore, sample: Sample) -> None:
    entry = store.entry(sample.rejected_garbage)
    assert not entry.accepted and entry.kind == "rejected"
    kept = read_leaf(entry.payload, entry.index).document["received_data"]
    assert base64.b64decode(kept["bytes"]) == GARBAGE
    assert kept["sha256"] == hashlib.sha256(GARBAGE).hexdigest()
    verify_store(store)  # rejected entries are part of a sound ledger


def test_a_ledger_of_another_treaty_fails_at_its_genesis(
        store: LedgerStore, sample: Sample) -> None:
    other = load_bundle(EXAMPLES / "budapest-1994").treaty
    with pytest.raises(LedgerVerifyError, match="entry 0: the ledger is for the treaty "
                       "'nato-1949', not 'budapest-1994'"):
        verify_store(store, other)


def test_a_changed_byte_of_a_payload_is_named(
        store: LedgerStore, sample: Sample, ledger_db: str) -> None:
    index = sample.accepted  # an instrument in the middle of the log
    payload = bytearray(store.entry(index).payload)
    at = payload.index(b'"text":"' if b'"text":"' in payload else b'"source":"') + 9
    payload[at] ^= 0x01  # still JSON, still canonical: only the signature can tell
    execute_sql(ledger_db, "UPDATE ledger_entries SET payload = ? WHERE idx = ?",
                bytes(payload), index)
    _fails_at(store, index)


def test_a_deleted_row_is_named(store: LedgerStore, sample: Sample, ledger_db: str) -> None:
    execute_sql(ledger_db, "DELETE FROM ledger_entries WHERE idx = ?", 20)
    _fails_at(store, 20, "missing")


def test_rows_deleted_at_the_end_are_found_by_the_latest_checkpoint(
        store: LedgerStore, sample: Sample, ledger_db: str) -> None:
    size = store.size()
    execute_sql(ledger_db, "DELETE FROM ledger_cosignatures")
    execute_sql(ledger_db, "DELETE FROM ledger_entries WHERE idx >= ?", size - 2)
    with pytest.raises(LedgerVerifyError, match=f"checkpoint of size {size}: the log has "
                       f"only {size - 2} entries") as caught:
        verify_store(store)
    assert caught.value.checkpoint_size == size


def test_two_rows_swapped_are_named_at_the_first(
        store: LedgerStore, sample: Sample, ledger_db: str) -> None:
    first, second = store.entry(18), store.entry(25)
    for index, payload in ((18, second.payload), (25, first.payload)):
        execute_sql(ledger_db, "UPDATE ledger_entries SET payload = ? WHERE idx = ?",
                    payload, index)
    _fails_at(store, 18)


def test_a_row_inserted_after_the_last_is_named(
        store: LedgerStore, sample: Sample, ledger_db: str) -> None:
    size = store.size()
    last = store.entry(size - 1)
    execute_sql(ledger_db, "INSERT INTO ledger_entries (idx, payload, received, kind, party, "
                "accepted, notification) SELECT ?, payload, received, kind, party, accepted, "
                "notification FROM ledger_entries WHERE idx = ?", size, last.index)
    _fails_at(store, size, "replay")


def test_a_changed_node_is_named_at_the_entry_that_completes_it(
        store: LedgerStore, sample: Sample, ledger_db: str) -> None:
    execute_sql(ledger_db, "UPDATE ledger_nodes SET hash = ? WHERE level = ? AND idx = ?",
                b"\x07" * 32, 2, 3)
    # the subtree at level 2, index 3 covers leaves 12-15: leaf 15 completes it
    _fails_at(store, 15, "level 2, index 3", "not the hash of the leaves under it")


def test_a_flipped_column_is_named(store: LedgerStore, sample: Sample, ledger_db: str) -> None:
    execute_sql(ledger_db, "UPDATE ledger_entries SET accepted = ? WHERE idx = ?",
                True, sample.rejected_garbage)
    _fails_at(store, sample.rejected_garbage, "stored as accepted")


def test_a_party_column_changed_is_named(
        store: LedgerStore, sample: Sample, ledger_db: str) -> None:
    execute_sql(ledger_db, "UPDATE ledger_entries SET party = ? WHERE idx = ?", "GB",
                sample.accepted)
    _fails_at(store, sample.accepted, "the stored party 'GB'")


def test_a_checkpoint_signed_by_another_key_is_named(
        store: LedgerStore, sample: Sample, ledger_db: str) -> None:
    size = 20
    impostor = generate_party_key("depositary", "state.gov/nato-1949")  # the same name
    note = sign_checkpoint(Checkpoint("treatyline/nato-1949", size, root_hash(size, store)),
                           impostor.signer()).decode()
    execute_sql(ledger_db, "UPDATE ledger_checkpoints SET note = ? WHERE size = ?", note, size)
    with pytest.raises(LedgerVerifyError, match=f"checkpoint of size {size}: .*signature"
                       ) as caught:
        verify_store(store)
    assert caught.value.checkpoint_size == size and caught.value.index is None


def test_a_checkpoint_of_another_root_is_named(
        store: LedgerStore, sample: Sample, ledger_db: str) -> None:
    # signed with the depositary's own key, over the root of another log
    note = sign_checkpoint(Checkpoint("treatyline/nato-1949", 12, b"\x01" * 32),
                           DEPOSITARY_KEY.signer()).decode()
    execute_sql(ledger_db, "UPDATE ledger_checkpoints SET note = ? WHERE size = ?", note, 12)
    with pytest.raises(LedgerVerifyError, match="checkpoint of size 12: the root hash is not"):
        verify_store(store)


def test_a_bad_cosignature_of_a_registered_witness_is_an_error(
        store: LedgerStore, sample: Sample) -> None:
    latest = store.latest_checkpoint()
    assert latest is not None
    gb = PARTY_KEYS["GB"]
    text = parse_note(latest.note).text.replace("treatyline", "treatyline-other")
    line = Cosigner(gb.name, gb.private_key).cosign(text, 1_767_000_000).line()
    store.add_cosignature(latest.size, gb.name, line, noon(date(2026, 1, 5)))
    with pytest.raises(LedgerVerifyError, match=f"checkpoint of size {latest.size}, "
                       f"cosignature of {gb.name}: the cosignature does not verify"):
        verify_store(store)


_TEXT = st.text(st.characters(max_codepoint=0x10FFFF, exclude_categories=("Cs",)),
                max_size=8)
_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53) + 1, 2**53 - 1) | _TEXT
    | st.floats(-(2.0**53), 2.0**53, allow_nan=False, allow_infinity=False,
                exclude_min=True, exclude_max=True),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_TEXT, inner, max_size=4),
    max_leaves=12)


@settings(max_examples=300, deadline=None)
@given(act=st.dictionaries(_TEXT, _VALUES, max_size=5))
def test_a_leaf_read_the_fast_way_is_what_rfc_8785_says(act: dict[str, Any]) -> None:
    document = {"act": act, "key_id": "00000000", "signature": "", "treaty": "t",
                "type": "instrument"}
    data = leaf_bytes(document, noon(date(1949, 4, 4)))
    leaf = read_leaf(data, 3)  # canonical: read whichever way is taken
    assert leaf_statement(leaf) == instrument_statement(document)
    spaced = json.dumps(json.loads(data), ensure_ascii=False).encode()
    if spaced != data:
        with pytest.raises(EntryError, match="entry 3: the leaf is not in canonical form"):
            read_leaf(spaced, 3)


def test_a_malformed_document_is_named_not_raised_as_a_key_error(
        store: LedgerStore, sample: Sample, ledger_db: str) -> None:
    genesis = read_leaf(store.entry(0).payload, 0)
    del genesis.document["depositary_name"]
    execute_sql(ledger_db, "UPDATE ledger_entries SET payload = ? WHERE idx = ?",
                leaf_bytes(genesis.document, genesis.received), 0)
    _fails_at(store, 0, "a malformed genesis entry (KeyError")
