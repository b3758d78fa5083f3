"""Depositary notifications: what the depositary tells every party when it receives an act.

A depositary informs the parties "of acts, notifications and communications relating to the
treaty" (Vienna Convention on the Law of Treaties, Art. 77(1)(e)); the UN Secretary-General
does it by "C.N." (circular notification) numbered per year. Here a notification says what
was received, from whom, dated when and received when, and what it changes: the consequences
the status engine derives (entry into force, for a party or for all, a withdrawal taking
effect, ...) that the record with the act has and the record without it had not — the
derived entries of `timeline`, compared. Pure: the receipt day is an argument.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from ..evaluation import Evaluation, evaluate
from ..record import Act, Record
from ..spec.model import Treaty
from ..timeline import TimelineEntry, derived_entries, describe_act

__all__ = ["Notification", "notification_number", "notify"]


def notification_number(sequence: int, received: date) -> str:
    """The notification's reference in the UN's form, C.N.<number>.<year>.TREATIES (the
    number: the entry's sequence in the ledger, counted from 1)."""
    return f"C.N.{sequence}.{received.year}.TREATIES"


@dataclass(frozen=True, slots=True)
class Notification:
    reference: str
    treaty: str
    title: str
    received: date
    party: str | None
    kind: str
    act_date: date
    act: str
    what: str
    """The act in plain words, as the timeline says it."""
    counts: bool
    """False when the act is in the record but the status engine does not count it."""
    why_not: str | None
    effects: tuple[TimelineEntry, ...]
    """Consequences the act brings about (entries the timeline derives with it only)."""
    withdrawn: tuple[TimelineEntry, ...]
    """Consequences derived before that no longer hold with it (e.g. after a revocation)."""

    @property
    def text(self) -> str:
        """The notification as a depositary would circulate it."""
        dated = (f", dated {self.act_date}" if self.act_date != self.received
                 else "")
        lines = [f"{self.reference}: {self.title}",
                 f"On {self.received} the depositary received: {self.what}{dated}."]
        if not self.counts:  # the engine's message names the act and says it does not count
            lines.append(f"{(self.why_not or 'it does not count').rstrip('.')}.")
        lines.extend(f"{e.description} on {e.day}"
                     + (f" ({e.clause})" if e.clause else "") + "." for e in self.effects)
        lines.extend(f"No longer: {e.description} on {e.day}." for e in self.withdrawn)
        if self.counts and not self.effects and not self.withdrawn:
            lines.append("It changes no one's standing yet.")
        return "\n".join(lines)

    def to_json(self) -> dict[str, Any]:
        return {
            "reference": self.reference,
            "treaty": self.treaty,
            "received": self.received.isoformat(),
            "party": self.party,
            "kind": self.kind,
            "act_date": self.act_date.isoformat(),
            "act": self.act,
            "what": self.what,
            "counts": self.counts,
            "why_not": self.why_not,
            "effects": [e.to_json() for e in self.effects],
            "withdrawn": [e.to_json() for e in self.withdrawn],
            "text": self.text,
        }


_DERIVED = "notifications.derived"
"""The key of an evaluation's memo that keeps its derived entries as `_derived` keys them:
each deposit's record is the next deposit's record before (see `notify`)."""


def _derived(ev: Evaluation) -> dict[tuple[object, ...], TimelineEntry]:
    # keyed without the description: an entry into force on the same day that now names
    # one party more is the same consequence, changed, not one withdrawn and one new
    found = ev.memo.get(_DERIVED)
    if isinstance(found, dict):
        return found
    made: dict[tuple[object, ...], TimelineEntry] = {
        (e.day, e.what, e.party): e for e in derived_entries(ev) if e.kind == "derived"}
    ev.memo[_DERIVED] = made
    return made


def notify(treaty: Treaty, before: Record, after: Record, act: Act, *, sequence: int,
           received: date) -> Notification:
    """The notification of `act`, received on `received`: `after` is the record with it,
    `before` the record as it stood without it."""
    # the derived entries only: the acts' own entries (every act described) are not needed,
    # and `evaluate` is cached per record (a record made by appending the act resumes the
    # evaluation of the one before), so the record before costs nothing once known
    ev = evaluate(treaty, after)
    old = _derived(evaluate(treaty, before))
    new = _derived(ev)
    reason = next((d.message for a, d in reversed(ev.rejected) if a is act), None)
    return Notification(
        reference=notification_number(sequence, received),
        treaty=treaty.id,
        title=treaty.title,
        received=received,
        party=act.party,
        kind=act.kind,
        act_date=act.day,
        act=act.label,
        what=describe_act(ev, act),
        counts=reason is None,
        why_not=reason,
        effects=tuple(e for key, e in new.items() if key not in old or old[key] != e),
        withdrawn=tuple(e for key, e in old.items() if key not in new),
    )
