"""What the incident routes refuse, in the error shape with the place at fault, recording
nothing: reports without coordinates, out of range, with a bad date, an unknown kind or
an over-long text; an id recorded already (409); an upload too large (413); a CSV row the
reader sets aside (its line named); a public POST (401) and an officer's (403), both in
the refusal log. Served by a real uvicorn on 127.0.0.1 over a SQLite ledger."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from incident_ledgers import API, ATTACK, KHARKIV, bearer, istanbul_ledger, new_token, refused
from server_running import ISTANBUL, SetClock, serve

UPLOAD_LIMIT = 16 * 1024


@dataclass
class Served:
    client: httpx.Client
    monitor: str
    officer: str
    admin: str

    def recorded(self) -> list[str]:
        page = self.client.get(f"{API}/incidents", params={"limit": 1000}).json()
        return [i["id"] for i in page["incidents"]]


@pytest.fixture
def served(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Iterator[Served]:
    db = str(tmp_path / "ledger.db")
    ledger = istanbul_ledger(db, tmp_path, known_before=ATTACK)
    tokens = [new_token(capsys, db, "monitor"), new_token(capsys, db, "officer", "TR"),
              new_token(capsys, db, "admin")]
    clock = SetClock(datetime(2023, 10, 3, 15, tzinfo=UTC))
    with serve(ledger, clock, max_upload_bytes=UPLOAD_LIMIT) as url, httpx.Client(
            base_url=url, timeout=60) as client:
        yield Served(client, *tokens)


def other(number: int) -> dict[str, object]:
    return KHARKIV | {"id": f"hyp-test-{number}"}


@pytest.mark.parametrize(("change", "place", "words"), [
    ({"longitude": None}, "body.longitude", "remove"),
    ({"latitude": 91}, "body.latitude", "less than or equal to 90"),
    ({"date": "2023-13-01"}, "body.date", "date"),
    ({"date": 20231003}, "body.date", "date"),
    ({"kind": "invasion"}, "body.kind", "not an incident kind"),
    ({"note": "x" * 4001}, "body.note", "at most 4000"),
    ({"target": "Ukraine"}, "body.target", "pattern"),
    ({"colour": "red"}, "body.colour", "not permitted"),
])
def test_a_report_at_fault_is_refused_with_its_place(
        served: Served, change: dict[str, object], place: str, words: str) -> None:
    report = {k: v for k, v in (KHARKIV | change).items() if v is not None}
    error = refused(served.client.post(f"{API}/incidents", json=report,
                                       headers=bearer(served.monitor)),
                    422, "invalid_incident", place)
    assert words in error["message"] or words == "remove", error
    assert served.recorded() == []


def test_a_batch_is_recorded_whole_or_not_at_all(served: Served) -> None:
    batch = [other(n) for n in range(5)]
    batch[3] = batch[3] | {"latitude": 91}
    refused(served.client.post(f"{API}/incidents", json={"incidents": batch},
                               headers=bearer(served.monitor)),
            422, "invalid_incident", "body.incidents[3].latitude")
    assert served.recorded() == []
    del batch[3]["longitude"]
    batch[3]["latitude"] = 50
    refused(served.client.post(f"{API}/incidents", json={"incidents": batch},
                               headers=bearer(served.monitor)),
            422, "invalid_incident", "body.incidents[3].longitude")
    refused(served.client.post(f"{API}/incidents", content=b"{not json",
                               headers=bearer(served.monitor)), 422, "invalid_json", "body")
    refused(served.client.post(f"{API}/incidents", json={"incidents": []},
                               headers=bearer(served.monitor)), 422, place="body.incidents")

    good = [other(n) for n in range(3)]
    assert served.client.post(f"{API}/incidents", json={"incidents": good},
                              headers=bearer(served.monitor)).status_code == 201
    again = [other(7), other(1)]  # one new, one recorded: neither is
    error = refused(served.client.post(f"{API}/incidents", json={"incidents": again},
                                       headers=bearer(served.monitor)),
                    409, "duplicate_incident", "body.incidents[1].id")
    assert "'hyp-test-1'" in error["message"]
    twice = [other(8), other(8)]
    assert "'hyp-test-8'" in refused(served.client.post(
        f"{API}/incidents", json={"incidents": twice}, headers=bearer(served.monitor)),
        409, "duplicate_incident")["message"]
    refused(served.client.post(f"{API}/incidents", json=other(2),
                               headers=bearer(served.monitor)),
            409, "duplicate_incident", "body.id")
    assert served.recorded() == ["hyp-test-0", "hyp-test-1", "hyp-test-2"]


def test_who_may_report(served: Served) -> None:
    refused(served.client.post(f"{API}/incidents", json=KHARKIV), 401, "credential_required")
    refused(served.client.post(f"{API}/incidents", json=KHARKIV,
                               headers=bearer(served.officer)), 403, "forbidden")
    refused(served.client.post(f"{API}/incidents/file", content=b"id\n",
                               params={"format": "csv"}), 401, "credential_required")
    refused(served.client.post(f"{API}/incidents", json=KHARKIV,
                               headers=bearer("tlt_" + "0" * 40)), 401, "invalid_credential")
    assert served.recorded() == []
    log = served.client.get(f"{API}/refusals", headers=bearer(served.admin)).json()
    logged = [(r["status"], r["code"], r["route"]) for r in log["refusals"]]
    assert logged == [(401, "credential_required", f"{API}/incidents"),
                      (403, "forbidden", f"{API}/incidents"),
                      (401, "credential_required", f"{API}/incidents/file"),
                      (401, "invalid_credential", f"{API}/incidents")]
    assert log["refusals"][1]["principal"].startswith("officer of TR")


def test_uploads_too_large_or_with_bad_rows_record_nothing(served: Served) -> None:
    mapping = (ISTANBUL / "scenario-events.mapping.yaml").read_bytes()
    lines = (ISTANBUL / "scenario-events.csv").read_text().splitlines(keepends=True)
    bad_row = "hyp-bad,2023-10-99,armed_attack,x,UA,36.2,49.9,1,,s,n\n"
    broken = "".join([*lines[:3], bad_row, *lines[3:]])
    answer = served.client.post(f"{API}/incidents/file", headers=bearer(served.monitor),
                                files={"events": ("monitor-week.csv", broken),
                                       "mapping": ("m.yaml", mapping)})
    error = refused(answer, 422, "rows_rejected", "monitor-week.csv:4")
    assert "/tmp" not in answer.text and "treatyline-upload" not in answer.text
    assert [r["place"] for r in answer.json()["rejected"]] == ["monitor-week.csv:4"]
    assert "2023-10-99" in answer.json()["rejected"][0]["message"], error
    assert served.recorded() == []

    big = "".join(lines) * (UPLOAD_LIMIT // len("".join(lines)) + 1)
    refused(served.client.post(f"{API}/incidents/file", headers=bearer(served.monitor),
                               files={"events": ("big.csv", big),
                                      "mapping": ("m.yaml", mapping)}),
            413, "body_too_large", "body")
    # just past the (test's) upload limit: a body much larger than the limit may be cut
    # off by the server's refusal while still being sent (a reset, not an answer)
    reports: list[dict[str, object]] = []
    while len(encoded := json.dumps({"incidents": reports}).encode()) <= UPLOAD_LIMIT:
        reports.append(other(len(reports)))
    refused(served.client.post(f"{API}/incidents", content=encoded,
                               headers=bearer(served.monitor)), 413, "body_too_large")
    # the larger limit is the monitors' routes' own: an instrument is held to 64 KiB
    refused(served.client.post(f"{API}/instruments", content=b"x" * (65 * 1024)), 413,
            "body_too_large")
    refused(served.client.post(f"{API}/incidents/file", headers=bearer(served.monitor),
                               content=b"id,date\n", params={"format": "xlsx"}),
            422, "invalid_format", "query.format")
    refused(served.client.post(f"{API}/incidents/file", headers=bearer(served.monitor),
                               files={"mapping": ("m.yaml", mapping)}),
            422, "invalid_upload", "body.events")
    unreadable = served.client.post(f"{API}/incidents/file", headers=bearer(served.monitor),
                                    files={"events": ("week.csv", "".join(lines)),
                                           "mapping": ("m.yaml", b"id: [id\n")})
    assert refused(unreadable, 422, "unreadable_file")["place"].startswith("mapping")
    assert "treatyline-upload" not in unreadable.text
    no_dates = served.client.post(f"{API}/incidents/file", headers=bearer(served.monitor),
                                  files={"events": ("week.csv", "id,kind\nx,shelling\n"),
                                         "mapping": ("m.yaml", mapping)})
    assert "week.csv" in refused(no_dates, 422, "unreadable_file")["message"]
    assert served.recorded() == []
