"""An event file uploaded by a monitor gives the obligations and commitments that
`treatyline assess` computes from the same file on the same record (the Istanbul example's
HYPOTHETICAL scenario-events.csv with its mapping, on the ledger's own record); and two
servers recording at once on one database (as `serve --workers 2`) lose nothing and
record an id once. SQLite and PostgreSQL."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httpx
import pyarrow.parquet as pq
import pytest

from incident_ledgers import API, KHARKIV, bearer, istanbul_ledger, ledger_record, new_token
from server_running import ISTANBUL, SetClock, running_server, serve
from treatyline.bundle import Bundle
from treatyline.monitor import monitor
from treatyline.server import create_app
from treatyline.sources import read_events
from treatyline.sources.geojson import to_geojson
from treatyline.spec.load import load_treaty

EVENTS = ISTANBUL / "scenario-events.csv"
MAPPING = ISTANBUL / "scenario-events.mapping.yaml"
_CSV_PARTS = {"events": (EVENTS.name, EVENTS.read_bytes()),
              "mapping": (MAPPING.name, MAPPING.read_bytes())}
_SERVER_FIELDS = ("occasion_incidents", "discharge", "deadline_at", "seconds_left")


def engine_view(answer: dict[str, Any]) -> dict[str, Any]:
    """The server's obligations answer in the engine's own terms."""
    return {"obligations": [{k: v for k, v in o.items() if k not in _SERVER_FIELDS}
                            for o in answer["obligations"]],
            **{k: answer[k] for k in ("occasions", "set_aside", "reading_dependent",
                                      "violations", "notes")}}


def test_an_uploaded_file_gives_what_assess_gives(ledger_db: str, tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    ledger = istanbul_ledger(ledger_db, tmp_path, known_before=None)
    monitor_token = new_token(capsys, ledger_db, "monitor")
    clock = SetClock(datetime(2024, 6, 1, 12, tzinfo=UTC))
    with serve(ledger, clock) as url, httpx.Client(base_url=url, timeout=120) as client:
        uploaded = client.post(f"{API}/incidents/file", headers=bearer(monitor_token),
                               files={"events": (EVENTS.name, EVENTS.read_bytes()),
                                      "mapping": (MAPPING.name, MAPPING.read_bytes())})
        assert uploaded.status_code == 201, uploaded.text
        ids = [r["id"] for r in uploaded.json()["recorded"]]
        answers = {(as_of, known_on): (
            client.get(f"{API}/obligations", params={"as_of": as_of.isoformat()} | (
                {"known_on": known_on.isoformat()} if known_on else {})).json(),
            client.get(f"{API}/commitments", params={"as_of": as_of.isoformat()} | (
                {"known_on": known_on.isoformat()} if known_on else {})).json())
            for as_of in (date(2023, 10, 10), date(2024, 6, 1))
            for known_on in (None, date(2023, 10, 5))}

    treaty = load_treaty(ISTANBUL / "treaty.yaml")
    record = ledger_record(ledger_db)
    assert len(ids) == len(EVENTS.read_text().splitlines()) - 1
    for (as_of, known_on), (obligations, commitments) in answers.items():
        known = record if known_on is None else record.as_known_on(known_on)
        expected = monitor(Bundle(treaty, known, ISTANBUL / "treaty.yaml", ()), as_of,
                           events=[EVENTS], mapping=MAPPING).assessment.to_json()
        assert expected["obligations"], "the scenario sets obligations off"
        assert engine_view(obligations) == {k: expected[k] for k in (
            "obligations", "occasions", "set_aside", "reading_dependent", "violations",
            "notes")}, (as_of, known_on)
        assert commitments["commitments"] == expected["commitments"], (as_of, known_on)
    # the answers differ where the record or the day does: the comparison has teeth
    states = {key: sorted(o["state"] for o in found[0]["obligations"])
              for key, found in answers.items()}
    assert len(set(map(tuple, states.values()))) > 1


def test_the_same_events_as_geojson_give_the_same_obligations(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The scenario's events written as GeoJSON (by the library's writer) and sent as the
    raw body with ?format=geojson: the same incidents, the same obligations."""
    geojson = tmp_path / "events.geojson"
    to_geojson(read_events(EVENTS, mapping=MAPPING).incidents, geojson)
    from_csv = _upload_obligations(tmp_path, capsys, 0, None, _CSV_PARTS, {})
    from_geojson = _upload_obligations(tmp_path, capsys, 1, geojson.read_bytes(), None,
                                       {"format": "geojson"})
    assert from_geojson == from_csv and from_csv[1]["obligations"]



def _upload_obligations(tmp_path: Path, capsys: pytest.CaptureFixture[str], number: int,
                        content: bytes | None, files: dict[str, tuple[str, bytes]] | None,
                        params: dict[str, str]) -> tuple[list[str], dict[str, Any]]:
    """The ids recorded from one upload to a new ledger, and its obligations then."""
    db = str(tmp_path / f"ledger{number}.db")
    (tmp_path / str(number)).mkdir()
    ledger = istanbul_ledger(db, tmp_path / str(number), known_before=None)
    token = new_token(capsys, db, "monitor")
    with serve(ledger, SetClock(datetime(2024, 6, 1, tzinfo=UTC))) as url, \
            httpx.Client(base_url=url, timeout=120) as client:
        posted = client.post(f"{API}/incidents/file", content=content, files=files,
                             params=params, headers=bearer(token))
        assert posted.status_code == 201, posted.text
        return ([r["id"] for r in posted.json()["recorded"]],
                engine_view(client.get(f"{API}/obligations").json()))


def test_the_same_events_as_parquet_give_the_same_obligations(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The scenario's events written as Parquet (with pyarrow, from the table the CSV
    reader gives) and sent as the raw body with ?format=parquet: the same incidents, the
    same obligations as the CSV's upload."""
    parquet = tmp_path / "events.parquet"
    pq.write_table(read_events(EVENTS, mapping=MAPPING).incidents.to_arrow(), parquet)
    from_csv = _upload_obligations(tmp_path, capsys, 0, None, _CSV_PARTS, {})
    from_parquet = _upload_obligations(tmp_path, capsys, 1, parquet.read_bytes(), None,
                                       {"format": "parquet"})
    assert from_csv[1]["obligations"], "the scenario sets obligations off"
    assert from_parquet == from_csv


def test_a_corrupt_parquet_file_is_refused_naming_it(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ledger = make_small_ledger(str(tmp_path / "ledger.db"), tmp_path)
    token = new_token(capsys, ledger.db, "monitor")
    parquet = tmp_path / "events.parquet"
    pq.write_table(read_events(EVENTS, mapping=MAPPING).incidents.to_arrow(), parquet)
    whole = parquet.read_bytes()
    # its footer (the schema and where the columns are) cut off; then not Parquet at all
    corrupt = [("cut.parquet", whole[:len(whole) // 2]), ("text.parquet", b"id,date\n")]
    with serve(ledger, SetClock(datetime(2024, 6, 1, tzinfo=UTC))) as url, \
            httpx.Client(base_url=url, timeout=120) as client:
        for name, body in corrupt:
            answer = client.post(f"{API}/incidents/file", headers=bearer(token),
                                 files={"events": (name, body)})
            assert answer.status_code == 422, answer.text
            error = answer.json()["error"]
            assert (error["status"], error["code"]) == (422, "unreadable_file")
            assert name in error["message"] and str(tmp_path) not in error["message"]
            assert error["place"]
        raw = client.post(f"{API}/incidents/file", headers=bearer(token), content=b"PAR1",
                          params={"format": "parquet"})
        assert raw.status_code == 422, raw.text
        assert "upload.parquet" in raw.json()["error"]["message"]
        assert client.get(f"{API}/incidents").json()["incidents"] == []
        # the same file whole is recorded: the refusals were the corruption's
        accepted = client.post(f"{API}/incidents/file", headers=bearer(token),
                               files={"events": ("whole.parquet", whole)})
        assert accepted.status_code == 201, accepted.text


def test_two_servers_on_one_database_record_every_incident_once(
        ledger_db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ledger = make_small_ledger(ledger_db, tmp_path)
    token = new_token(capsys, ledger_db, "monitor")
    clock = SetClock(datetime(2023, 10, 3, 15, tzinfo=UTC))
    with ExitStack() as stack:
        urls = [stack.enter_context(running_server(create_app(ledger.settings(), clock)))
                for _ in range(2)]
        clients = [stack.enter_context(httpx.Client(base_url=u, timeout=120)) for u in urls]
        # FastAPI builds an app's routes on its first request, from the routers both apps
        # share: two apps in one process (unlike two workers) must not build them at once
        for client in clients:
            assert client.get(f"{API}/incidents").status_code == 200

        def post(task: tuple[int, int]) -> int:
            server, batch = task
            incidents = [KHARKIV | {"id": f"s{server}-b{batch}-{n}"} for n in range(5)]
            if batch == 3:  # both servers at once, the same id: one records it
                incidents.append(KHARKIV | {"id": f"contested-{batch}"})
            return clients[server].post(f"{API}/incidents", json={"incidents": incidents},
                                        headers=bearer(token)).status_code

        with ThreadPoolExecutor(4) as pool:
            answered = list(pool.map(post, [(s, b) for b in range(8) for s in (0, 1)]))
        pages = [c.get(f"{API}/incidents", params={"limit": 1000}).json()["incidents"]
                 for c in clients]
    assert sorted(answered) == [201] * 15 + [409]
    assert pages[0] == pages[1]
    assert [i["seq"] for i in pages[0]] == list(range(1, len(pages[0]) + 1))
    ids = [i["id"] for i in pages[0]]
    assert len(ids) == 15 * 5 + 1 and len(set(ids)) == len(ids)
    assert ids.count("contested-3") == 1


def make_small_ledger(db: str, folder: Path) -> Any:
    return istanbul_ledger(db, folder, known_before=date(2022, 9, 16))
