"""Incidents and obligations over HTTP, end to end on the Istanbul example's ledger (its
HYPOTHETICAL scenario; the treaty in force since 2023-06-08), served by a real uvicorn on
127.0.0.1, on SQLite and PostgreSQL: a monitor reports the Kharkiv attack of 2023-10-03,
each guarantor bound that day owes consultations within three days, one guarantor's
officer deposits its consultation, and after the deadline the others are in breach."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from incident_ledgers import API, ATTACK, KHARKIV, bearer, istanbul_ledger, new_token
from server_running import SetClock, serve
from treatyline.ledger.entries import MAX_INSTRUMENT_BYTES
from treatyline.ledger.instruments import signed_instrument
from treatyline.server.incident_models import MAX_BATCH

SIMFEROPOL = {"id": "hyp-2023-10-05-simferopol", "date": "2023-10-05", "kind": "airstrike",
              "actor": "Armed forces of the Russian Federation", "target": "UA",
              "longitude": 34.1, "latitude": 44.95, "location_precision_km": 1,
              "note": "Simferopol: Crimea is excluded"}


def consultations(answer: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The consultation obligations of an answer, by bearer."""
    found = [o for o in answer["obligations"] if o["provision"] == "consultation"]
    by_bearer = {o["bearer"]: o for o in found}
    assert len(by_bearer) == len(found)
    return by_bearer


def bound_guarantors(client: httpx.Client, day: date) -> set[str]:
    """The guarantors bound on `day`, as the server's status says."""
    status = client.get(f"{API}/status", params={"as_of": day.isoformat()}).json()
    return {code for code, party in status["parties"].items()
            if "guarantor" in party["roles"] and party["standing"] == "bound"}


def test_an_attack_reported_gives_consultations_met_by_one_and_missed_by_the_others(
        ledger_db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ledger = istanbul_ledger(ledger_db, tmp_path, known_before=ATTACK)
    monitor = new_token(capsys, ledger_db, "monitor")
    clock = SetClock(datetime(2023, 10, 3, 15, 30, tzinfo=UTC))
    with serve(ledger, clock) as url, httpx.Client(base_url=url, timeout=60) as client:
        guarantors = bound_guarantors(client, ATTACK)
        assert {"TR", "GB", "US"} <= guarantors and "IL" not in guarantors  # IL never ratifies
        nothing = client.get(f"{API}/obligations").json()
        assert consultations(nothing) == {} and nothing["incidents"] == 0

        body = json.dumps(KHARKIV).encode()
        posted = client.post(f"{API}/incidents", content=body, headers=bearer(monitor))
        assert posted.status_code == 201, posted.text
        answer = posted.json()
        [recorded] = answer["recorded"]
        assert recorded["seq"] == 1 and recorded["id"] == KHARKIV["id"]
        assert recorded["sha256"] == hashlib.sha256(body).hexdigest()
        assert recorded["submitted_by"].startswith("monitor (token ")
        assert recorded["received"] == clock.moment.isoformat()
        assert answer["as_of"] == "2023-10-03"
        assert set(consultations(answer)) == guarantors  # new because of the attack

        # as of the server's day: pending for each guarantor bound that day, with a countdown
        pending = client.get(f"{API}/obligations").json()
        owed = consultations(pending)
        assert set(owed) == guarantors
        end = datetime(2023, 10, 7, tzinfo=UTC)  # the end of the deadline day, UTC
        for obligation in owed.values():
            assert (obligation["state"], obligation["deadline"]) == ("pending", "2023-10-06")
            assert obligation["occasion_incidents"] == [KHARKIV["id"]]
            assert obligation["deadline_at"] == "2023-10-07T00:00:00Z"
            assert obligation["seconds_left"] == (end - clock.moment).total_seconds()
            assert "'consultation' act" in obligation["discharge"]
        assert pending["set_aside"] == [] and pending["reading_dependent"] == []

        # a guarantor's officer deposits its consultation, signed with its key
        clock.moment = datetime(2023, 10, 4, 10, tzinfo=UTC)
        deposit = client.post(f"{API}/instruments", content=signed_instrument(
            ledger.keys["TR"], "istanbul-2022",
            {"date": "2023-10-04", "kind": "consultation", "party": "TR",
             "source": "hypothetical scenario (invented for this test)"}))
        assert deposit.status_code == 201, deposit.text
        met = consultations(client.get(f"{API}/obligations").json())
        assert (met["TR"]["state"], met["TR"]["fulfilled_on"]) == ("fulfilled", "2023-10-04")
        assert met["TR"]["seconds_left"] is None
        others = guarantors - {"TR"}
        assert {met[code]["state"] for code in others} == {"pending"}
        assert {met[code]["seconds_left"] for code in others} == {
            (end - clock.moment).total_seconds()}
        only_tr = client.get(f"{API}/obligations", params={"bearer": "TR"}).json()
        assert [o["bearer"] for o in only_tr["obligations"]] == ["TR"] * len(
            only_tr["obligations"])

        # an airstrike in Crimea is reported: set aside, with its reason
        posted = client.post(f"{API}/incidents", json=SIMFEROPOL, headers=bearer(monitor))
        assert posted.status_code == 201, posted.text

        # after the deadline: the others are in breach; as known before TR's deposit, all are
        clock.moment = datetime(2023, 10, 8, 9, tzinfo=UTC)
        late = client.get(f"{API}/obligations").json()
        assert late["as_of"] == "2023-10-08" and late["incidents"] == 2
        after = consultations(late)
        assert after["TR"]["state"] == "fulfilled"
        assert {after[code]["state"] for code in others} == {"violated"}
        violated = client.get(f"{API}/obligations", params={"state": "violated"}).json()
        assert {o["bearer"] for o in violated["obligations"]
                if o["provision"] == "consultation"} == others
        before_deposit = consultations(client.get(f"{API}/obligations", params={
            "as_of": "2023-10-08", "known_on": "2023-10-03"}).json())
        assert {o["state"] for o in before_deposit.values()} == {"violated"}
        crimea = [s for s in late["set_aside"] if SIMFEROPOL["id"] in s["examples"]]
        assert crimea and all(s["reason"] for s in crimea), late["set_aside"]
        assert SIMFEROPOL["id"] not in {i for o in late["occasions"] for i in o["incidents"]}

        # the incidents, paged in the order received
        first = client.get(f"{API}/incidents", params={"limit": 1}).json()
        assert [i["id"] for i in first["incidents"]] == [KHARKIV["id"]] and first["next"] == 1
        rest = client.get(f"{API}/incidents", params={"since": first["next"]}).json()
        assert [i["id"] for i in rest["incidents"]] == [SIMFEROPOL["id"]]
        assert rest["next"] is None

        commitments = client.get(f"{API}/commitments").json()
        assert commitments["as_of"] == "2023-10-08"
        assert all(c["verdict"] for c in commitments["commitments"])


def test_a_report_far_from_the_attack_day_keeps_the_obligations_as_they_were(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """An incident before the treaty's entry into force sets nothing off: the POST's answer
    names no obligation, and it is set aside with the reason."""
    db = str(tmp_path / "ledger.db")
    ledger = istanbul_ledger(db, tmp_path, known_before=ATTACK)
    monitor = new_token(capsys, db, "monitor")
    clock = SetClock(datetime(2023, 2, 11, 8, tzinfo=UTC))
    early = KHARKIV | {"id": "hyp-2023-02-10-kharkiv", "date": "2023-02-10"}
    with serve(ledger, clock) as url, httpx.Client(base_url=url, timeout=60) as client:
        posted = client.post(f"{API}/incidents", json={"incidents": [early]},
                             headers=bearer(monitor))
        assert posted.status_code == 201, posted.text
        assert posted.json()["obligations"] == []
        clock.moment += timedelta(days=400)
        answer = client.get(f"{API}/obligations").json()
        assert consultations(answer) == {}
        [aside] = [s for s in answer["set_aside"] if early["id"] in s["examples"]]
        assert "not in force" in aside["reason"]

        # a full batch is larger than an instrument may be: the monitors' limit is their own
        full = [early | {"id": f"early-{n}"} for n in range(MAX_BATCH + 1)]
        body = json.dumps({"incidents": full[:MAX_BATCH]}).encode()
        assert len(body) > 4 * MAX_INSTRUMENT_BYTES
        posted = client.post(f"{API}/incidents", content=body, headers=bearer(monitor))
        assert posted.status_code == 201, posted.text[:300]
        assert len(posted.json()["recorded"]) == MAX_BATCH
        too_many = client.post(f"{API}/incidents", json={"incidents": full},
                               headers=bearer(monitor))
        assert too_many.status_code == 422
        assert too_many.json()["error"]["place"] == "body.incidents"
