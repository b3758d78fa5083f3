"""The deadline notices' store and the webhook subscriptions' migration, on SQLite and
PostgreSQL: a database whose subscriptions predate the notices gets their cursor (from the
first notice), keeping its rows; two stores (two processes) issuing the same notices at
once issue each once, numbered 1, 2, ... with no gap; a watcher woken looks at once, and
goes on after its source fails."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from datetime import UTC, date, datetime
from pathlib import Path

from server_running import SetClock, make_ledger
from treatyline.norms import Obligation
from treatyline.server.deadlines import (
    DeadlineWatcher,
    NoticeStore,
    NoticeTables,
    Terms,
    WatchOptions,
    notices_due,
)
from treatyline.server.ledger_tables import LedgerTables
from treatyline.server.tasks import cancelled
from treatyline.server.webhooks import SubscriptionStore

# the subscriptions' table as it was before deadline notices
OLD_SUBSCRIPTIONS = """CREATE TABLE webhook_subscriptions (
    id TEXT PRIMARY KEY, party TEXT NOT NULL, url TEXT NOT NULL, created TEXT NOT NULL,
    next_index BIGINT NOT NULL, failures INTEGER NOT NULL, next_attempt TEXT)"""
NOW = datetime(2023, 10, 7, 1, tzinfo=UTC)


class OldTables(LedgerTables):
    def insert(self) -> None:
        with self._writing() as cursor:
            cursor.execute("INSERT INTO webhook_subscriptions VALUES (?, ?, ?, ?, ?, ?, ?)",
                           ("wh_old", "GB", "http://127.0.0.1:9/hook",
                            NOW.isoformat(), 7, 2, NOW.isoformat()))


def test_older_subscriptions_get_the_notices_cursor(ledger_db: str, tmp_path: Path) -> None:
    make_ledger(ledger_db, tmp_path, ["GB"])
    old = OldTables(ledger_db, [OLD_SUBSCRIPTIONS], "the old webhooks")
    old.insert()
    old.close()
    for _ in range(2):  # migrated once; opened again, nothing more to do
        with SubscriptionStore(ledger_db) as store:
            [found] = store.subscriptions()
            assert (found.id, found.next_index, found.failures) == ("wh_old", 7, 2)
            assert (found.next_notice, found.notice_failures,
                    found.notice_next_attempt) == (0, 0, None)
    with SubscriptionStore(ledger_db) as store:
        added = store.add("FR", "http://127.0.0.1:9/fr", 3, NOW)
        assert [s.next_notice for s in store.subscriptions()] == [0, 0]
        assert store.remove(added.id)


def test_two_stores_issue_each_notice_once(ledger_db: str, tmp_path: Path) -> None:
    make_ledger(ledger_db, tmp_path, ["GB"])
    due = notices_due("istanbul-2022", [
        Obligation("consultation", "Consultations", None, bearer, bearer, f"c#{n}",
                   date(2023, 10, 3), date(2023, 10, 6), "pending", None)
        for bearer in ("GB", "FR", "TR") for n in range(4)], NOW,
        {"consultation": Terms(None, ("consultation",))})

    def issue_from_a_store_of_its_own(_: int) -> list[str]:
        with closing(NoticeStore(ledger_db)) as store:
            return [n.notice["id"] for n in store.issue(due, NOW)]

    with ThreadPoolExecutor(4) as pool:
        issued = list(pool.map(issue_from_a_store_of_its_own, range(4)))
    assert sorted(i for batch in issued for i in batch) == sorted(n.id for n in due)
    with closing(NoticeStore(ledger_db)) as store:
        kept = store.page(0, 1000)
        assert [n.seq for n in kept] == list(range(1, len(due) + 1))
        assert store.issue(due, NOW) == []  # a restart: nothing new
        assert [n.seq for n in store.page(0, 1000, "TR")] == [
            n.seq for n in kept if n.bearer == "TR"]
        assert [n.seq for n in store.latest(2)] == [len(due), len(due) - 1]


def test_a_woken_watcher_looks_at_once_and_outlives_a_failing_source(
        ledger_db: str, tmp_path: Path) -> None:
    make_ledger(ledger_db, tmp_path, ["GB"])
    clock = SetClock(NOW)
    failing = [True]
    asked: list[date] = []

    async def source(day: date) -> Sequence[Obligation]:
        asked.append(day)
        if failing[0]:
            raise RuntimeError("the book is not ready (test)")
        return [Obligation("consultation", "Consultations", None, "GB", "GB", "c#1",
                           date(2023, 10, 3), date(2023, 10, 6), "violated", None)]

    async def scenario() -> list[str]:
        tables = NoticeTables(ledger_db)
        watcher = DeadlineWatcher(tables, "istanbul-2022", {}, source, clock,
                                  WatchOptions(tick_seconds=3600))
        task = asyncio.create_task(watcher.run())
        try:
            while not asked:  # the first tick, at once, fails (logged)
                await asyncio.sleep(0.01)
            failing[0] = False
            watcher.wake()  # not an hour later: now
            async with asyncio.timeout(20):
                while not (found := await tables.run(NoticeStore.page, 0, 10)):
                    await asyncio.sleep(0.01)
        finally:
            await cancelled([task])
            tables.close()
        return [n.notice["kind"] for n in found]

    assert asyncio.run(scenario()) == ["obligation_triggered", "deadline_passed"]
    assert asked == [NOW.date(), NOW.date()]
