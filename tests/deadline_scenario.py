"""For the deadline tests: the Istanbul example's ledger in force (its scenario's acts up
to 2023-07-01, signed and deposited, none of its consultations), the hypothetical attack
on Kharkiv of 2023-10-03 as the only incident, and an obligations source that assesses
the served ledger's record against it as of the day asked (the lead glues the incident
reports' `ObligationsBook` in its place)."""

from __future__ import annotations

import asyncio
import csv
import hashlib
import shutil
from collections.abc import Sequence
from datetime import UTC, date, datetime, time
from pathlib import Path

from fastapi import FastAPI

from server_running import ISTANBUL, ServedLedger, make_ledger
from treatyline.bundle import load_bundle
from treatyline.ledger.depositary import Depositary
from treatyline.ledger.instruments import act_fields, signed_instrument
from treatyline.ledger.state import DEPOSITARY_PARTY
from treatyline.ledger.store import open_store
from treatyline.monitor import read_event_files
from treatyline.norms import Obligation, assess, event_columns
from treatyline.server.deadlines import ObligationsSource
from treatyline.spec.load import load_treaty
from treatyline.territory import Territory

__all__ = ["ATTACK", "ledger_in_force", "obligations_source"]

ATTACK = "hyp-2023-10-03-kharkiv"
LAST_ACT = date(2023, 7, 1)


def ledger_in_force(db: str, folder: Path) -> ServedLedger:
    """A ledger of the example with its acts to `LAST_ACT` (the treaty in force since
    2023-06-08), each party's signed with its key, received at noon UTC of its day."""
    bundle = load_bundle(ISTANBUL, scenario=True)
    acts = sorted((a for a in bundle.record.acts if a.known_day <= LAST_ACT),
                  key=lambda a: (a.known_day, a.sort_key))
    parties = sorted({p.code for p in bundle.treaty.parties})
    ledger = make_ledger(db, folder, parties, valid_from=acts[0].day)
    spec = ISTANBUL / "treaty.yaml"
    store = open_store(db)
    try:
        depositary = Depositary.open(store, load_treaty(spec),
                                     hashlib.sha256(spec.read_bytes()).hexdigest())
        for day in sorted({a.known_day for a in acts}):
            batch = [signed_instrument(ledger.keys[a.party or DEPOSITARY_PARTY],
                                       "istanbul-2022", act_fields(a))
                     for a in acts if a.known_day == day]
            receipts = depositary.deposit_many(batch, datetime.combine(day, time(12),
                                                                       tzinfo=UTC),
                                               ledger.keys[DEPOSITARY_PARTY])
            assert all(r.accepted for r in receipts), [r.reasons for r in receipts]
    finally:
        store.close()
    return ledger


def _attack_only(folder: Path) -> Path:
    """The example's event file with its one row of the attack of 2023-10-03 (and its
    mapping beside it)."""
    source = ISTANBUL / "scenario-events.csv"
    with source.open(newline="", encoding="utf-8") as file:
        rows = list(csv.reader(file))
    target = folder / "attack.csv"
    with target.open("w", newline="", encoding="utf-8") as file:
        csv.writer(file).writerows([rows[0], *(r for r in rows[1:] if r[0] == ATTACK)])
    shutil.copy(ISTANBUL / "scenario-events.mapping.yaml", folder / "attack.mapping.yaml")
    return target


def obligations_source(app: FastAPI, folder: Path) -> ObligationsSource:
    """The obligations of the served ledger's record, as of a day, with the attack."""
    treaty = load_bundle(ISTANBUL, scenario=True).treaty
    incidents = read_event_files([_attack_only(folder)], None, None).incidents
    assert len(incidents) == 1
    columns, scope = event_columns(incidents), Territory.for_treaty(treaty)

    async def obligations(day: date) -> Sequence[Obligation]:
        snapshot = await app.state.treaties.get("istanbul-2022").current()
        assessed = await asyncio.to_thread(assess, treaty, snapshot.record, day,
                                           events=columns, scope=scope)
        return assessed.obligations

    return obligations
