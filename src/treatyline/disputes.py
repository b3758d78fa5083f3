"""Disputed acts: an act one or more parties dispute (the DPRK's notice of withdrawal
from the NPT of 10 January 2003) is recorded with `disputed_by`, and the status is shown
both as recorded and under each reading that disregards the disputed acts (named by the
acts' `reading`, default 'disputed') — the same idea as the readings of a disputed area."""

from __future__ import annotations

import weakref
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from .record import Act, Record

if TYPE_CHECKING:
    from .status import Status

__all__ = ["DEFAULT_READING", "Reading", "readings"]

DEFAULT_READING = "disputed"


@dataclass(frozen=True, slots=True)
class Reading:
    """The status under one reading: as if its disputed acts had not been made."""

    name: str
    disputed_by: tuple[str, ...]
    disregarded: tuple[str, ...]
    """Labels of the acts the reading disregards."""
    status: Status

    def to_json(self) -> dict[str, Any]:
        inner = self.status.to_json()
        for key in ("rejected", "treaty", "title", "as_of", "legal_form"):
            inner.pop(key, None)
        return {"name": self.name, "disputed_by": list(self.disputed_by),
                "disregarded": list(self.disregarded), "status": inner}


_WITHOUT: weakref.WeakKeyDictionary[Record, dict[str, Record]] = weakref.WeakKeyDictionary()
"""Per record, the record without each reading's disputed acts (kept so that evaluations,
cached per record, are reused across dates)."""


_DISPUTED: weakref.WeakKeyDictionary[Record, dict[str, list[Act]]] = \
    weakref.WeakKeyDictionary()
"""Per record, its disputed acts by reading (found once: a status query must not walk the
whole record)."""


def _disputed(record: Record) -> dict[str, list[Act]]:
    found = _DISPUTED.get(record)
    if found is None:
        found = {}
        for act in record.acts:
            if act.disputed_by:
                found.setdefault(act.reading or DEFAULT_READING, []).append(act)
        _DISPUTED[record] = found
    return found


def readings(record: Record, day: date,
             status_of: Callable[[Record], Status]) -> tuple[Reading, ...]:
    """The status under each reading whose disputed acts were made by `day`."""
    disputed = _disputed(record)
    if not disputed:
        return ()
    cached = _WITHOUT.setdefault(record, {})
    out: list[Reading] = []
    for name, every in sorted(disputed.items()):
        acts = [act for act in every if act.day <= day]
        if not acts:
            continue
        without = cached.get(name)
        if without is None:
            skipped = {id(act) for act in every}
            without = cached[name] = Record(
                tuple(a for a in record.acts if id(a) not in skipped), record.rejected,
                record.files, record.new_parties)
        by = tuple(dict.fromkeys(code for act in acts for code in act.disputed_by))
        out.append(Reading(name, by, tuple(a.label for a in acts), status_of(without)))
    return tuple(out)
