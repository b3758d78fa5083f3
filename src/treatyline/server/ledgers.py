"""The treaties a server holds: for each, its depositary over its ledger, behind one thread.

A `TreatyLedger` owns the store's connection and the `Depositary` for one treaty. Neither
is safe to share between threads (a SQLite connection belongs to the thread that opened
it), so each ledger has one worker thread of its own: every call (`run`) is executed there,
one at a time, while the event loop goes on serving other requests. Several server
processes on one database stay in one order because every append goes through the store's
writer lock (SQLite's BEGIN IMMEDIATE, PostgreSQL's advisory lock), under which the
depositary first reads what the other processes appended; and every read here first
brings the depositary's state up to the log's size (`fresh`), so that each process answers
with the deposits of the others.

The methods are plain functions of the ledger and their arguments, returning JSON-ready
data; `ApiError` says what is refused and where.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from datetime import date
from functools import partial
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

from ..calendar import DayOrTime
from ..cli_ledger_common import open_ledger, treaty_spec
from ..ledger.entries import b64, read_stored_leaf, utc_text
from ..ledger.merkle import leaf_hash
from ..ledger.proofs import consistency_proof_from, inclusion_proof_from
from ..ledger.store import LedgerStore, StoredCheckpoint, StoredEntry, StoreError
from ..status import status
from ..timeline import timeline_report
from .errors import ApiError
from .settings import Clock, LedgerSettings
from .views import treaty_view

if TYPE_CHECKING:
    from ..ledger.depositary import Depositary, Receipt
    from ..ledger.keys import PartyKey

__all__ = ["Treaties", "TreatyLedger"]

T = TypeVar("T")
P = ParamSpec("P")


class TreatyLedger:
    """One treaty's ledger, opened in its own thread (see the module's docstring)."""

    def __init__(self, settings: LedgerSettings, signer: PartyKey) -> None:
        self.settings, self.signer = settings, signer
        self._thread = ThreadPoolExecutor(1, thread_name_prefix=f"ledger-{settings.db}")
        self._exits = ExitStack()
        self._broken = False
        try:
            self.depositary: Depositary = self._thread.submit(self._open).result()
        except BaseException:
            self._thread.shutdown()
            raise
        self.treaty_id = self.depositary.treaty.id

    def _open(self) -> Depositary:
        found = treaty_spec(self.settings.spec)
        depositary = self._exits.enter_context(open_ledger(self.settings.db, found))
        try:
            depositary.checkpoint(self.signer)  # the key is the ledger's, and a head exists
        except BaseException:
            self._exits.close()
            raise
        return depositary

    async def run(self, call: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """`call(*args, **kwargs)` in the ledger's thread."""
        return await asyncio.get_running_loop().run_in_executor(
            self._thread, partial(self._guarded, partial(call, *args, **kwargs)))

    def _guarded(self, call: Callable[[], T]) -> T:
        """`call()`, on a ledger opened again first if the last call lost its connection
        (a PostgreSQL server restarted, say): the answer that failed was a 503, the next
        one is served again once the database is back."""
        if self._broken:
            self._exits.close()
            self.depositary = self._open()
            self._broken = False
        try:
            return call()
        except StoreError:
            self._broken = True
            raise

    def close(self) -> None:
        self._thread.submit(self._exits.close).result()
        self._thread.shutdown()

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

    # -- the log -----------------------------------------------------------------------

    def entries(self, start: int, limit: int) -> dict[str, Any]:
        size = self._store.size()
        found = self._store.entries(start, min(start + limit, size))
        stop = start + len(found)
        return {"treaty": self.treaty_id, "tree_size": size, "start": start,
                "entries": [entry_view(e) for e in found],
                "next": stop if stop < size else None}

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
