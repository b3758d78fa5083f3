"""Obligations as the server shows them: the engine's JSON, with the incidents that set
each off, how to discharge it, and for a pending one with a deadline its countdown.

The deadline convention: a deadline is a day; the obligation is met if discharged on or
before that day, so it runs out at the end of the day in UTC, i.e. at 00:00:00Z of the
next day (`deadline_at`); `seconds_left` counts from the server's clock to that instant
(negative once past: the state turns `violated` as of the next day)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from ..norms import Assessment, Obligation
from ..spec.model import Treaty
from .deadlines.notices import deadline_end

__all__ = ["deadline_at", "obligation_views"]


def deadline_at(obligation: Obligation) -> datetime | None:
    """The end of the deadline day in UTC (None without a deadline): the moment the
    deadline notices take too."""
    return None if obligation.deadline is None else deadline_end(obligation.deadline)


def _discharge(treaty: Treaty, obligation: Obligation) -> str:
    provision = next((p for p in treaty.provisions if p.id == obligation.provision), None)
    if provision is None or not provision.fulfilled_by:
        return "no act kind is named that discharges it"
    kinds = " or ".join(f"a {kind!r} act" for kind in provision.fulfilled_by)
    duty = f" ({provision.duty})" if provision.duty else ""
    return f"deposit {kinds} of {obligation.bearer}{duty}"


def obligation_views(treaty: Treaty, assessment: Assessment, chosen: Iterable[Obligation],
                     now: datetime) -> list[dict[str, Any]]:
    """The `chosen` obligations of `assessment`, as the routes answer them."""
    incidents = {o.id: list(o.incidents) for o in assessment.occasions}
    views = []
    for obligation in chosen:
        ends = deadline_at(obligation) if obligation.state == "pending" else None
        views.append(obligation.to_json() | {
            "occasion_incidents": incidents.get(obligation.occasion, []),
            "discharge": _discharge(treaty, obligation),
            "deadline_at": ends.isoformat().replace("+00:00", "Z") if ends else None,
            "seconds_left": int((ends - now).total_seconds()) if ends else None})
    return views
