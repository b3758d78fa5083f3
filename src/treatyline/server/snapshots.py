"""The record as the follower last read it: what status, timeline and report answers are
computed from, away from the writer.

The writer publishes a snapshot after each batch it commits. The follower is a depositary
of its own (its own connection, its own thread) that only reads: when a request finds the
log longer than the last snapshot (another process appended, or the writer's batch is
committed and not yet published), the follower reads the new entries in and publishes a
new `Snapshot`. The record is immutable, so any thread may compute from a snapshot while the
follower and the writer go on.

Answers are cached by `acts_known_on`: the number of accepted acts the depositary knew on
a day. The log only grows and an entry never changes, so the acts known on a day at a
later size include those at an earlier one: the same number means the same acts, and the
same answer. Entries that add no act (a rejection, a key registered) and acts received
after the day asked about leave the key, and so the cached answer, as it was; any act a
deposit adds, in this process or another, changes it.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from datetime import date

from ..ledger.depositary import Depositary
from ..ledger.state import LogState
from ..record import Record

__all__ = ["EMPTY", "Snapshot", "snapshot_of", "state_snapshot"]


@dataclass(frozen=True, slots=True)
class Snapshot:
    """The log's size and its record, as read at one moment."""

    size: int
    record: Record
    known_days: tuple[date, ...]
    """The day each act became known (its receipt), in order."""

    def acts_known_on(self, day: date | None) -> int:
        """How many acts were known at the end of `day` (None: all of them)."""
        return len(self.known_days) if day is None else bisect_right(self.known_days, day)


def snapshot_of(depositary: Depositary) -> Snapshot:
    """The follower's depositary brought up to the log's size, as a snapshot (in the
    follower's thread)."""
    depositary.refresh()
    return state_snapshot(depositary.state)


def state_snapshot(state: LogState) -> Snapshot:
    """A depositary's state as a snapshot (in the thread of that depositary)."""
    record = state.record
    return Snapshot(state.size, record, tuple(sorted(act.known_day for act in record.acts)))


EMPTY = Snapshot(0, Record(()), ())
"""Before the follower's first read."""
