"""The status and timeline answered before FastAPI's routing (`server/fast_reads.py`): the
same answers, byte for byte and header for header, as the routes give, and every request
it does not answer for sure (an unknown treaty, a date that is not valid, another method)
left to the routes, which answer it as before."""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from server_running import SetClock, make_ledger, running_server
from treatyline.ledger.instruments import signed_instrument
from treatyline.server import create_app
from treatyline.server.fast_reads import FastReads
from treatyline.server.ledgers import TreatyLedger

API = "/api/treaties/istanbul-2022"
SIGNATURE = {"date": "2022-09-15", "kind": "signature", "party": "UA", "place": "Istanbul",
             "source": "hypothetical (test)", "hypothetical": True}
REQUESTS = [
    ("GET", f"{API}/status"), ("GET", f"{API}/status?as_of=2022-09-16"),
    ("GET", f"{API}/status?as_of=2022-09-16&known_on=2022-09-14"),
    ("GET", f"{API}/status?as_of=2022-09-16T10:00:00%2B02:00"),
    ("GET", f"{API}/status?as_of=2022-09-16&as_of=2022-09-14&other=1"),
    ("GET", f"{API}/timeline"), ("GET", f"{API}/timeline?known_on=2022-09-14"),
    # left to the routes
    ("GET", f"{API}/status?as_of=2022-09-31"), ("GET", f"{API}/status?as_of="),
    ("GET", f"{API}/status?known_on=2022-09-16T10:00:00Z"),
    ("GET", f"{API}/timeline?known_on=nope"), ("GET", "/api/treaties/nowhere/status"),
    ("GET", f"{API}/status/"), ("HEAD", f"{API}/status"), ("POST", f"{API}/timeline"),
]
ANSWERED = 7


def _seen(response: httpx.Response) -> tuple[int, list[tuple[str, str]], bytes]:
    headers = [(k, v) for k, v in response.headers.multi_items() if k != "date"]
    return response.status_code, headers, response.content


def test_fast_reads_answer_as_the_routes_do(tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    ledger = make_ledger(str(tmp_path / "ledger.db"), tmp_path, ["UA"])
    app = create_app(ledger.settings(), SetClock(datetime(2022, 9, 16, 12, tzinfo=UTC)))
    served: TreatyLedger = app.state.treaties.get("istanbul-2022")
    answered: list[bool] = []
    answer = FastReads._answer

    def counted(self: FastReads, *args: str) -> Awaitable[bytes] | None:
        found = answer(self, *args)  # type: ignore[arg-type]
        answered.append(found is not None)
        return found

    with running_server(app) as url, httpx.Client(base_url=url, timeout=60) as client:
        assert client.post(f"{API}/instruments", content=signed_instrument(
            ledger.keys["UA"], "istanbul-2022", SIGNATURE)).status_code == 201
        monkeypatch.setattr(FastReads, "_answer", counted)
        fast = [_seen(client.request(method, path)) for method, path in REQUESTS]
        assert sum(answered) == ANSWERED
        computed = served.answers.computed

        def never(self: FastReads, *args: str) -> None:
            return None

        monkeypatch.setattr(FastReads, "_answer", never)  # every request to the routes
        routed = [_seen(client.request(method, path)) for method, path in REQUESTS]
        assert served.answers.computed == computed  # the routes found the same answers
    for (method, path), mine, theirs in zip(REQUESTS, fast, routed, strict=True):
        assert mine == theirs, (method, path)
    assert [status for status, _, _ in fast] == [200] * ANSWERED + [422] * 4 + [404] + [
        307, 405, 405]
