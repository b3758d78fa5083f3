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

from bisect import bisect_right, insort
from dataclasses import dataclass
from datetime import date

from ..evaluation import Evaluation, evaluate
from ..ledger.depositary import Depositary
from ..ledger.state import LogState
from ..record import Act, Record
from ..spec.model import Treaty

__all__ = ["EMPTY", "Snapshot", "snapshot_of", "state_snapshot"]


@dataclass(frozen=True, slots=True)
class Snapshot:
    """The log's size and its record, as read at one moment."""

    size: int
    record: Record
    known_days: tuple[date, ...]
    """The day each act became known (its receipt), in order."""
    evaluation: Evaluation | None = None
    """The record's evaluation (against the server's treaty), kept alive with the snapshot:
    the answers computed from it put it back in the evaluation cache first (see
    `evaluation.remember`). Without it, the depositary's evaluations of the records of the
    next batches (one per deposit, 32 kept) had evicted it before the readers asked, and
    each status of the record as known now was the full pass (179 of the readers' 249
    samples under serve_bench's 100 clients)."""

    def acts_known_on(self, day: date | None) -> int:
        """How many acts were known at the end of `day` (None: all of them)."""
        return len(self.known_days) if day is None else bisect_right(self.known_days, day)


def snapshot_of(depositary: Depositary, treaty: Treaty, previous: Snapshot) -> Snapshot:
    """The follower's depositary brought up to the log's size, as a snapshot (in the
    follower's thread); `treaty`: the server's (the evaluation is cached per treaty)."""
    depositary.refresh()
    return state_snapshot(depositary.state, treaty, previous)


def state_snapshot(state: LogState, treaty: Treaty, previous: Snapshot) -> Snapshot:
    """A depositary's state as a snapshot (in the thread of that depositary), evaluated;
    `previous`: the snapshot published last, whose known days are taken up again."""
    record = state.record
    return Snapshot(state.size, record, _known_days(record, previous),
                    evaluate(treaty, record))


def _known_days(record: Record, previous: Snapshot) -> tuple[date, ...]:
    """The acts' days of receipt, in order: the previous snapshot's with the acts added
    since (found by following the records `Record.appended` made back to the previous
    one), or all of them sorted again. Sorting them all was 69 of the writer's 646
    samples per batch at ~6,000 acts (serve_bench, 100 clients)."""
    added: list[Act] = []
    found: Record | None = record
    while found is not None and found is not previous.record:
        made_from = found.appended_to
        if made_from is None or len(added) > 4096:
            found = None
            break
        found, acts = made_from
        added += acts
    if found is None:
        return tuple(sorted(act.known_day for act in record.acts))
    days = list(previous.known_days)
    for act in added:
        if days and act.known_day < days[-1]:
            insort(days, act.known_day)
        else:
            days.append(act.known_day)
    return tuple(days)


EMPTY = Snapshot(0, Record(()), ())
"""Before the follower's first read."""
