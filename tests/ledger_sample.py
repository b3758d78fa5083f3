"""A sample ledger for the verification and bundle tests: keys registered, the NATO
record's acts deposited up to its entry into force, instruments rejected (forged, not
JSON, signed after a key's revocation), a key event refused, a group commit, signed
checkpoints after every append, and two cosignatures (a party's, and a stranger's)."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from test_ledger_depositary import (
    DEPOSITARY_KEY,
    NATO,
    NATO_SHA,
    PARTY_KEYS,
    START,
    act_fields,
    noon,
    signed,
)
from treatyline.ledger.cosignature import Cosigner
from treatyline.ledger.depositary import Depositary
from treatyline.ledger.notes import parse_note
from treatyline.ledger.store import LedgerStore, is_postgres_url

__all__ = ["GARBAGE", "Sample", "build_sample", "execute_sql"]

GARBAGE = b'\x00not JSON at all \xff{"type": "instrument"'
"""Bytes received that are no instrument: the log must keep them exactly."""


@dataclass(frozen=True)
class Sample:
    depositary: Depositary
    accepted: int
    rejected_garbage: int
    """The entry of `GARBAGE`, rejected."""
    refused_key_event: int
    revocation: int


def build_sample(store: LedgerStore) -> Sample:
    depositary = Depositary.create(store, NATO.treaty, NATO_SHA, DEPOSITARY_KEY, START)
    for key in PARTY_KEYS.values():
        depositary.register_key(key.public(), START.date(), "full powers (test)", START,
                                DEPOSITARY_KEY)
    refused = depositary.register_key(PARTY_KEYS["US"].public(), START.date(), "again",
                                      START, DEPOSITARY_KEY)
    assert not refused.accepted
    accepted = 0
    for act in NATO.record.acts:
        if act.day > date(1949, 8, 24):
            break
        receipt = depositary.deposit(signed(PARTY_KEYS[act.party or "US"], act_fields(act)),
                                     noon(act.day), DEPOSITARY_KEY)
        assert receipt.accepted, receipt.reasons
        accepted += 1
    garbage = depositary.deposit(GARBAGE, noon(date(1949, 8, 25)), DEPOSITARY_KEY)
    forged = bytearray(signed(PARTY_KEYS["GB"], _statement("GB", "1949-08-25")))
    forged[-5] ^= 1
    assert not depositary.deposit(bytes(forged), noon(date(1949, 8, 25)),
                                  DEPOSITARY_KEY).accepted
    revocation = depositary.revoke_key(PARTY_KEYS["FR"].key_id, date(1949, 9, 1),
                                       "compromised (test)", noon(date(1949, 9, 1)),
                                       DEPOSITARY_KEY)
    assert not depositary.deposit(signed(PARTY_KEYS["FR"], _statement("FR", "1949-09-02")),
                                  noon(date(1949, 9, 2)), DEPOSITARY_KEY).accepted
    batch = depositary.deposit_many(
        [signed(PARTY_KEYS[code], _statement(code, "1949-09-03")) for code in ("US", "IT")],
        noon(date(1949, 9, 3)), DEPOSITARY_KEY)
    assert all(receipt.accepted for receipt in batch)
    _cosign(store)
    return Sample(depositary, accepted + len(batch), garbage.index, refused.index,
                  revocation.index)


def _statement(party: str, day: str) -> dict[str, Any]:
    return {"date": day, "kind": "statement", "party": party, "text": f"a statement of {party}",
            "source": "test"}


def _cosign(store: LedgerStore) -> None:
    """The latest checkpoint cosigned by the United States (a registered key) and by a
    witness the log does not know."""
    latest = store.latest_checkpoint()
    assert latest is not None
    text = parse_note(latest.note).text
    when = datetime(2026, 1, 5, 13, tzinfo=UTC)  # witnesses cosign the 1949 log today
    us = PARTY_KEYS["US"]
    for cosigner in (Cosigner(us.name, us.private_key), Cosigner.generate("witness.example")):
        line = cosigner.cosign(text, int(when.timestamp())).line()
        store.add_cosignature(latest.size, cosigner.name, line, when)


def execute_sql(ledger_db: str, statement: str, *params: object) -> None:
    """Change the ledger's database behind the store's back (``?`` placeholders)."""
    if is_postgres_url(ledger_db):
        import psycopg

        with psycopg.connect(ledger_db, autocommit=True) as connection:
            connection.execute(statement.replace("?", "%s"), params)  # type: ignore[arg-type]
        return
    connection = sqlite3.connect(ledger_db, isolation_level=None)
    try:
        connection.execute(statement, params)
    finally:
        connection.close()
