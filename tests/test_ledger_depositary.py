"""The depositary over a real store (a SQLite file and a real PostgreSQL server): signed
deposits examined, accepted or rejected with reasons, notified, proved and read back as
the record the status engine reads, as known on a day."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import closing
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest

from cli_inprocess import EXAMPLES
from treatyline.bundle import load_bundle
from treatyline.ledger.canonical import canonical_json
from treatyline.ledger.checkpoint import open_checkpoint
from treatyline.ledger.depositary import Depositary, DepositaryError
from treatyline.ledger.entries import MAX_INSTRUMENT_BYTES, instrument_statement
from treatyline.ledger.examination import instrument_document
from treatyline.ledger.keys import PartyKey, generate_party_key
from treatyline.ledger.merkle import verify_inclusion
from treatyline.ledger.store import LedgerStore, init_store, open_store
from treatyline.record import Act
from treatyline.status import status

NATO_FOLDER = EXAMPLES / "nato-1949"
NATO = load_bundle(NATO_FOLDER)
NATO_SHA = hashlib.sha256((NATO_FOLDER / "treaty.yaml").read_bytes()).hexdigest()
START = datetime(1949, 4, 1, 9, tzinfo=UTC)
DEPOSITARY_KEY = generate_party_key("depositary", "state.gov/nato-1949")
PARTY_KEYS = {code: generate_party_key(code, f"{code.lower()}.mfa/nato-1949")
              for code in ("US", "GB", "FR", "BE", "CA", "DK", "IS", "IT", "LU", "NL", "NO",
                           "PT", "GR", "TR", "FI", "SE")}


def signed(key: PartyKey, act: dict[str, Any], treaty: str = "nato-1949") -> bytes:
    """The canonical bytes a party sends: its act, signed with its key."""
    unsigned = instrument_document(treaty, act, key.key_id, b"")
    return canonical_json(instrument_document(treaty, act, key.key_id,
                                              key.sign(instrument_statement(unsigned))))


def act_fields(act: Act) -> dict[str, Any]:
    data = act.model_dump(mode="json", exclude_none=True, exclude_defaults=True)
    data.pop("recorded", None)
    return data | {"date": act.day.isoformat(), "source": act.source}


def noon(day: date) -> datetime:
    return datetime.combine(day, time(12), tzinfo=UTC)


@pytest.fixture
def store(ledger_db: str) -> Iterator[LedgerStore]:
    opened = init_store(ledger_db)
    yield opened
    opened.close()


@pytest.fixture
def nato(store: LedgerStore) -> Depositary:
    """A NATO ledger with every party's key registered (full powers from 1949-04-01)."""
    depositary = Depositary.create(store, NATO.treaty, NATO_SHA, DEPOSITARY_KEY, START)
    for key in PARTY_KEYS.values():
        depositary.register_key(key.public(), START.date(), "full powers (test)", START,
                                DEPOSITARY_KEY)
    return depositary


def test_a_ledger_of_the_record_gives_the_record_s_status(nato: Depositary) -> None:
    # every act of the example's record deposited on its own day, signed by its party
    for act in NATO.record.acts:
        receipt = nato.deposit(signed(PARTY_KEYS[act.party or "US"], act_fields(act)),
                               noon(act.day), DEPOSITARY_KEY)
        assert receipt.accepted, receipt.reasons
    for day in (date(1949, 4, 3), date(1949, 8, 23), date(1949, 8, 24), date(1952, 2, 18),
                date(2024, 3, 7)):
        assert (_without_places(status(NATO.treaty, nato.state.record, day).to_json())
                == _without_places(status(NATO.treaty, NATO.record, day).to_json()))


def _without_places(found: dict[str, Any]) -> dict[str, Any]:
    """A status without the acts' labels (record.yaml:34 in a file, ledger entry 37 in
    the ledger): the same acts, named by where they are."""
    return found | {"because": [{k: v for k, v in reason.items() if k != "acts"}
                                for reason in found["because"]]}


def test_a_receipt_proves_its_entry_in_a_signed_checkpoint(nato: Depositary) -> None:
    act = {"date": "1949-04-04", "kind": "signature", "party": "US", "source": "test"}
    receipt = nato.deposit(signed(PARTY_KEYS["US"], act), noon(date(1949, 4, 4)),
                           DEPOSITARY_KEY)
    head = open_checkpoint(receipt.checkpoint, DEPOSITARY_KEY.signer().verifier()).checkpoint
    assert (head.origin, head.size) == ("treatyline/nato-1949", receipt.tree_size)
    verify_inclusion(receipt.leaf_hash, receipt.index, receipt.tree_size,
                     list(receipt.inclusion), head.root_hash)
    assert receipt.notification is not None
    assert receipt.notification["reference"] == f"C.N.{receipt.index}.1949.TREATIES"
    assert "Signature by United States" in receipt.notification["text"]


def test_an_instrument_received_late_counts_from_its_date_once_known(
        nato: Depositary) -> None:
    for act in NATO.record.acts:
        if act.day > date(1949, 8, 24):
            break
        # France's ratification (one Article 11 requires) reaches the depositary ten days
        # after its date (a delay this test makes up: the reference has no receipt days)
        late = act.party == "FR" and act.kind == "ratification"
        received = noon(act.day + timedelta(days=10 if late else 0))
        assert nato.deposit(signed(PARTY_KEYS[act.party or "US"], act_fields(act)), received,
                            DEPOSITARY_KEY).accepted
    record = nato.state.record
    assert status(NATO.treaty, record, date(1949, 8, 30),
                  known_on=date(1949, 8, 30)).state == "not_in_force"
    known = status(NATO.treaty, record, date(1949, 8, 30), known_on=date(1949, 9, 3))
    assert known.state == "in_force" and known.in_force_since == date(1949, 8, 24)


def _reasons(depositary: Depositary, data: bytes, day: date = date(1949, 4, 4)) -> str:
    size = depositary.store.size()
    receipt = depositary.deposit(data, noon(day), DEPOSITARY_KEY)
    assert not receipt.accepted
    assert depositary.store.size() == size + 1  # kept, as rejected: nothing received is lost
    assert depositary.store.entry(size).accepted is False
    return " | ".join(receipt.reasons)


SIGNATURE = {"date": "1949-04-04", "kind": "signature", "party": "US", "source": "test"}


def test_what_is_not_in_due_form_is_logged_as_rejected_with_its_reasons(
        nato: Depositary) -> None:
    good = signed(PARTY_KEYS["US"], SIGNATURE)
    key = PARTY_KEYS["US"]
    signature = bytearray(key.sign(instrument_statement(instrument_document(
        "nato-1949", SIGNATURE, key.key_id, b""))))
    signature[10] ^= 1  # one bit of the signature changed
    forged = canonical_json(instrument_document("nato-1949", SIGNATURE, key.key_id,
                                                bytes(signature)))
    assert "does not verify" in _reasons(nato, forged)
    assert "not valid base64" in _reasons(nato, forged.replace(b'"signature":"',
                                                               b'"signature":"!'))
    assert "a party deposits only its own instruments" in _reasons(
        nato, signed(PARTY_KEYS["GB"], SIGNATURE))
    assert "not in canonical form" in _reasons(nato, good.replace(b",", b", ", 1))
    assert "not JSON" in _reasons(nato, b'{"type": "instrument",')
    assert "at most 65,536 bytes" in _reasons(nato, b" " * (MAX_INSTRUMENT_BYTES + 1))
    assert "nested too deeply" in _reasons(nato, b'{"a":' * 5_000 + b"1" + b"}" * 5_000)
    assert "nested too deeply" in _reasons(nato, b"[" * 30_000 + b"]" * 30_000)
    assert "after its receipt" in _reasons(nato, signed(PARTY_KEYS["US"], SIGNATURE),
                                           date(1949, 4, 3))
    assert "unknown field 'colour'" in _reasons(nato, signed(
        PARTY_KEYS["US"], SIGNATURE | {"colour": "blue"}))
    assert "this ledger is for 'nato-1949'" in _reasons(nato, signed(
        PARTY_KEYS["US"], SIGNATURE, treaty="budapest-1994"))
    stranger = generate_party_key("US", "someone/else")
    assert "which no key registration in this ledger names" in _reasons(
        nato, signed(stranger, SIGNATURE))
    assert nato.deposit(good, noon(date(1949, 4, 4)), DEPOSITARY_KEY).accepted
    assert "replayed: the same instrument was accepted as entry" in _reasons(nato, good)
    assert "requires signature by Canada first" in _reasons(nato, signed(
        PARTY_KEYS["CA"], {"date": "1949-04-04", "kind": "ratification", "party": "CA",
                           "source": "test"}))


def test_a_revoked_key_cannot_act_from_its_revocation_on(nato: Depositary) -> None:
    key = PARTY_KEYS["FR"]
    nato.revoke_key(key.key_id, date(1949, 4, 10), "compromised (test)",
                    noon(date(1949, 4, 10)), DEPOSITARY_KEY)
    late = {"date": "1949-04-11", "kind": "statement", "party": "FR", "text": "t",
            "source": "test"}
    assert "revoked from 1949-04-10" in _reasons(nato, signed(key, late), date(1949, 4, 11))
    assert [k.name for k in nato.state.keys_valid_on("FR", date(1949, 4, 9))] == [key.name]
    assert nato.state.keys_valid_on("FR", date(1949, 4, 10)) == []


def test_a_reopened_ledger_reads_its_state_back_and_checks_the_treaty(
        nato: Depositary, ledger_db: str) -> None:
    assert nato.deposit(signed(PARTY_KEYS["US"], SIGNATURE), noon(date(1949, 4, 4)),
                        DEPOSITARY_KEY).accepted
    with closing(open_store(ledger_db)) as store:
        again = Depositary.open(store, NATO.treaty, NATO_SHA)
        assert again.state.size == nato.state.size
        assert ([a.label for a in again.state.record.acts]
                == [a.label for a in nato.state.record.acts])
        assert set(again.state.keys) == set(nato.state.keys)
        with pytest.raises(DepositaryError, match="another version of the treaty"):
            Depositary.open(store, NATO.treaty, "0" * 64)


def test_two_depositaries_on_one_store_see_each_other_s_entries(
        nato: Depositary, ledger_db: str) -> None:
    with closing(open_store(ledger_db)) as store:
        other = Depositary.open(store, NATO.treaty, NATO_SHA)
        assert nato.deposit(signed(PARTY_KEYS["US"], SIGNATURE), noon(date(1949, 4, 4)),
                            DEPOSITARY_KEY).accepted
        # the other process catches up under the writer lock: the replay is seen
        assert "replayed" in _reasons(other, signed(PARTY_KEYS["US"], SIGNATURE))
        assert other.state.size == nato.store.size()


def test_a_key_that_is_not_the_depositary_s_cannot_write(nato: Depositary) -> None:
    with pytest.raises(DepositaryError, match="not this ledger's depositary key"):
        nato.register_key(PARTY_KEYS["US"].public(), START.date(), "x", START,
                          PARTY_KEYS["US"])


def test_a_ledger_file_is_created_once(tmp_path: Path) -> None:
    with closing(init_store(str(tmp_path / "l.db"))) as store:
        Depositary.create(store, NATO.treaty, NATO_SHA, DEPOSITARY_KEY, START)
        with pytest.raises(DepositaryError, match="has entries already"):
            Depositary.create(store, NATO.treaty, NATO_SHA, DEPOSITARY_KEY, START)


def test_the_depositary_records_what_no_one_party_deposits(nato: Depositary) -> None:
    meeting = {"date": "1949-04-02", "kind": "statement", "text": "t", "source": "test"}
    assert nato.deposit(signed(DEPOSITARY_KEY, meeting), noon(date(1949, 4, 2)),
                        DEPOSITARY_KEY).accepted
    assert "signed with its own key, not recorded by the depositary" in _reasons(
        nato, signed(DEPOSITARY_KEY, SIGNATURE))
