"""The HTML report on request, and what makes the server fast under load: answers
computed once per record and shared (the report's pages, status and timeline), deposits
received together committed together (a real uvicorn server on 127.0.0.1 where a server
takes part)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, date, datetime
from pathlib import Path

import httpx
import pytest

from server_running import ISTANBUL, SetClock, make_ledger, running_server
from test_server_errors import error_of
from treatyline.cli_ledger_common import ledger_bundle
from treatyline.ledger.instruments import signed_instrument
from treatyline.report.run import report_html
from treatyline.server import create_app
from treatyline.server.answers import AnswerCache
from treatyline.server.group_commit import GroupCommit
from treatyline.server.ledgers import TreatyLedger

API = "/api/treaties/istanbul-2022"
SIGNATURE = {"date": "2022-09-15", "kind": "signature", "party": "UA", "place": "Istanbul",
             "source": "hypothetical (test)", "hypothetical": True}


def test_the_report_is_the_page_treatyline_report_writes_and_is_made_once(
        tmp_path: Path) -> None:
    ledger = make_ledger(str(tmp_path / "ledger.db"), tmp_path, ["UA", "GB"])
    clock = SetClock(datetime(2022, 9, 15, 12, tzinfo=UTC))
    app = create_app(ledger.settings(), clock)
    served: TreatyLedger = app.state.treaties.get("istanbul-2022")
    with running_server(app) as url, httpx.Client(base_url=url, timeout=120) as client:
        assert client.post(f"{API}/instruments", content=signed_instrument(
            ledger.keys["UA"], "istanbul-2022", SIGNATURE)).status_code == 201
        page = client.get(f"{API}/report", params={"as_of": "2022-09-16"})
        assert page.status_code == 200, page.text
        assert page.headers["content-type"] == "text/html; charset=utf-8"
        again = client.get(f"{API}/report", params={"as_of": "2022-09-16"})
        before = client.get(f"{API}/report", params={"as_of": "2022-09-16",
                                                     "known_on": "2022-09-14"})
        assert served.reports.computed == 2  # the same question of the same record: once
        # a deposit that adds an act changes the record now, not as known the day before
        clock.moment = datetime(2022, 9, 16, 12, tzinfo=UTC)
        assert client.post(f"{API}/instruments", content=signed_instrument(
            ledger.keys["GB"], "istanbul-2022", SIGNATURE | {"party": "GB"})).status_code == 201
        client.get(f"{API}/report", params={"as_of": "2022-09-16", "known_on": "2022-09-14"})
        assert served.reports.computed == 2
        now = client.get(f"{API}/report", params={"as_of": "2022-09-16"})
        assert served.reports.computed == 3
        error = error_of(client.get(f"{API}/report", params={"as_of": "2022-09-31"}), 422)
        assert error["place"] == "query.as_of"
        assert error_of(client.get("/api/treaties/nowhere/report"), 404)["place"] == "path.treaty"
    bundle = ledger_bundle(ISTANBUL, ledger.db, None, False)
    assert now.text == report_html(bundle, date(2022, 9, 16))[0]
    assert again.text == page.text != now.text
    assert before.text != page.text  # as known the day before: without UA's signature


def test_status_answers_are_shared_until_an_act_changes_them(tmp_path: Path) -> None:
    ledger = make_ledger(str(tmp_path / "ledger.db"), tmp_path, ["UA"])
    clock = SetClock(datetime(2022, 9, 15, 12, tzinfo=UTC))
    app = create_app(ledger.settings(), clock)
    served: TreatyLedger = app.state.treaties.get("istanbul-2022")
    with running_server(app) as url, httpx.Client(base_url=url, timeout=60) as client:
        first = client.get(f"{API}/status", params={"as_of": "2022-09-16"}).json()
        assert client.get(f"{API}/status", params={"as_of": "2022-09-16"}).json() == first
        computed = served.answers.computed
        # a rejected deposit adds an entry and no act: the same answer, not computed again
        assert client.post(f"{API}/instruments", content=b"{}").status_code == 422
        assert client.get(f"{API}/status", params={"as_of": "2022-09-16"}).json() == first
        assert served.answers.computed == computed
        assert client.post(f"{API}/instruments", content=signed_instrument(
            ledger.keys["UA"], "istanbul-2022", SIGNATURE)).status_code == 201
        signed = client.get(f"{API}/status", params={"as_of": "2022-09-16"}).json()
        assert served.answers.computed == computed + 1 and signed != first
        assert "UA" in str(signed) and signed["as_of"] == "2022-09-16"


def test_deposits_waiting_while_a_commit_runs_go_in_the_next_one() -> None:
    async def scenario() -> list[list[int]]:
        batches: list[list[int]] = []
        release = asyncio.Event()

        async def commit(items: Sequence[int]) -> list[str]:
            batches.append(list(items))
            await release.wait()
            return [f"receipt of {item}" for item in items]

        group: GroupCommit[int, str] = GroupCommit(commit, max_batch=3)
        first = asyncio.ensure_future(group.submit(0))
        await asyncio.sleep(0)  # the first commit starts, alone, at once
        others = [asyncio.ensure_future(group.submit(n)) for n in range(1, 6)]
        await asyncio.sleep(0)
        assert not any(task.done() for task in [first, *others])  # none before its commit
        release.set()
        assert await asyncio.gather(first, *others) == [f"receipt of {n}" for n in range(6)]
        return batches

    assert asyncio.run(scenario()) == [[0], [1, 2, 3], [4, 5]]


def test_a_failed_commit_fails_each_of_its_deposits_and_not_the_next() -> None:
    async def scenario() -> None:
        calls = 0

        async def commit(items: Sequence[int]) -> list[int]:
            nonlocal calls
            calls += 1
            if calls == 1:
                raise OSError("disk full")
            return list(items)

        group: GroupCommit[int, int] = GroupCommit(commit, max_batch=10)
        results = await asyncio.gather(group.submit(1), group.submit(2),
                                       return_exceptions=True)
        assert [type(r) for r in results] == [OSError, OSError]
        assert await group.submit(3) == 3

    asyncio.run(scenario())


def test_an_answer_is_computed_once_for_concurrent_askers_and_a_failure_is_not_kept(
) -> None:
    async def scenario() -> None:
        cache: AnswerCache[int] = AnswerCache(bound=2)
        computed: list[str] = []

        def computing(key: str, fail: bool = False) -> Callable[[], Awaitable[int]]:
            async def compute() -> int:
                computed.append(key)
                await asyncio.sleep(0.01)
                if fail:
                    raise ValueError(key)
                return len(computed)
            return compute

        assert await asyncio.gather(*(cache.get("a", computing("a"))
                                      for _ in range(5))) == [1] * 5
        with pytest.raises(ValueError):
            await cache.get("b", computing("b", fail=True))
        assert await cache.get("b", computing("b")) == 3
        await cache.get("c", computing("c"))
        assert len(cache) == 2  # "a", the least recently asked, was dropped
        assert await cache.get("a", computing("a")) == 5
        assert computed == ["a", "b", "b", "c", "a"]

    asyncio.run(scenario())
