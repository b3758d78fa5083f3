"""Answers computed once and shared: a bounded cache of the answers being computed or
computed already, by key.

A status, timeline or report is a function of the treaty, the record as known on a day
and the day asked about; under load many clients ask the same question of the same
record at once. The first request computes the answer; every other request with the same
key, while it is being computed or after, awaits the same result (a failure is not kept:
the next request computes again). The oldest answers are dropped past `bound`. Used in
the event loop only (no locks).
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from functools import partial
from typing import Generic, TypeVar

__all__ = ["AnswerCache"]

T = TypeVar("T")


class AnswerCache(Generic[T]):
    """At most `bound` answers, the least recently asked dropped first."""

    def __init__(self, bound: int) -> None:
        self.bound = bound
        self._answers: OrderedDict[Hashable, asyncio.Future[T]] = OrderedDict()
        self.computed = 0
        """How many answers were computed (the rest were found here)."""

    def __len__(self) -> int:
        return len(self._answers)

    async def get(self, key: Hashable, compute: Callable[[], Awaitable[T]]) -> T:
        found = self._answers.get(key)
        if found is None:
            found = asyncio.ensure_future(compute())
            found.add_done_callback(partial(self._done, key))
            self._answers[key] = found
            while len(self._answers) > self.bound:
                self._answers.popitem(last=False)
        else:
            self._answers.move_to_end(key)
        # shield: a client that goes away does not cancel the answer the others await
        return await asyncio.shield(found)

    def _done(self, key: Hashable, answer: asyncio.Future[T]) -> None:
        if answer.cancelled() or answer.exception() is not None:
            if self._answers.get(key) is answer:  # not a newer one under the same key
                del self._answers[key]
        else:
            self.computed += 1
