"""The deadline watcher: one asyncio task per ledger, started and stopped with the app.

At every tick (`WatchOptions.tick_seconds`), and at once when woken (`wake()`, which the
incident route calls after recording incidents), the watcher reads the injected clock,
asks its obligations source for the obligations as of the clock's day (in UTC), and
issues the notices due (`notices.notices_due`) into the ledger's database.

No lock: every server process runs a watcher, and the store inserts a notice only if its
id (a digest of treaty, provision, bearer, occasion and kind) is absent, in a serialised
transaction. So two processes, or a restarted one, issue each notice once, and a watcher
that stops (a process killed) leaves nothing half done for another to wait on. The cost
is that each process computes the obligations; the books cache them by the record.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, date, timedelta
from functools import partial
from typing import TYPE_CHECKING, Any, TypeVar

from ...ledger.store import StoreError
from ..tasks import cancelled
from .notices import DEFAULT_REMINDER_LEAD, Terms, notices_due, terms_of
from .store import IssuedNotice, NoticeStore

if TYPE_CHECKING:
    from fastapi import FastAPI

    from ...norms import Obligation
    from ..settings import Clock

__all__ = ["DeadlineWatcher", "NoticeTables", "ObligationsSource", "WatchOptions",
           "watching_deadlines"]

log = logging.getLogger("treatyline.server.deadlines")
T = TypeVar("T")

ObligationsSource = Callable[[date], Awaitable[Sequence["Obligation"]]]
"""The obligations of a treaty as of a day (e.g. `ObligationsBook.obligations`)."""


@dataclass(frozen=True, slots=True)
class WatchOptions:
    tick_seconds: float = 30.0
    reminder_lead: timedelta = DEFAULT_REMINDER_LEAD


class NoticeTables:
    """A ledger's notice store behind a thread of its own (its connection is used by one
    thread), opened at the first call, opened again after a failed one."""

    def __init__(self, db: str) -> None:
        self.db = db
        self._thread = ThreadPoolExecutor(1, thread_name_prefix=f"notices-{db}")
        self._store: NoticeStore | None = None

    async def run(self, call: Callable[..., T], *args: Any) -> T:
        """`call(store, *args)` in the store's thread."""
        return await asyncio.get_running_loop().run_in_executor(
            self._thread, partial(self._guarded, call, *args))

    def _guarded(self, call: Callable[..., T], *args: Any) -> T:
        if self._store is None:
            self._store = NoticeStore(self.db)
        try:
            return call(self._store, *args)
        except StoreError:
            self._close()
            raise

    def _close(self) -> None:
        if self._store is not None:
            with suppress(Exception):
                self._store.close()
            self._store = None

    def close(self) -> None:
        self._thread.submit(self._close).result()
        self._thread.shutdown()


class DeadlineWatcher:
    """Issues one ledger's deadline notices (see the module)."""

    def __init__(self, tables: NoticeTables, treaty: str, terms: Mapping[str, Terms],
                 source: ObligationsSource, clock: Clock, options: WatchOptions) -> None:
        self.tables, self.treaty, self.terms = tables, treaty, terms
        self.source, self.clock, self.options = source, clock, options
        self._woken = asyncio.Event()
        # the ids this watcher knows are in the store: a notice stays due tick after tick
        # (a pending obligation is "triggered" until it is not), and asking the store
        # again would take its write lock every tick for nothing
        self._stored: set[str] = set()

    def wake(self) -> None:
        """Look at the obligations now rather than at the next tick (after incidents are
        recorded, say)."""
        self._woken.set()

    async def tick(self) -> list[IssuedNotice]:
        """Issue the notices due now; those issued by this call."""
        now = self.clock.now()
        obligations = await self.source(now.astimezone(UTC).date())
        due = [n for n in notices_due(self.treaty, obligations, now, self.terms,
                                      self.options.reminder_lead)
               if n.id not in self._stored]
        if not due:
            return []
        issued = await self.tables.run(NoticeStore.issue, due, now)
        self._stored.update(n.id for n in due)  # issued now, or by another process before
        return issued

    async def run(self) -> None:
        """Tick until cancelled; a failing tick is logged and tried again later (waits
        doubling to 5 minutes while it fails)."""
        failing = 0
        while True:
            self._woken.clear()  # a wake during the tick below makes the next one at once
            try:
                issued = await self.tick()
                failing = 0
                if issued:
                    log.info("%s: %d deadline notice(s) issued", self.treaty, len(issued))
            except Exception:
                failing += 1
                log.exception("deadline notices of %s failed (%d in a row); trying again",
                              self.treaty, failing)
            wait = min(300.0, self.options.tick_seconds * 2.0 ** min(failing, 10))
            with suppress(TimeoutError):
                async with asyncio.timeout(wait):
                    await self._woken.wait()


def _resolved_source(app: FastAPI, treaty: str) -> ObligationsSource:
    """The treaty's obligations as the app holds them at each call: a source injected in
    `app.state.obligation_sources[treaty]` (tests), else the treaty's book in
    `app.state.obligation_books`; none yet, no obligations."""

    async def obligations(day: date) -> Sequence[Obligation]:
        injected = getattr(app.state, "obligation_sources", {})
        if treaty in injected:
            found: Sequence[Obligation] = await injected[treaty](day)
            return found
        books = getattr(app.state, "obligation_books", {})
        if treaty in books:
            booked: Sequence[Obligation] = await books[treaty].obligations(day)
            return booked
        return ()

    return obligations


@asynccontextmanager
async def watching_deadlines(app: FastAPI) -> AsyncIterator[None]:
    """A watcher for each ledger the app holds, for as long as the block runs (the app's
    lifespan): `app.state.deadline_watchers[treaty]` (to wake) and
    `app.state.notice_tables[treaty]` (what the routes read). Options:
    `app.state.deadline_options` if set."""
    options: WatchOptions = getattr(app.state, "deadline_options", WatchOptions())
    watchers: dict[str, DeadlineWatcher] = {}
    for treaty, ledger in app.state.treaties.by_id.items():
        watchers[treaty] = DeadlineWatcher(
            NoticeTables(ledger.settings.db), treaty, terms_of(ledger.depositary.treaty),
            _resolved_source(app, treaty), app.state.clock, options)
    app.state.deadline_watchers = watchers
    app.state.notice_tables = {t: w.tables for t, w in watchers.items()}
    tasks = [asyncio.create_task(w.run(), name=f"deadlines {t}") for t, w in watchers.items()]
    try:
        yield
    finally:
        await cancelled(tasks)
        for watcher in watchers.values():
            watcher.tables.close()
