"""Reading a ledger's record fast: rows with `recorded` through the record reader's fast
path give the acts and the messages its validating path gives; the statements' digests
hashed late are the ones hashed at once; the record read from the store equals the one
read from its verified bundle; and a log changed behind the depositary's back gives a
message naming the entry (SQLite and PostgreSQL), never a traceback."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cli_inprocess import run_cli
from ledger_sample import execute_sql
from test_ledger_depositary import (
    DEPOSITARY_KEY,
    NATO,
    NATO_FOLDER,
    NATO_SHA,
    PARTY_KEYS,
    START,
    act_fields,
    noon,
    signed,
)
from treatyline import record as record_module
from treatyline.errors import Diagnostic
from treatyline.ledger import sql_store
from treatyline.ledger.bundle_file import bundle_record, export_bundle
from treatyline.ledger.depositary import Depositary
from treatyline.ledger.entries import instrument_statement, read_stored_leaf
from treatyline.ledger.state import LogKeys, LogState, act_row
from treatyline.ledger.store import LedgerStore, init_store
from treatyline.record import Act, Record, acts_from_ledger_rows, record_from_rows

DAYS = ["1949-04-04", "1949-08-24", "2024-03-07", "1949-02-30", "0999-01-01",
        "1949-04-04T10:00:00", "4 April 1949", ""]


def _act_view(act: Act) -> tuple[Any, ...]:
    return (act.model_dump(), sorted(act.model_fields_set), act.ref, act.position,
            act.sequence)


def _messages(record: Record) -> list[tuple[str, str]]:
    return [(d.message, str(d.position)) for d in record.rejected]


def _validated_only(rows: list[Any]) -> Record:
    """The rows read with the fast path turned off: every act through pydantic."""
    with mock.patch.object(record_module, "_plain_act", return_value=None):
        return record_from_rows(rows, NATO.treaty)


row_data = st.fixed_dictionaries(
    {"date": st.sampled_from(DAYS), "kind": st.sampled_from(
        ["signature", "ratification", "statement", "accession", "bogus", 7]),
     "source": st.sampled_from(["treaty series", "", None])},
    optional={"recorded": st.sampled_from([*DAYS, None, 3]),
              "party": st.sampled_from(["US", "GB", "SU", "XX", None]),
              "parties": st.sampled_from([[], ["US", "GB"], ["US", 1], "US"]),
              "text": st.sampled_from(["a statement", None, 1.5]),
              "hypothetical": st.sampled_from([False, True, "yes"]),
              "unknown_field": st.just("x")})


@settings(max_examples=300, deadline=None)
@given(st.lists(row_data, max_size=6))
def test_rows_with_recorded_give_the_acts_and_messages_of_the_validating_path(
        rows_data: list[dict[str, Any]]) -> None:
    rows = [act_row(data, index, date(1949, 9, 1)) for index, data in enumerate(rows_data)]
    fast, validated = record_from_rows(rows, NATO.treaty), _validated_only(rows)
    assert [_act_view(a) for a in fast.acts] == [_act_view(a) for a in validated.acts]
    assert _messages(fast) == _messages(validated)
    assert fast.new_parties == validated.new_parties


def test_a_plain_act_recorded_later_takes_the_fast_path() -> None:
    data = {"date": "1949-04-04", "recorded": "1949-04-05", "kind": "signature",
            "party": "US", "parties": ["GB"], "source": "treaty series"}
    made = record_module._plain_act(data, "r", record_module.Position("r"), 3, False)
    assert made is not None
    assert made.recorded == date(1949, 4, 5) and made.known_day == date(1949, 4, 5)
    assert _act_view(made) == _act_view(Act.model_validate(
        {**data, "ref": "r", "position": record_module.Position("r"), "sequence": 3}))
    for recorded in ("1949-04-03", "1949-04-04T09:00:00", "1949-13-01"):
        assert record_module._plain_act({**data, "recorded": recorded}, "r",
                                        record_module.Position("r"), 3, False) is None


def test_recorded_before_the_date_is_rejected_with_the_validator_s_message() -> None:
    data = {"date": "1949-04-04", "kind": "signature", "party": "US", "source": "s"}
    rows = [act_row(data, 12, date(1949, 4, 3))]
    fast = record_from_rows(rows, NATO.treaty)
    assert not fast.acts
    assert _messages(fast) == [("act ledger entry 12: recorded is earlier than the date of "
                                "the act", "ledger entry 12")]
    assert _messages(fast) == _messages(_validated_only(rows))


def test_ledger_rows_keep_their_entry_s_index_and_name_it_when_rejected() -> None:
    good = {"date": "1949-04-04", "kind": "signature", "party": "US", "source": "s"}
    rows = [act_row(good, 5, date(1949, 4, 4)), act_row("not an act", 9, date(1949, 4, 4)),
            act_row({**good, "kind": "bogus"}, 11, date(1949, 4, 4)),
            act_row({**good, "party": "GB"}, 40, date(1949, 4, 6))]
    acts: list[Act] = []
    rejected: list[Diagnostic] = []
    acts_from_ledger_rows(rows, [5, 9, 11, 40], NATO.treaty, acts, rejected, {})
    assert [(a.party, a.sequence, a.known_day) for a in acts] == [
        ("US", 5, date(1949, 4, 4)), ("GB", 40, date(1949, 4, 6))]
    assert [str(d.position) for d in rejected] == ["ledger entry 9", "ledger entry 11"]
    assert "an act is a mapping" in rejected[0].message
    assert "act kind 'bogus' is not defined" in rejected[1].message


# --- over a real store --------------------------------------------------------------------


@pytest.fixture
def nato(ledger_db: str) -> Iterator[Depositary]:
    """The NATO example's record deposited act by act, each on its own day or later."""
    with init_store(ledger_db) as store:
        yield _nato_ledger(store)


def _nato_ledger(store: LedgerStore) -> Depositary:
    depositary = Depositary.create(store, NATO.treaty, NATO_SHA, DEPOSITARY_KEY, START)
    for key in PARTY_KEYS.values():
        depositary.register_key(key.public(), START.date(), "full powers (test)", START,
                                DEPOSITARY_KEY)
    for act in NATO.record.acts:
        # some received days late: `recorded` differs from the date
        received = noon(act.day + timedelta(days=len(act.party or "") % 3))
        receipt = depositary.deposit(signed(PARTY_KEYS[act.party or "US"], act_fields(act)),
                                     received, DEPOSITARY_KEY)
        assert receipt.accepted, receipt.reasons
    return depositary


def test_the_record_read_from_the_store_is_the_verified_bundle_s(
        nato: Depositary, tmp_path: Path) -> None:
    written, store = nato, nato.store
    opened = Depositary.open(store, NATO.treaty, NATO_SHA)
    export_bundle(store, tmp_path / "nato.tlbundle")
    verified = bundle_record(tmp_path / "nato.tlbundle", NATO.treaty)
    views = [_act_view(a) for a in opened.state.record.acts]
    assert views == [_act_view(a) for a in verified.acts]
    assert views == [_act_view(a) for a in written.state.record.acts]
    assert len(views) == len(NATO.record.acts) and not opened.state.unreadable_acts
    # the statements hashed when first asked are the ones hashed as each entry is read
    eager = LogKeys()
    for stored in store.iter_entries():
        leaf = read_stored_leaf(stored.payload, stored.index)
        digest = (hashlib.sha256(instrument_statement(leaf.document)).digest()
                  if leaf.type == "instrument" else None)
        eager.apply(leaf, stored.index, statement_sha256=digest)
    assert dict(opened.state.statements) == dict(eager.statements)
    assert len(opened.state.statements) == len(NATO.record.acts)


def test_a_replay_is_still_refused_by_a_reopened_depositary(nato: Depositary) -> None:
    store = nato.store
    first = NATO.record.acts[0]
    data = signed(PARTY_KEYS[first.party or "US"], act_fields(first))
    reopened = Depositary.open(store, NATO.treaty, NATO_SHA)
    receipt = reopened.deposit(data, noon(date(1950, 1, 1)), DEPOSITARY_KEY)
    first_entry = 1 + len(PARTY_KEYS)  # after the genesis and the key registrations
    assert not receipt.accepted
    assert receipt.reasons == (f"replayed: the same instrument was accepted as entry "
                               f"{first_entry}",)


def _rewrite(store: LedgerStore, db: str, index: int, change: Any) -> None:
    """Change entry `index`'s leaf in the database, behind the depositary's back."""
    execute_sql(db, "UPDATE ledger_entries SET payload = ? WHERE idx = ?",
                change(store.entry(index).payload), index)


def _with_act(act: object) -> Any:
    def change(payload: bytes) -> bytes:
        leaf = json.loads(payload)
        leaf["entry"]["act"] = act
        return json.dumps(leaf, sort_keys=True, separators=(",", ":")).encode()
    return change


def _without(member: str) -> Any:
    def change(payload: bytes) -> bytes:
        leaf = json.loads(payload)
        del leaf["entry"][member]
        return json.dumps(leaf, sort_keys=True, separators=(",", ":")).encode()
    return change


TAMPERED = {
    "an unknown kind": (_with_act({"date": "1949-04-04", "kind": "bogus", "party": "US",
                                   "source": "s"}),
                        "act kind 'bogus' is not defined"),
    "an act that is not a mapping": (_with_act("signed"), "an act is a mapping"),
    "a bad date": (_with_act({"date": "1949-02-30", "kind": "signature", "party": "US",
                              "source": "s"}), "date"),
    "no act": (_without("act"), "an act is a mapping"),
}


@pytest.mark.parametrize("case", sorted(TAMPERED))
def test_a_tampered_instrument_is_named_by_status_from_the_ledger(
        case: str, nato: Depositary, ledger_db: str,
        capsys: pytest.CaptureFixture[str]) -> None:
    index = nato.store.size() - 1  # the last act deposited
    change, expected = TAMPERED[case]
    _rewrite(nato.store, ledger_db, index, change)
    code, output = run_cli(capsys, "status", NATO_FOLDER, "--ledger", ledger_db, "--as-of",
                           "2024-03-07", "--json")
    assert code == 1
    assert f"ledger entry {index}" in output and expected in output
    assert "Traceback" not in output and "internal error" not in output


def test_a_tampered_key_event_or_leaf_is_refused_with_its_entry(
        nato: Depositary, ledger_db: str, capsys: pytest.CaptureFixture[str]) -> None:
    _rewrite(nato.store, ledger_db, 1, _without("public_key"))  # the first key registration
    code, output = run_cli(capsys, "status", NATO_FOLDER, "--ledger", ledger_db)
    assert code != 0 and "entry 1: a malformed key_registration entry (KeyError" in output
    assert "Traceback" not in output and "internal error" not in output
    _rewrite(nato.store, ledger_db, 1, lambda payload: payload[:-5])
    code, output = run_cli(capsys, "timeline", NATO_FOLDER, "--ledger", ledger_db)
    assert code != 0 and "entry 1: the stored leaf is not JSON" in output
    assert "Traceback" not in output and "internal error" not in output


def test_an_untouched_ledger_has_no_unreadable_act(nato: Depositary) -> None:
    state = LogState(NATO.treaty)
    for stored in nato.store.iter_entries():
        state.apply(read_stored_leaf(stored.payload, stored.index), stored.index)
    assert len(state.record.acts) == len(NATO.record.acts) and not state.unreadable_acts


@pytest.mark.parametrize("start", [0, 2, 17, 45, 1000])
def test_the_leaves_read_page_by_page_are_the_entries_payloads(
        nato: Depositary, start: int, monkeypatch: pytest.MonkeyPatch) -> None:
    store = nato.store
    monkeypatch.setattr(sql_store, "_PAGE_SIZE", 4)  # pages end inside the log, and at it
    expected = [(e.index, e.payload) for e in store.entries(0, store.size())][start:]
    assert list(store.iter_leaves(start)) == expected
