"""Which deadline notices are due: a pure function of the obligations as of now, the
moment `now` and the reminder's lead (no clock, no I/O; the watcher supplies all three).

Kinds, each issued at most once per obligation (treaty, provision, bearer, occasion):

- `obligation_triggered`: an obligation the bearer has not discharged (pending, or already
  violated when first seen): the duty, the incident(s), the deadline and how to discharge
  it (deposit an act of a kind the provision's `fulfilled_by` lists);
- `deadline_reminder`: still pending within `lead` of the deadline's end, and before it;
- `deadline_passed`: the deadline ended and the obligation is not fulfilled (violated, or
  still pending for want of a newer assessment);
- `obligation_fulfilled`: the record shows the act that fulfilled it.

When a day deadline ends: at the end of the deadline day in UTC (24:00, that is 00:00 UTC
of the next day). The treaty's "within three days" counts calendar days (the calendar
module) and a day is the whole day: an act dated the deadline day is in time, so nothing
is late until that day is over everywhere the server's clock is read, in UTC.

A notice's id is a digest of (treaty, provision, bearer, occasion, kind): the same in every
process and after every restart, so a store that inserts only what it lacks issues each
notice once.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal

from ...calendar import add_days
from ...norms import Obligation
from ...spec.model import Treaty

__all__ = ["DEFAULT_REMINDER_LEAD", "NOTICE_KINDS", "Notice", "NoticeKind", "Terms",
           "deadline_end", "notice_id", "notices_due", "terms_of"]

NoticeKind = Literal["obligation_triggered", "deadline_reminder", "deadline_passed",
                     "obligation_fulfilled"]
NOTICE_KINDS: tuple[NoticeKind, ...] = ("obligation_triggered", "deadline_reminder",
                                        "deadline_passed", "obligation_fulfilled")
DEFAULT_REMINDER_LEAD = timedelta(hours=24)
_UNDISCHARGED = ("pending", "violated")


@dataclass(frozen=True, slots=True)
class Terms:
    """What a provision says beyond the obligation: the duty in words, and the act kinds
    that discharge it."""

    duty: str | None
    fulfilled_by: tuple[str, ...]


def terms_of(treaty: Treaty) -> dict[str, Terms]:
    """The terms of each obligation of `treaty`, by provision id."""
    return {p.id: Terms(p.duty, tuple(p.fulfilled_by)) for p in treaty.provisions
            if p.kind == "obligation"}


def deadline_end(deadline: date) -> datetime:
    """The moment a day deadline ends: 24:00 UTC of that day."""
    return datetime.combine(add_days(deadline, 1), time(0), tzinfo=UTC)


def notice_id(treaty: str, provision: str, bearer: str, occasion: str,
              kind: NoticeKind) -> str:
    """The notice's stable id: `ntc_` and 32 hex digits (no '.', so it is a webhook id)."""
    key = json.dumps([treaty, provision, bearer, occasion, kind], ensure_ascii=False)
    return "ntc_" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]


@dataclass(frozen=True, slots=True)
class Notice:
    """One notice to a bearer, as issued (the store adds its sequence and time of issue)."""

    id: str
    kind: NoticeKind
    treaty: str
    provision: str
    title: str
    clause: str | None
    bearer: str
    bearer_name: str
    occasion: str
    incidents: tuple[str, ...]
    due_from: date
    deadline: date | None
    deadline_ends: datetime | None
    state: str
    discharge_by: tuple[str, ...]
    fulfilled_on: date | None
    fulfilling_act: str | None
    text: str

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "kind": self.kind, "treaty": self.treaty,
                "provision": self.provision, "title": self.title, "clause": self.clause,
                "bearer": self.bearer, "bearer_name": self.bearer_name,
                "occasion": self.occasion, "incidents": list(self.incidents),
                "due_from": self.due_from.isoformat(),
                "deadline": self.deadline.isoformat() if self.deadline else None,
                "deadline_ends": _instant(self.deadline_ends),
                "state": self.state, "discharge_by": list(self.discharge_by),
                "fulfilled_on": self.fulfilled_on.isoformat() if self.fulfilled_on else None,
                "fulfilling_act": self.fulfilling_act, "text": self.text}


def _instant(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(UTC).isoformat().replace(
        "+00:00", "Z")


def _incidents(obligation: Obligation) -> tuple[str, ...]:
    """The incidents of the occasion, as the assessment's reason for it names them."""
    for reason in obligation.because:
        if reason.statement.startswith(f"occasion {obligation.occasion} "):
            return tuple(reason.acts)
    return ()


def _kinds_due(obligation: Obligation, now: datetime, lead: timedelta) -> list[NoticeKind]:
    kinds: list[NoticeKind] = []
    if obligation.state in _UNDISCHARGED:
        kinds.append("obligation_triggered")
    if obligation.state == "fulfilled":
        kinds.append("obligation_fulfilled")
    if obligation.deadline is None:
        return kinds
    end = deadline_end(obligation.deadline)
    if obligation.state == "pending" and end - lead <= now < end:
        kinds.append("deadline_reminder")
    if obligation.state in _UNDISCHARGED and now >= end:
        kinds.append("deadline_passed")
    return kinds


def _discharge(terms: Terms | None) -> str:
    kinds = terms.fulfilled_by if terms is not None else ()
    if not kinds:
        return "the treaty names no act that discharges it"
    return "deposit " + " or ".join(f"a `{kind}` act" for kind in kinds)


def _text(kind: NoticeKind, o: Obligation, incidents: tuple[str, ...],
          terms: Terms | None) -> str:
    clause = f" ({o.clause})" if o.clause else ""
    duty = f": {terms.duty}" if terms is not None and terms.duty else ""
    seen = ", ".join(incidents) or "see the assessment"
    by = f"by {o.deadline.isoformat()} (ends 24:00 UTC)" if o.deadline else "(no deadline)"
    what = f"{o.title}{clause}{duty}"
    if kind == "obligation_triggered":
        return (f"{o.bearer_name} ({o.bearer}) is bound by {what}; occasion {o.occasion} "
                f"of {o.due_from.isoformat()}, incident(s) {seen}; due {by}. To discharge "
                f"it, {_discharge(terms)}.")
    if kind == "deadline_reminder":
        return (f"Reminder: {o.bearer_name} ({o.bearer}) has not yet discharged {what} "
                f"(occasion {o.occasion}, incident(s) {seen}); due {by}. To discharge it, "
                f"{_discharge(terms)}.")
    if kind == "deadline_passed":
        return (f"The deadline of {what} for {o.bearer_name} ({o.bearer}) passed on "
                f"{o.deadline} (occasion {o.occasion}, incident(s) {seen}) and the record "
                f"shows it unfulfilled ({o.state}).")
    return (f"{o.bearer_name} ({o.bearer}) fulfilled {what} (occasion {o.occasion}) on "
            f"{o.fulfilled_on} by {o.fulfilling_act}.")


def notices_due(treaty: str, obligations: Sequence[Obligation], now: datetime,
                terms: Mapping[str, Terms],
                lead: timedelta = DEFAULT_REMINDER_LEAD) -> list[Notice]:
    """Every notice due at `now` for `obligations` (assessed as of `now`'s day), in the
    order of the obligations and of `NOTICE_KINDS`: a store keeps those it lacks."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    found: list[Notice] = []
    for o in obligations:
        incidents = _incidents(o)
        provision_terms = terms.get(o.provision)
        for kind in _kinds_due(o, now, lead):
            found.append(Notice(
                notice_id(treaty, o.provision, o.bearer, o.occasion, kind), kind, treaty,
                o.provision, o.title, o.clause, o.bearer, o.bearer_name, o.occasion,
                incidents, o.due_from, o.deadline,
                deadline_end(o.deadline) if o.deadline else None, o.state,
                provision_terms.fulfilled_by if provision_terms else (), o.fulfilled_on,
                o.fulfilling_act, _text(kind, o, incidents, provision_terms)))
    return found
