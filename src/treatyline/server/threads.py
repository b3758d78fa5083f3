"""Threads that each own one connection to a ledger: the writer, the follower, the readers.

A SQLite connection belongs to the thread that opened it, and a PostgreSQL connection
serves one query at a time, so a server never shares one between threads: each
`Confined` resource (a store, or a depositary over its store) is opened, used and closed
in one thread of its own, and the event loop hands it calls (`run`). A `ReaderPool` is
several of them over the same ledger, each with its own connection: SQLite in WAL mode
and PostgreSQL both let readers read while the writer writes, so reads no longer wait in
line behind deposits.

A call that fails with `StoreError` (the connection was lost: PostgreSQL restarted, say)
is answered as such (a 503); every resource over the same ledger (they share a
`Failures` count) is then opened again before its next call, since the others have most
likely lost theirs too: the next request is served on new connections.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from typing import Concatenate, Generic, ParamSpec, TypeVar

from ..ledger.store import LedgerStore, StoreError, open_store

__all__ = ["SWITCH_INTERVAL", "Confined", "Failures", "ReaderPool", "share_the_lock_often"]

SWITCH_INTERVAL = 0.001
"""Seconds a thread may hold the interpreter's lock while another waits for it (Python's
default: 0.005). The event loop gives the lock up at every system call (each answer
written) and waits to get it back from the ledger's threads, which compute in Python (the
writer's examination, the readers' status): with the default, up to 5 ms a turn. serve_bench
--quick, A/B twice in one sitting (load ~4): deposits 148 -> 175/s and 203 -> 292/s, status
answers 372 -> 511/s and 619 -> 737/s."""


def share_the_lock_often() -> None:
    """Set SWITCH_INTERVAL for the server's process (the command's, or a worker's): a
    setting of the whole process, so the library never sets it on its own."""
    sys.setswitchinterval(SWITCH_INTERVAL)

R = TypeVar("R")
T = TypeVar("T")
P = ParamSpec("P")


class Failures:
    """How many calls lost their connection, among the resources over one ledger."""

    def __init__(self) -> None:
        self.count = 0


class Confined(Generic[R]):
    """A resource opened by `opener` (which enters what must be closed into the stack it
    is given) in a thread of its own, and used only there."""

    def __init__(self, name: str, opener: Callable[[ExitStack], R],
                 failures: Failures) -> None:
        self._opener, self._failures = opener, failures
        self._thread = ThreadPoolExecutor(1, thread_name_prefix=name)
        self._exits = ExitStack()
        self._opened_after = failures.count
        self.waiting = 0
        """Calls handed to the thread and not yet answered (the pool's measure of load)."""
        try:
            self.resource: R = self._thread.submit(self._open).result()
        except BaseException:
            self._thread.shutdown()
            raise

    def _open(self) -> R:
        self._opened_after = self._failures.count
        try:
            return self._opener(self._exits)
        except BaseException:
            self._exits.close()
            raise

    async def run(self, call: Callable[Concatenate[R, P], T], *args: P.args,
                  **kwargs: P.kwargs) -> T:
        """`call(resource, *args, **kwargs)` in the resource's thread."""
        self.waiting += 1
        try:
            return await asyncio.get_running_loop().run_in_executor(
                self._thread, self.guarded, lambda resource: call(resource, *args, **kwargs))
        finally:
            self.waiting -= 1

    def guarded(self, call: Callable[[R], T]) -> T:
        """`call(resource)`, in the resource's thread, on a resource opened again first if
        the last call lost its connection."""
        if self._opened_after != self._failures.count:
            self._exits.close()
            self.resource = self._open()
        try:
            return call(self.resource)
        except StoreError:
            self._failures.count += 1
            raise

    def close(self) -> None:
        self._thread.submit(self._exits.close).result()
        self._thread.shutdown()


def _store_opener(db: str) -> Callable[[ExitStack], LedgerStore]:
    def opened(exits: ExitStack) -> LedgerStore:
        store = open_store(db)
        exits.callback(store.close)
        return store
    return opened


class ReaderPool:
    """`size` reader threads over the ledger at `db`, each with its own connection; a call
    goes to the one with the fewest calls waiting."""

    def __init__(self, db: str, size: int, name: str, failures: Failures) -> None:
        self._readers: list[Confined[LedgerStore]] = []
        try:
            for number in range(size):
                self._readers.append(Confined(f"{name}-reader{number}", _store_opener(db),
                                              failures))
        except BaseException:
            self.close()
            raise

    async def run(self, call: Callable[Concatenate[LedgerStore, P], T], *args: P.args,
                  **kwargs: P.kwargs) -> T:
        """`call(store, *args, **kwargs)` in the least busy reader's thread."""
        reader = min(self._readers, key=lambda r: r.waiting)
        return await reader.run(call, *args, **kwargs)

    def close(self) -> None:
        for reader in self._readers:
            reader.close()
