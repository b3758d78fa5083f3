"""`treatyline serve` as a user runs it: a real process on 127.0.0.1, one worker or
several, stopped with Ctrl-C; and its refusals before serving, as messages."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path

import httpx
import pytest

from cli_inprocess import run_cli_output
from serve_process import free_port
from server_running import ISTANBUL, ServedLedger, make_ledger
from treatyline.ledger.instruments import signed_instrument
from treatyline.ledger.keys import save_party_key

API = "/api/treaties/istanbul-2022"
TREATYLINE = Path(sys.executable).parent / "treatyline"


@contextmanager
def serving(ledger: ServedLedger, *options: str) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    """`treatyline serve` in a process of its own, until it answers; stopped with SIGINT."""
    port = free_port()
    env = dict(os.environ, TREATYLINE_DEPOSITARY_KEY=str(ledger.depositary_key_file))
    process = subprocess.Popen([str(TREATYLINE), "serve", str(ISTANBUL), "--db", ledger.db,
                                "--port", str(port), *options], env=env, text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, process.communicate()[0]
            try:
                if httpx.get(f"{url}/api/treaties", timeout=5).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "treatyline serve did not answer in 60 s"
            time.sleep(0.1)
        yield url, process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@pytest.mark.parametrize("workers", [1, 2])
def test_serve_answers_and_stops_on_ctrl_c(tmp_path: Path, workers: int) -> None:
    ledger = make_ledger(str(tmp_path / "ledger.db"), tmp_path, ["UA"])

    def deposit(url: str, number: int) -> int:
        act = {"date": (date(2022, 3, 1) + timedelta(days=number)).isoformat(),
               "kind": "statement", "party": "UA", "text": f"statement {number}",
               "source": "test"}
        response = httpx.post(f"{url}{API}/instruments", timeout=60, content=signed_instrument(
            ledger.keys["UA"], "istanbul-2022", act))
        assert response.status_code == 201, response.text
        index: int = response.json()["index"]
        return index

    with serving(ledger, "--workers", str(workers)) as (url, process):
        with ThreadPoolExecutor(4) as pool:
            indexes = sorted(pool.map(lambda n: deposit(url, n), range(8)))
        assert indexes == list(range(2, 10))
        log = httpx.get(f"{url}{API}/entries").json()
        assert log["tree_size"] == 10
        assert httpx.get(f"{url}/openapi.json").json()["info"]["title"] == "treatyline"
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=30)
    assert process.returncode == 0, output
    assert f"serving istanbul-2022 from {ledger.db} on http://127.0.0.1:" in output
    assert output.count("Started server process") == workers
    assert "Traceback" not in output


def test_serve_refuses_a_key_that_is_not_the_ledger_s(tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str],
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    ledger = make_ledger(str(tmp_path / "ledger.db"), tmp_path, ["UA"])
    monkeypatch.delenv("TREATYLINE_DEPOSITARY_KEY", raising=False)
    code, _, err = run_cli_output(capsys, "serve", ISTANBUL, "--db", ledger.db)
    assert code == 1 and "--depositary-key" in err
    ua_key = tmp_path / "ua.key"
    save_party_key(ledger.keys["UA"], ua_key)
    code, _, err = run_cli_output(capsys, "serve", ISTANBUL, "--db", ledger.db,
                                  "--depositary-key", ua_key)
    assert code == 1 and "not the depositary's" in err
    code, _, err = run_cli_output(capsys, "serve", ISTANBUL, "--db", str(tmp_path / "none.db"),
                                  "--depositary-key", ledger.depositary_key_file)
    assert code == 1 and "there is no ledger" in err
    assert "Traceback" not in err and "internal error" not in err
