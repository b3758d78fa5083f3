"""Helpers for the incident tests: the Istanbul example's ledger with its acts (record and
HYPOTHETICAL scenario) deposited up to a day, tokens issued with the command line, and a
client that checks the error shape."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

import httpx
import pytest

from cli_inprocess import run_cli_output
from server_running import ISTANBUL, ServedLedger, make_ledger
from treatyline.bundle import load_bundle
from treatyline.cli_ledger_common import open_ledger, treaty_spec
from treatyline.ledger.instruments import act_fields, signed_instrument
from treatyline.ledger.state import DEPOSITARY_PARTY
from treatyline.record import Act, Record

__all__ = ["API", "ATTACK", "KHARKIV", "bearer", "istanbul_ledger", "ledger_record", "new_token",
           "refused"]

API = "/api/treaties/istanbul-2022"
ATTACK = date(2023, 10, 3)
KHARKIV = {"id": "hyp-2023-10-03-kharkiv", "date": "2023-10-03", "kind": "armed_attack",
           "actor": "Armed forces of the Russian Federation", "target": "UA",
           "longitude": 36.23, "latitude": 49.99, "location_precision_km": 1,
           "source": "hypothetical scenario (invented for demonstration)",
           "note": "Kharkiv; covered under both readings"}


def receipt_time(act: Act) -> datetime:
    return datetime.combine(act.known_day, time(12), tzinfo=UTC)


def istanbul_ledger(db: str, folder: Path, known_before: date | None) -> ServedLedger:
    """A ledger of the example holding the acts known before `known_before` (None: all),
    each deposited at noon UTC of the day it became known, signed by its party."""
    bundle = load_bundle(ISTANBUL, scenario=True)
    acts = sorted((a for a in bundle.record.acts
                   if known_before is None or a.known_day < known_before),
                  key=lambda a: (receipt_time(a), a.sort_key))
    parties = sorted({a.party for a in bundle.record.acts if a.party is not None})
    ledger = make_ledger(db, folder, parties, valid_from=acts[0].day)
    with open_ledger(db, treaty_spec(ISTANBUL)) as depositary:
        for received in sorted({receipt_time(a) for a in acts}):
            batch = [a for a in acts if receipt_time(a) == received]
            receipts = depositary.deposit_many(
                [signed_instrument(ledger.keys[a.party or DEPOSITARY_PARTY], "istanbul-2022",
                                   act_fields(a)) for a in batch],
                received, ledger.keys[DEPOSITARY_PARTY])
            assert all(r.accepted for r in receipts), [r.reasons for r in receipts]
    return ledger


def ledger_record(db: str) -> Record:
    with open_ledger(db, treaty_spec(ISTANBUL)) as depositary:
        return depositary.state.record


def new_token(capsys: pytest.CaptureFixture[str], db: str, role: str,
              party: str | None = None) -> str:
    code, out, err = run_cli_output(capsys, "token", "new", "--db", db, "--role", role,
                                    *(["--party", party] if party else []))
    assert code == 0, err
    return out.strip()


def refused(response: httpx.Response, status: int, code: str | None = None,
            place: str | None = None) -> dict[str, Any]:
    """The error of `response`, checked to be in the error shape."""
    assert response.status_code == status, response.text
    error: dict[str, Any] = response.json()["error"]
    assert error["status"] == status and error["message"]
    assert "Traceback" not in response.text
    if code is not None:
        assert error["code"] == code, error
    if place is not None:
        assert error["place"] == place, error
    return error


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
