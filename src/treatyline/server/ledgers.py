"""The treaties a server holds: for each, its depositary over its ledger, and the threads
that serve it.

A `TreatyLedger` owns, for one treaty, threads that each own a connection to the ledger
(a SQLite connection belongs to the thread that opened it; see `threads`):

- the **writer**: the `Depositary` that appends. Deposits reach it through a group commit
  (`deposit_received`; see `group_commit`): the instruments received while it commits go
  together in the next `deposit_many`, one durable commit, and each request is answered
  with its own receipt only after that commit. Calls that may write (a checkpoint signed
  for the log as it is now) and the plain methods below, handed to it with `run`, go one
  at a time there as before.
- the **follower**: a second depositary that only reads, bringing the record up to the
  log's size when a request finds the log longer than the last `Snapshot` (see
  `snapshots`); status and timeline answers are computed from snapshots by the readers,
  report pages by a worker process (`reports`), all cached by the acts the record holds
  (`AnswerCache`).
- the **readers**: a pool of threads, each with its own connection, for the log's pages
  and the cheap read of its size that every answer starts with.

Several server processes on one database stay in one order because every append goes
through the store's writer lock (SQLite's BEGIN IMMEDIATE, PostgreSQL's advisory lock),
under which the depositary first reads what the other processes appended; and every
status, timeline and report first reads the log's size, so that each process answers
with the deposits of the others.

The methods are plain functions of the ledger and their arguments, returning JSON-ready
data; `ApiError` says what is refused and where.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from datetime import date
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

from ..bundle import Bundle
from ..calendar import DayOrTime, day_of
from ..cli_ledger_common import open_ledger, treaty_spec
from ..evaluation import remember
from ..ledger.entries import b64, read_stored_leaf, utc_text
from ..ledger.merkle import leaf_hash
from ..ledger.proofs import consistency_proof_from, inclusion_proof_from
from ..ledger.store import LedgerStore, StoredCheckpoint, StoredEntry
from ..spec.model import Treaty
from ..status import status
from ..timeline import timeline_report
from .answers import AnswerCache
from .errors import ApiError
from .group_commit import GroupCommit
from .reports import ReportMaker
from .settings import Clock, LedgerSettings
from .snapshots import EMPTY, Snapshot, snapshot_of, state_snapshot
from .threads import Confined, Failures, ReaderPool
from .views import treaty_view

if TYPE_CHECKING:
    from ..ledger.depositary import Depositary, Receipt
    from ..ledger.keys import PartyKey

__all__ = ["READER_THREADS", "Treaties", "TreatyLedger"]

T = TypeVar("T")
P = ParamSpec("P")

READER_THREADS = 4
"""Reader threads per ledger: enough to read while others compute (the answers are
computed in Python, one thread at a time, so more would only wait)."""
MAX_BATCH = 256
"""The most instruments one commit takes (each at most 64 KiB)."""
SIZE_WAITERS = 100_000
"""The most requests one read of the log's size answers (no limit in practice)."""
ANSWERS_KEPT = 1024
"""Status and timeline answers kept (each a few KiB)."""
REPORTS_KEPT = 8
"""Report pages kept (each up to a few MiB)."""


class TreatyLedger:
    """One treaty's ledger, served by its threads (see the module's docstring)."""

    def __init__(self, settings: LedgerSettings, signer: PartyKey) -> None:
        self.settings, self.signer = settings, signer
        name = f"ledger-{settings.db}"
        failures = Failures()
        self._writer: Confined[Depositary] = Confined(name, self._open, failures)
        self._treaty: Treaty = self.depositary.treaty
        self.treaty_id = self._treaty.id
        self.treaty_path: Path = treaty_spec(settings.spec).path
        with ExitStack() as undo:
            undo.callback(self._writer.close)
            self._follower: Confined[Depositary] = Confined(f"{name}-follower",
                                                            self._open_follower, failures)
            undo.callback(self._follower.close)
            self._readers = ReaderPool(settings.db, READER_THREADS, name, failures)
            undo.callback(self._readers.close)
            self._report_maker = ReportMaker()
            undo.pop_all()
        self._snapshot: Snapshot = EMPTY
        self._catching_up: asyncio.Future[None] | None = None
        self.answers: AnswerCache[bytes] = AnswerCache(ANSWERS_KEPT)
        self.reports: AnswerCache[str] = AnswerCache(REPORTS_KEPT)
        self.deposits: GroupCommit[tuple[bytes, Clock], Receipt] = GroupCommit(
            self._commit, MAX_BATCH)
        # The log's size, read once for all the requests waiting for it: one read per
        # request was a hand-off to a reader thread and back per status (the event loop's
        # busiest call after HTTP itself, 155 of 956 samples of its thread under
        # serve_bench --quick). A request arriving during a read waits for the next one,
        # started after it arrived: it still sees every entry appended before it.
        self._sizes: GroupCommit[None, int] = GroupCommit(self._read_sizes, SIZE_WAITERS)

    def _open(self, exits: ExitStack) -> Depositary:
        depositary = self._open_follower(exits)
        depositary.checkpoint(self.signer)  # the key is the ledger's, and a head exists
        return depositary

    def _open_follower(self, exits: ExitStack) -> Depositary:
        return exits.enter_context(open_ledger(self.settings.db,
                                               treaty_spec(self.settings.spec)))

    @property
    def depositary(self) -> Depositary:
        """The writer's depositary (to be used in the writer's thread: see `run`)."""
        return self._writer.resource

    async def run(self, call: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """`call(*args, **kwargs)` in the writer's thread."""
        return await self._writer.run(_without_resource, partial(call, *args, **kwargs))

    def close(self) -> None:
        self._report_maker.close()
        self._readers.close()
        self._follower.close()
        self._writer.close()

    @property
    def _store(self) -> LedgerStore:
        return self.depositary.store

    def fresh(self) -> Depositary:
        """The depositary with every entry appended so far (by any process) read in."""
        self.depositary.refresh()
        return self.depositary

    # -- the treaty and its status ---------------------------------------------------

    def treaty(self) -> dict[str, Any]:
        return treaty_view(self.depositary.treaty)

    def status(self, as_of: DayOrTime, known_on: date | None) -> dict[str, Any]:
        depositary = self.fresh()
        return status(depositary.treaty, depositary.state.record, as_of,
                      known_on=known_on).to_json()

    def timeline(self, known_on: date | None) -> dict[str, Any]:
        depositary = self.fresh()
        return timeline_report(depositary.treaty, depositary.state.record,
                               known_on=known_on).to_json()

    # -- receiving ---------------------------------------------------------------------

    def deposit(self, data: bytes, clock: Clock) -> Receipt:
        """Examine and append what was received (accepted or rejected: it is logged). The
        time of receipt is read here, in the ledger's thread, just before the append: in
        one process the log's order is then the order of the times of receipt."""
        return self.depositary.deposit(data, clock.now(), self.signer)

    async def deposit_received(self, data: bytes, clock: Clock) -> Receipt:
        """The receipt of an instrument received, once the commit that holds it (with the
        others received meanwhile) has returned."""
        return await self.deposits.submit((data, clock))

    async def _commit(self, items: Sequence[tuple[bytes, Clock]]) -> list[Receipt]:
        receipts, snapshot = await self._writer.run(
            self._deposit_many, [data for data, _ in items], items[0][1])
        self._publish(snapshot)  # before any of them is answered
        return receipts

    def _deposit_many(self, depositary: Depositary, items: list[bytes],
                      clock: Clock) -> tuple[list[Receipt], Snapshot]:
        # as `deposit`: the time of receipt read in the writer's thread, just before.
        # The writer's record after the batch is published too: its acts were evaluated
        # as they were examined, so answers from it cost less than from the follower's.
        receipts = depositary.deposit_many(items, clock.now(), self.signer)
        return receipts, state_snapshot(depositary.state, self._treaty, self._snapshot)

    # -- answers computed from the record, away from the writer --------------------------

    async def current(self) -> Snapshot:
        """A snapshot of the record with every entry appended before this call (by any
        process): the log's size read first, the follower brought up to it if need be
        (one catch-up at a time, shared by the requests that wait for it)."""
        size = await self._sizes.submit(None)
        while self._snapshot.size < size:
            if self._catching_up is None or self._catching_up.done():
                self._catching_up = asyncio.ensure_future(self._catch_up())
            await asyncio.shield(self._catching_up)
        return self._snapshot

    async def _read_sizes(self, waiting: Sequence[None]) -> list[int]:
        size = await self._readers.run(_log_size)
        return [size] * len(waiting)

    async def _catch_up(self) -> None:
        self._publish(await self._follower.run(snapshot_of, self._treaty, self._snapshot))

    def _publish(self, snapshot: Snapshot) -> None:
        if snapshot.size > self._snapshot.size:
            self._snapshot = snapshot

    async def status_answer(self, as_of: DayOrTime, known_on: date | None) -> bytes:
        """`status` as JSON bytes, encoded once for all the requests that share it."""
        snapshot = await self.current()
        return await self.answers.get(
            ("status", snapshot.acts_known_on(known_on), as_of, known_on),
            partial(self._readers.run, _status_json, self._treaty, snapshot, as_of, known_on))

    async def timeline_answer(self, known_on: date | None) -> bytes:
        snapshot = await self.current()
        return await self.answers.get(
            ("timeline", snapshot.acts_known_on(known_on), known_on),
            partial(self._readers.run, _timeline_json, self._treaty, snapshot, known_on))

    async def report_answer(self, as_of: DayOrTime, known_on: date | None) -> str:
        """The HTML report of the treaty as of a day, from the record as known on a day
        (as `treatyline report` writes it)."""
        snapshot = await self.current()
        bundle = Bundle(self._treaty, snapshot.record, self.treaty_path, ())
        return await self.reports.get(
            (snapshot.acts_known_on(known_on), day_of(as_of), known_on),
            partial(self._report_maker.page, bundle, day_of(as_of), known_on))

    # -- the log -----------------------------------------------------------------------

    async def entries_page(self, start: int, limit: int) -> dict[str, Any]:
        """`entries`, read by a reader."""
        return await self._readers.run(entries_page, self.treaty_id, start, limit)

    def entries(self, start: int, limit: int) -> dict[str, Any]:
        return entries_page(self._store, self.treaty_id, start, limit)

    def entry(self, index: int, tree_size: int | None) -> dict[str, Any]:
        size = self._store.size()
        if index >= size:
            raise ApiError(404, "entry_not_found", f"the log has {size} entries (0 to "
                           f"{size - 1}): there is no entry {index}", "path.index")
        if tree_size is None:
            head = self._latest_head()
        else:
            head = self._checkpoint_of(tree_size, "query.tree_size")
            if index >= head.size:
                raise ApiError(422, "out_of_range", f"entry {index} is not in the tree of "
                               f"{head.size} entries", "query.tree_size")
        stored = self._store.entry(index)
        return entry_view(stored) | {
            "leaf": b64(stored.payload), "tree_size": head.size,
            "inclusion_proof": [b64(h) for h in inclusion_proof_from(self._store, index,
                                                                       head.size)],
            "checkpoint": head.note}

    def _checkpoint_of(self, size: int, place: str) -> StoredCheckpoint:
        log_size = self._store.size()
        if size > log_size:
            raise ApiError(422, "out_of_range", f"the log has {log_size} entries, not "
                           f"{size}", place)
        found = self._store.checkpoint(size)
        if found is None:
            raise ApiError(404, "checkpoint_not_found", f"the depositary signed no "
                           f"checkpoint of size {size} (every receipt names the size of "
                           "its checkpoint; or ask for the latest)", place)
        return found

    def _latest_head(self) -> StoredCheckpoint:
        """The checkpoint of the log as it is now (signed now if the log grew since the
        last one: e.g. a process stopped between an append and its checkpoint)."""
        size = self._store.size()
        self.depositary.checkpoint(self.signer, size)
        found = self._store.checkpoint(size)
        assert found is not None
        return found

    def checkpoint(self) -> str:
        """The latest signed checkpoint."""
        return self._latest_head().note

    def consistency(self, first: int, second: int | None) -> dict[str, Any]:
        if second is None:
            second = self._latest_head().size
        if not 1 <= first <= second:
            raise ApiError(422, "out_of_range", f"first must be from 1 to second ({second}), "
                           f"not {first}", "query.first")
        new = self._checkpoint_of(second, "query.second")
        old = self._store.checkpoint(first)
        return {"treaty": self.treaty_id, "first": first, "second": second,
                "proof": [b64(h) for h in consistency_proof_from(self._store, first, second)],
                "first_checkpoint": old.note if old is not None else None,
                "second_checkpoint": new.note}

    def notifications(self, since: int, limit: int) -> dict[str, Any]:
        size = self._store.size()
        found = self._store.entries(since, min(since + limit, size))
        stop = since + len(found)
        return {"treaty": self.treaty_id, "since": since, "tree_size": size,
                "notifications": [{"index": e.index, "received": utc_text(e.received),
                                   "party": e.party,
                                   "notification": json.loads(e.notification)}
                                  for e in found if e.notification],
                "next": stop}


def _without_resource(_resource: object, call: Callable[[], T]) -> T:
    return call()


def _log_size(store: LedgerStore) -> int:
    return store.size()


def json_bytes(value: Any) -> bytes:
    """`value` encoded as FastAPI's JSONResponse encodes it."""
    return json.dumps(value, ensure_ascii=False, allow_nan=False, indent=None,
                      separators=(",", ":")).encode("utf-8")


def _status_json(_store: LedgerStore, treaty: Treaty, snapshot: Snapshot, as_of: DayOrTime,
                 known_on: date | None) -> bytes:
    if snapshot.evaluation is not None:  # see Snapshot.evaluation
        remember(snapshot.evaluation)
    return json_bytes(status(treaty, snapshot.record, as_of, known_on=known_on).to_json())


def _timeline_json(_store: LedgerStore, treaty: Treaty, snapshot: Snapshot,
                   known_on: date | None) -> bytes:
    if snapshot.evaluation is not None:
        remember(snapshot.evaluation)
    return json_bytes(timeline_report(treaty, snapshot.record, known_on=known_on).to_json())


def entries_page(store: LedgerStore, treaty_id: str, start: int, limit: int
                 ) -> dict[str, Any]:
    """A page of the log: `limit` entries from `start`."""
    size = store.size()
    found = store.entries(start, min(start + limit, size))
    stop = start + len(found)
    return {"treaty": treaty_id, "tree_size": size, "start": start,
            "entries": [entry_view(e) for e in found], "next": stop if stop < size else None}


def entry_view(stored: StoredEntry) -> dict[str, Any]:
    """An entry of the log as the server shows it: what the depositary received, when,
    from whom, accepted or with the reasons it was rejected, and its notification."""
    document = read_stored_leaf(stored.payload, stored.index).document
    return {"index": stored.index, "received": utc_text(stored.received), "kind": stored.kind,
            "party": stored.party or document.get("party"), "accepted": stored.accepted,
            "reasons": [str(r) for r in document.get("reasons", [])] if not stored.accepted
            else [],
            "document": document, "leaf_hash": b64(leaf_hash(stored.payload)),
            "notification": json.loads(stored.notification) if stored.notification else None}


class Treaties:
    """The treaties a server holds, by id."""

    def __init__(self, ledgers: list[TreatyLedger]) -> None:
        self.by_id = {ledger.treaty_id: ledger for ledger in ledgers}

    def get(self, treaty: str) -> TreatyLedger:
        found = self.by_id.get(treaty)
        if found is None:
            known = ", ".join(sorted(self.by_id)) or "none"
            raise ApiError(404, "treaty_not_found", f"this server holds no treaty {treaty!r} "
                           f"(it holds: {known})", "path.treaty")
        return found

    def close(self) -> None:
        for ledger in self.by_id.values():
            ledger.close()
