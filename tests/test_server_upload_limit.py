"""`treatyline serve --max-upload-mb`: a real server process (two workers, each given the
limit through the settings) refuses a monitor's upload over it with 413 in the error
shape, and records one under it; values out of range are refused naming the option."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from cli_inprocess import run_cli_output
from serve_process import ServeProcess, nato_ledger

API = "/api/treaties/nato-1949"
LIMIT_MB = 0.05  # 52,428 bytes: far under the default 8 MiB, so the option is what refuses


def _report(number: int) -> dict[str, object]:
    return {"id": f"upload-{number}", "date": "1950-03-01", "kind": "armed_attack",
            "actor": "an unidentified armed group", "target": "NO", "longitude": 10.75,
            "latitude": 59.91, "location_precision_km": 1, "source": "upload limit test",
            "note": "x" * 200}


def _batch(size: int) -> bytes:
    """A batch of reports whose JSON is just over `size` bytes (with one fewer, under)."""
    reports: list[dict[str, object]] = []
    while len(encoded := json.dumps({"incidents": reports}).encode()) <= size:
        reports.append(_report(len(reports)))
    return encoded


def test_a_served_process_holds_monitors_uploads_to_its_limit(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ledger = nato_ledger(str(tmp_path / "ledger.db"), tmp_path)
    code, out, err = run_cli_output(capsys, "token", "new", "--db", ledger.db, "--role",
                                    "monitor")
    assert code == 0, err
    monitor = {"Authorization": f"Bearer {out.strip()}"}
    limit = int(LIMIT_MB * (1 << 20))
    over = _batch(limit)
    under = json.dumps({"incidents": json.loads(over)["incidents"][:-1]}).encode()
    assert len(under) <= limit < len(over)
    with (tmp_path / "serve.log").open("wb") as log:
        served = ServeProcess(ledger, log, options=("--workers", "2", "--max-upload-mb",
                                                    str(LIMIT_MB)))
        try:
            served.start()
            with httpx.Client(base_url=served.url, timeout=60, headers=monitor) as client:
                for _ in range(4):  # each worker process is asked, whichever answers
                    refused = client.post(f"{API}/incidents", content=over)
                    assert refused.status_code == 413, refused.text
                    error = refused.json()["error"]
                    assert (error["status"], error["code"]) == (413, "body_too_large")
                    assert error["message"]
                    assert client.get(f"{API}/incidents").json()["incidents"] == []
                accepted = client.post(f"{API}/incidents", content=under)
                assert accepted.status_code == 201, accepted.text
                recorded = client.get(f"{API}/incidents", params={"limit": 1000}).json()
                assert len(recorded["incidents"]) == len(json.loads(under)["incidents"])
        finally:
            served.stop()


@pytest.mark.parametrize("value", ["0", "-1", "1025", "nan"])
def test_sizes_out_of_range_are_refused_naming_the_option(
        value: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli_output(capsys, "serve", str(tmp_path), "--db",
                                  str(tmp_path / "ledger.db"), "--max-upload-mb", value)
    assert code == 1
    assert "--max-upload-mb" in err and "traceback" not in err.lower()
