"""The HTML report, made in a process of its own.

A report reads the example's event files, builds the territory and draws the map: seconds
of Python for a large record. Made in the server's own process it would hold the
interpreter's lock that long, and every status and deposit answered meanwhile would wait
for it; so each ledger has one worker process (started with `spawn`: a fork of a process
with threads is unsafe, and it is started by the first request for a report) that makes
the pages one at a time, its libraries loaded once. The bundle (treaty and record) is
sent to it; the page comes back.

Under load the record changes with every deposit, so nearly every request for a report
of the record as known now is a new page; two things keep that from taking the server's
CPU (docs/server.md, "Under load"):

- the worker keeps the treaty's territory between pages (the areas' geometry depends on
  the treaty and the day only): building it again was ~45% of a page of the North
  Atlantic Treaty (511 of 1,152 samples of the worker under serve_bench --quick);
- the worker runs at a lower priority (nice 10): a page still takes the seconds it takes
  when the machine is idle, but under load the server's answers to deposits and status
  come first, and a page waits for the CPU they leave.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import replace
from datetime import date
from typing import TYPE_CHECKING

from ..bundle import Bundle

if TYPE_CHECKING:
    from ..territory import Territory

__all__ = ["ReportMaker"]

WORKER_NICENESS = 10
"""Added to the worker's nice value (see the module's docstring)."""

_kept: list[Territory] = []
"""In the worker: the territory of the treaty of the last page (one worker per ledger)."""


def _follow_server(server: int) -> None:
    """In the worker: exit when the server is gone. A server killed with SIGKILL cannot
    stop its worker, and the worker's queue never tells it (it holds both ends). And give
    way to the server (see the module's docstring)."""
    os.nice(WORKER_NICENESS)

    def watch() -> None:
        while os.getppid() == server:
            time.sleep(1)
        os._exit(0)

    threading.Thread(target=watch, name="follow-server", daemon=True).start()


def report_page(bundle: Bundle, as_of: date, known_on: date | None) -> str:
    """The page `treatyline report --as-of AS_OF --known-on KNOWN_ON` writes."""
    from ..report.run import report_html
    from ..territory import Territory

    if known_on is not None:
        bundle = replace(bundle, record=bundle.record.as_known_on(known_on))
    if not _kept or _kept[0].treaty != bundle.treaty:
        _kept[:] = [Territory.for_treaty(bundle.treaty)]
    return report_html(bundle, as_of, territory=_kept[0])[0]


class ReportMaker:
    """One worker process making report pages, started by the first request for one (a
    server that is never asked for a report never starts it)."""

    def __init__(self) -> None:
        self._pool: ProcessPoolExecutor | None = None

    def _started(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                1, mp_context=multiprocessing.get_context("spawn"),
                initializer=_follow_server, initargs=(os.getpid(),))
        return self._pool

    async def page(self, bundle: Bundle, as_of: date, known_on: date | None) -> str:
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self._started(), report_page, bundle, as_of,
                                              known_on)
        except BrokenProcessPool:  # the worker died (killed, out of memory): a new one
            self.close()
            return await loop.run_in_executor(self._started(), report_page, bundle, as_of,
                                              known_on)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
