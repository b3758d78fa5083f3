"""Issue 12 §5: `treatyline serve` killed with SIGKILL while a webhook is in flight, and
started again: the notifications not yet delivered are delivered after the restart, in
order (the one in flight again, with the same webhook-id: at least once). SQLite and
PostgreSQL."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from cli_inprocess import run_cli_output
from serve_process import free_port
from server_running import ISTANBUL, ServedLedger, make_ledger
from treatyline.ledger.instruments import signed_instrument
from treatyline.server.webhooks import SubscriptionStore
from webhook_receiver import receiving, wait_for

API = "/api/treaties/istanbul-2022"
TREATYLINE = Path(sys.executable).parent / "treatyline"


@contextmanager
def server_process(ledger: ServedLedger) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """`treatyline serve` in a process of its own (the system's clock), once it answers."""
    port = free_port()
    env = dict(os.environ, TREATYLINE_DEPOSITARY_KEY=str(ledger.depositary_key_file))
    process = subprocess.Popen([str(TREATYLINE), "serve", str(ISTANBUL), "--db", ledger.db,
                                "--port", str(port)], env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        def answers() -> bool:
            assert process.poll() is None, "treatyline serve exited"
            try:
                return httpx.get(f"{url}/api/treaties", timeout=5).status_code == 200
            except httpx.TransportError:
                return False

        wait_for(answers, 60, "treatyline serve to answer")
        yield url, process
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(30)


def test_webhooks_in_flight_at_a_sigkill_are_delivered_after_the_restart(
        ledger_db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ledger = make_ledger(ledger_db, tmp_path, ["UA"])
    with receiving() as receiver:
        code, out, err = run_cli_output(capsys, "webhooks", "add", "--db", ledger_db,
                                        "--party", "UA", "--url", receiver.url, "--json")
        assert code == 0, err
        subscription = json.loads(out)["id"]
        receiver.release.clear()  # the first webhook is held unanswered
        with server_process(ledger) as (url, process):
            for number in range(2):
                act = {"date": f"2022-03-0{number + 1}", "kind": "statement", "party": "UA",
                       "text": f"statement {number}", "source": "test"}
                response = httpx.post(f"{url}{API}/instruments", timeout=30, content=(
                    signed_instrument(ledger.keys["UA"], "istanbul-2022", act)))
                assert response.status_code == 201, response.text
            wait_for(lambda: len(receiver.arrived()) == 1, what="the first webhook")
            process.send_signal(signal.SIGKILL)
            process.wait(30)
        with SubscriptionStore(ledger_db) as store:  # nothing was acknowledged
            assert store.subscriptions()[0].next_index == 2 and store.attempts() == []
        receiver.release.set()
        with server_process(ledger):
            wait_for(lambda: len(receiver.arrived()) == 3, 30, "the webhooks after restart")
            with SubscriptionStore(ledger_db) as store:
                wait_for(lambda: store.subscriptions()[0].next_index == 4, what="the cursor")
                attempts = store.attempts(subscription)
        time.sleep(0.2)
        arrived = receiver.arrived()
    ids = [r.headers["webhook-id"] for r in arrived]
    assert ids == ["msg_istanbul-2022_2", "msg_istanbul-2022_2", "msg_istanbul-2022_3"]
    assert [r.answered for r in arrived[1:]] == [200, 200]
    assert [(a.entry, a.attempt, a.delivered) for a in attempts] == [(2, 1, True),
                                                                     (3, 1, True)]


def test_ctrl_c_stops_a_server_with_an_open_event_stream(tmp_path: Path) -> None:
    ledger = make_ledger(str(tmp_path / "ledger.db"), tmp_path, ["UA"])
    with server_process(ledger) as (url, process), httpx.Client(timeout=30) as client, \
            client.stream("GET", f"{url}{API}/notifications/stream") as stream:
        assert next(stream.iter_lines()) == "retry: 1000"
        process.send_signal(signal.SIGINT)
        started = time.monotonic()
        assert process.wait(30) == 0
        assert time.monotonic() - started < 15  # the stream did not hold it for a minute
