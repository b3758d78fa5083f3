"""The Istanbul scenario end to end through `treatyline serve`'s API: a ledger made and
its keys registered with the library, every act of the example (its HYPOTHETICAL scenario
included) signed by its party and deposited over HTTP to a real uvicorn server on
127.0.0.1 at its time of receipt, each receipt's proof checked with the Merkle verifier
against the signed checkpoint, and the status as known on two days — the same JSON as
`treatyline status --ledger --json`. On SQLite and on PostgreSQL."""

from __future__ import annotations

import base64
import json
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

import httpx
import pytest

from cli_inprocess import run_cli_output
from server_running import ISTANBUL, SetClock, make_ledger, serve
from treatyline.bundle import load_bundle
from treatyline.ledger.checkpoint import open_checkpoint
from treatyline.ledger.instruments import act_fields, signed_instrument
from treatyline.ledger.merkle import leaf_hash, verify_consistency, verify_inclusion
from treatyline.ledger.notes import NoteVerifier
from treatyline.record import Act

API = "/api/treaties/istanbul-2022"
AS_OF = "2023-06-08"


def receipt_time(act: Act) -> datetime:
    """Noon UTC of the day the act became known (as the example's replay script)."""
    return datetime.combine(act.known_day, time(12), tzinfo=UTC)


def checked_root(note: str, depositary: NoteVerifier, size: int) -> bytes:
    """The root hash of a checkpoint note, once its signature and size are checked."""
    head = open_checkpoint(note.encode("utf-8"), depositary).checkpoint
    assert head.size == size
    return head.root_hash


def check_receipt(receipt: dict[str, Any], depositary: NoteVerifier) -> None:
    root = checked_root(receipt["checkpoint"], depositary, receipt["tree_size"])
    verify_inclusion(base64.b64decode(receipt["leaf_hash"]), receipt["index"],
                     receipt["tree_size"], [base64.b64decode(h)
                                            for h in receipt["inclusion_proof"]], root)


def cli_json(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, Any]:
    _, out, _ = run_cli_output(capsys, *args)
    found: dict[str, Any] = json.loads(out)
    return found


def test_the_istanbul_scenario_over_http(ledger_db: str, tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    bundle = load_bundle(ISTANBUL, scenario=True)
    acts = sorted(bundle.record.acts, key=lambda a: (receipt_time(a), a.sort_key))
    parties = sorted({a.party for a in acts if a.party is not None})
    ledger = make_ledger(ledger_db, tmp_path, parties, valid_from=acts[0].day)
    depositary = ledger.keys["depositary"].public().verifier()
    clock = SetClock(receipt_time(acts[0]))
    receipts = []
    with serve(ledger, clock) as url, httpx.Client(base_url=url, timeout=60) as client:
        for act in acts:
            clock.moment = receipt_time(act)
            key = ledger.keys[act.party or "depositary"]
            response = client.post(f"{API}/instruments", content=signed_instrument(
                key, "istanbul-2022", act_fields(act)))
            assert response.status_code == 201, response.text
            receipt = response.json()
            assert receipt["accepted"] and receipt["notification"]["received"] == (
                act.known_day.isoformat())
            assert response.headers["location"] == f"{API}/entries/{receipt['index']}"
            check_receipt(receipt, depositary)
            receipts.append(receipt)
        assert [r["index"] for r in receipts] == list(range(len(parties) + 1,
                                                            len(parties) + 1 + len(acts)))

        # the log's head, an entry's leaf and proof against it, and consistency with an old one
        note = client.get(f"{API}/checkpoint")
        assert note.headers["content-type"].startswith("text/plain")
        size = receipts[-1]["tree_size"]
        root = checked_root(note.text, depositary, size)
        first = receipts[0]
        entry = client.get(f"{API}/entries/{first['index']}").json()
        assert entry["tree_size"] == size and entry["checkpoint"] == note.text
        leaf = base64.b64decode(entry["leaf"])
        assert base64.b64encode(leaf_hash(leaf)).decode() == first["leaf_hash"]
        verify_inclusion(leaf_hash(leaf), first["index"], size,
                         [base64.b64decode(h) for h in entry["inclusion_proof"]], root)
        again = client.get(f"{API}/entries/{first['index']}",
                           params={"tree_size": first["tree_size"]}).json()
        assert again["inclusion_proof"] == first["inclusion_proof"]
        proof = client.get(f"{API}/proofs/consistency",
                           params={"first": first["tree_size"]}).json()
        verify_consistency(first["tree_size"], size,
                           checked_root(proof["first_checkpoint"], depositary,
                                        first["tree_size"]), root,
                           [base64.b64decode(h) for h in proof["proof"]])

        # the status as the depositary knew it the day before China's ratification, and that day
        before = client.get(f"{API}/status", params={"as_of": AS_OF, "known_on": "2023-06-07"})
        after = client.get(f"{API}/status", params={"as_of": AS_OF, "known_on": "2023-06-08"})
        assert before.json()["state"] == "not_in_force"
        assert (after.json()["state"], after.json()["in_force_since"]) == ("in_force", AS_OF)
        today = client.get(f"{API}/status").json()  # as of the server's clock's day
        assert today["as_of"] == clock.moment.date().isoformat()
        timeline = client.get(f"{API}/timeline", params={"known_on": "2023-06-07"}).json()
        notes = client.get(f"{API}/notifications", params={"limit": 1000}).json()

    for response, known in ((before, "2023-06-07"), (after, "2023-06-08")):
        assert response.json() == cli_json(capsys, "status", str(ISTANBUL), "--ledger",
                                           ledger_db, "--as-of", AS_OF, "--known-on", known,
                                           "--json")
    assert timeline == cli_json(capsys, "timeline", str(ISTANBUL), "--ledger", ledger_db,
                                "--known-on", "2023-06-07", "--json")
    assert [n["index"] for n in notes["notifications"]] == [r["index"] for r in receipts]
    into_force = [n for n in notes["notifications"] if any(
        e["what"] == "entry_into_force" for e in n["notification"]["effects"])]
    assert [n["notification"]["received"] for n in into_force] == [AS_OF]
    assert notes["next"] == notes["tree_size"] == size
    assert date.fromisoformat(AS_OF) == date(2023, 6, 8)
