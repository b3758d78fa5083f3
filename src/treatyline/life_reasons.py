"""What a party's lives (see treatyline.lives) say in a status: its bound periods, and the
reasons for the periods that ended and the notices and instruments it revoked."""

from __future__ import annotations

from datetime import date

from .evaluation import Evaluation, PartyHistory, in_sentence
from .lives import Life

__all__ = ["earlier_life_reasons", "life_days", "periods_on", "revocation_reasons"]

Reason = tuple[str, str | None, tuple[str, ...]]
"""(statement, clause, act labels): the fields of a status `Reason` (status.py)."""


def life_days(history: PartyHistory) -> set[date]:
    """Every day on which something in the party's lives changes."""
    days: set[date] = set()
    for life in history.lives:
        days.update(d for d in (life.bound_since, life.withdrawn_since) if d is not None)
        for act in (life.consent, life.notice, life.consent_revoked):
            if act is not None:
                days.add(act.day)
        for notice, revocation, _ in life.revoked_notices:
            days.update((notice.day, revocation.day))
    return days


def periods_on(history: PartyHistory, day: date) -> list[tuple[date, date | None]]:
    """Every span the party was bound, as known on `day`: (since, until), `until` the day its
    withdrawal took effect, None when still bound on `day`."""
    return [span for life in history.lives if (span := life.period_on(day)) is not None]


def earlier_life_reasons(ev: Evaluation, history: PartyHistory, day: date) -> list[Reason]:
    """Reasons for the lives that ended before the one that governs `day`."""
    current = history.life_on(day)
    name = in_sentence(history.name, start=True)
    reasons: list[Reason] = []
    for life in history.lives:
        if life is current:
            break
        consent = life.consent
        if consent is None:
            continue
        span = life.period_on(day)
        notice = life.notice
        if span is not None and span[1] is not None and notice is not None:
            step = ev.treaty.procedure.get(notice.kind)
            reasons.append((
                f"{name} was bound from {span[0]} until {span[1]} by its instrument of "
                f"{consent.kind} deposited on {consent.day}; its notice of {notice.kind} of "
                f"{notice.day} took effect on {span[1]}",
                step.article if step else None, (consent.label, notice.label)))
        reasons.extend(revocation_reasons(ev, history, life, day))
    return reasons


def revocation_reasons(
    ev: Evaluation, history: PartyHistory, life: Life, day: date
) -> list[Reason]:
    """The notices and the instrument of consent of `life` revoked (or pending) by `day`."""
    name = in_sentence(history.name, start=True)
    reasons: list[Reason] = []
    for notice, revocation, effect in life.revoked_notices:
        if notice.day > day:
            continue
        step = ev.treaty.procedure.get(notice.kind)
        article = step.article if step else None
        if revocation.day > day:
            reasons.append((
                f"{name} gave notice of {notice.kind} on {notice.day}; it takes effect on "
                f"{effect}", article, (notice.label,)))
        else:
            reasons.append((
                f"{name} gave notice of {notice.kind} on {notice.day} and revoked it on "
                f"{revocation.day}, before it took effect ({effect}): the notice has no effect",
                article, (notice.label, revocation.label)))
    revoked, consent = life.consent_revoked, life.consent
    if revoked is not None and consent is not None and revoked.day <= day:
        now = ("a signatory that has not consented to be bound"
               if history.signature is not None and history.signature.day <= day
               else "without a standing instrument of consent")
        reasons.append((
            f"{name} revoked its instrument of {consent.kind} of {consent.day} on "
            f"{revoked.day}, before the treaty bound it: the instrument counts no longer, "
            f"and it is again {now}",
            ev.treaty.entry_into_force.article, (consent.label, revoked.label)))
    return reasons
