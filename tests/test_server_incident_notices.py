"""The incident route and the deadline notices together, with nothing injected between
them: a monitor reports the Kharkiv attack over HTTP, the treaty's obligations book (fed
by the incidents the server recorded) is the deadline watcher's source, and the route
wakes the watcher, so each guarantor bound gets its `obligation_triggered` notice at once,
long before the watcher's next tick."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from incident_ledgers import API, ATTACK, KHARKIV, bearer, istanbul_ledger, new_token
from server_running import SetClock, running_server
from treatyline.server import create_app
from treatyline.server.deadlines import WatchOptions


def test_a_reported_attack_notifies_each_bearer_at_once(
        ledger_db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ledger = istanbul_ledger(ledger_db, tmp_path, known_before=ATTACK)
    monitor = new_token(capsys, ledger_db, "monitor")
    admin = new_token(capsys, ledger_db, "admin")
    clock = SetClock(datetime(2023, 10, 3, 15, 30, tzinfo=UTC))
    app = create_app(ledger.settings(), clock)
    app.state.deadline_options = WatchOptions(tick_seconds=3600)  # only a wake can do it
    with running_server(app) as url, httpx.Client(base_url=url, timeout=60) as client:
        def issued() -> list[dict[str, object]]:
            answer = client.get(f"{API}/notices", headers=bearer(admin),
                                params={"limit": 1000})
            assert answer.status_code == 200, answer.text
            found: list[dict[str, object]] = answer.json()["notices"]
            return found

        time.sleep(0.5)  # the watcher's first look (no incident yet) is done
        assert issued() == []
        posted = client.post(f"{API}/incidents", content=json.dumps(KHARKIV).encode(),
                             headers=bearer(monitor))
        assert posted.status_code == 201, posted.text
        pending = {o["bearer"] for o in posted.json()["obligations"]
                   if o["provision"] == "consultation" and o["state"] == "pending"}
        assert {"TR", "GB", "US"} <= pending
        deadline = time.monotonic() + 30
        while {n["bearer"] for n in issued() if n["provision"] == "consultation"} != pending:
            assert time.monotonic() < deadline, issued()
            time.sleep(0.1)
        for notice in issued():
            if notice["provision"] == "consultation":
                assert notice["kind"] == "obligation_triggered"
                assert notice["deadline"] == "2023-10-06"
                assert KHARKIV["id"] in json.dumps(notice)
                assert "consultation" in str(notice["text"])
