"""Group commit: the deposits received while the writer is busy go in together.

A durable commit costs a flush to disk (SQLite's fsync, PostgreSQL's WAL flush) whatever
it holds, so one commit per deposit caps the deposits a ledger takes per second. Here every
deposit request puts its instrument in the queue and waits; one drain at a time takes all
the instruments waiting (up to `max_batch`), hands them to the writer in one call (the
depositary's `deposit_many`: each examined in order against the log with the ones before
it, then all appended in one durable commit), and only then answers each request with its
own receipt. No request is answered before the commit that holds its instrument returns:
acknowledgement after durability. A lone deposit is not delayed: the drain starts at once;
the deposits that arrive while a commit is in progress form the next batch.

If the commit fails, every request of the batch gets the failure (nothing of the batch
was acknowledged; a `StoreError` means the transaction was rolled back).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

__all__ = ["GroupCommit"]

Item = TypeVar("Item")
Answer = TypeVar("Answer")


class GroupCommit(Generic[Item, Answer]):
    """Items queued by concurrent requests, committed in batches by `commit` (which
    returns one answer per item, in order). Used in the event loop only."""

    def __init__(self, commit: Callable[[Sequence[Item]], Awaitable[Sequence[Answer]]],
                 max_batch: int) -> None:
        self._commit, self.max_batch = commit, max_batch
        self._waiting: list[tuple[Item, asyncio.Future[Answer]]] = []
        self._drain: asyncio.Task[None] | None = None
        self.batches = 0
        self.items = 0

    async def submit(self, item: Item) -> Answer:
        """The answer to `item`, once the commit that holds it has returned."""
        answer: asyncio.Future[Answer] = asyncio.get_running_loop().create_future()
        self._waiting.append((item, answer))
        if self._drain is None or self._drain.done():
            self._drain = asyncio.create_task(self._drained())
        # shield: a client that goes away does not take its instrument out of a batch
        # being committed (it is logged all the same, as anything received is)
        return await asyncio.shield(answer)

    async def _drained(self) -> None:
        while self._waiting:
            batch = self._waiting[:self.max_batch]
            del self._waiting[:len(batch)]
            try:
                answers = await self._commit([item for item, _ in batch])
            except Exception as error:  # each request answers with the failure
                for _, answer in batch:
                    answer.set_exception(error)
                continue
            self.batches += 1
            self.items += len(batch)
            for (_, answer), found in zip(batch, answers, strict=True):
                answer.set_result(found)
