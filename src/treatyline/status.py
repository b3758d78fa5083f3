"""`status(treaty, record, as_of)`: who is bound, since when, and what is still
missing, with the reasons. A pure function of its three inputs."""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, replace
from datetime import date
from typing import Any, Literal

from .calendar import DayOrTime, day_of
from .disputes import Reading, readings
from .errors import Diagnostic
from .evaluation import Evaluation, PartyHistory, evaluate, in_sentence
from .life_reasons import earlier_life_reasons, life_days, periods_on, revocation_reasons
from .record import Act, Record
from .rules import describe, join_words, shortfalls
from .spec.model import Treaty
from .spec.vocabulary import CONSENT_KINDS
from .succession import succession_reasons, succession_view

__all__ = ["BoundPeriod", "PartyStatus", "Reason", "Standing", "Status", "status"]

Standing = Literal[
    "none",
    "signatory",
    "provisionally_applying",
    "consented",
    "bound",
    "withdrawing",
    "withdrawn",
    "succeeded",
]
"""A party's standing on a day, from none to withdrawn.

consented: it has deposited its instrument of consent but the treaty is not yet
in force for it; withdrawing: bound, with notice of withdrawal given; succeeded: a former
state whose participation has passed to its successor(s)."""


@dataclass(frozen=True, slots=True)
class Reason:
    """One step of a `because` trace: a conclusion, the clause and the acts behind it."""

    statement: str
    clause: str | None = None
    acts: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {"statement": self.statement, "clause": self.clause, "acts": list(self.acts)}

    def __str__(self) -> str:
        clause = f" [{self.clause}]" if self.clause else ""
        acts = f" ← {', '.join(self.acts)}" if self.acts else ""
        return f"{self.statement}{clause}{acts}"


@dataclass(frozen=True, slots=True)
class BoundPeriod:
    """A span during which a party was bound: from `since` (the first day) to `until`,
    the day its withdrawal took effect (the first day it was no longer bound), or None
    when it was still bound on the day asked about."""

    since: date
    until: date | None = None

    def to_json(self) -> dict[str, str | None]:
        return {"since": self.since.isoformat(),
                "until": self.until.isoformat() if self.until else None}


@dataclass(frozen=True)
class PartyStatus:
    code: str
    name: str
    roles: tuple[str, ...]
    standing: Standing
    signed_on: date | None = None
    consent: tuple[str, date] | None = None
    """The instrument of consent (kind, date) deposited on or before the day asked about."""
    bound_since: date | None = None
    """Since when it is bound, on the day asked about; None when it is not (a party that
    has withdrawn was bound in its `bound_periods`)."""
    provisionally_applying_since: date | None = None
    notice_given_on: date | None = None
    withdrawn_since: date | None = None
    declared: bool = True
    bound_periods: tuple[BoundPeriod, ...] = ()
    """Every span during which it was bound, up to the day asked about, in order."""
    succession: dict[str, Any] | None = None
    """For a successor or a former state: the succession (predecessor, successor, effective,
    continuation, act); in the JSON only when there is one."""

    @property
    def is_bound(self) -> bool:
        return self.standing in ("bound", "withdrawing")

    @property
    def bound_from(self) -> date | None:
        """When its latest period of being bound began (bound now or not)."""
        return self.bound_periods[-1].since if self.bound_periods else None

    def to_json(self) -> dict[str, Any]:
        def iso(day: date | None) -> str | None:
            return day.isoformat() if day else None

        return {
            "name": self.name,
            "roles": list(self.roles),
            "standing": self.standing,
            "signed_on": iso(self.signed_on),
            "consent": (
                {"kind": self.consent[0], "date": self.consent[1].isoformat()}
                if self.consent else None
            ),
            "bound_since": iso(self.bound_since),
            "bound_periods": [period.to_json() for period in self.bound_periods],
            "provisionally_applying_since": iso(self.provisionally_applying_since),
            "notice_given_on": iso(self.notice_given_on),
            "withdrawn_since": iso(self.withdrawn_since),
            "declared_in_treaty": self.declared,
            **({"succession": self.succession} if self.succession is not None else {}),
        }


@dataclass(frozen=True)
class Status:
    treaty: str
    title: str
    as_of: date
    state: Literal["not_in_force", "in_force", "terminated"]
    in_force_since: date | None
    conditions_met_on: date | None
    terminated_since: date | None
    provisionally_applied_since: date | None
    parties: dict[str, PartyStatus]
    pending: tuple[str, ...]
    because: tuple[Reason, ...]
    rejected: tuple[Diagnostic, ...] = ()
    hypothetical: bool = False
    legal_form: str = "treaty"
    readings: tuple[Reading, ...] = ()
    """The status under each reading that disregards disputed acts (see disputes.py)."""
    known_on: date | None = None
    """The knowledge time asked about: only acts recorded by then count (None: all)."""
    not_yet_known: tuple[str, ...] = ()
    """With `known_on`: the acts dated by `as_of` but recorded after `known_on`, left out
    (their labels)."""

    @property
    def in_force(self) -> bool:
        return self.state == "in_force"

    def to_json(self) -> dict[str, Any]:
        def iso(day: date | None) -> str | None:
            return day.isoformat() if day else None

        return {
            "treaty": self.treaty,
            "title": self.title,
            "as_of": self.as_of.isoformat(),
            "state": self.state,
            "in_force": self.in_force,
            "in_force_since": iso(self.in_force_since),
            "conditions_met_on": iso(self.conditions_met_on),
            "terminated_since": iso(self.terminated_since),
            "provisionally_applied_since": iso(self.provisionally_applied_since),
            "hypothetical": self.hypothetical,
            "legal_form": self.legal_form,
            "parties": {code: p.to_json() for code, p in self.parties.items()},
            "pending": list(self.pending),
            "because": [r.to_json() for r in self.because],
            "rejected": [d.to_json() for d in self.rejected],
            **({"readings": [r.to_json() for r in self.readings]} if self.readings else {}),
            **({"known_on": self.known_on.isoformat(), "not_yet_known": list(
                self.not_yet_known)} if self.known_on is not None else {}),
        }


def status(treaty: Treaty, record: Record, as_of: DayOrTime, *,
           known_on: date | None = None, with_readings: bool = True) -> Status:
    """The treaty's state and every party's standing at the end of `as_of` (and, for
    disputed acts, under each reading that disregards them). With `known_on`, as the record
    stood at the end of that day: the law on `as_of` as known on `known_on` (the two times
    are independent: a later `known_on` can change an earlier `as_of`)."""
    if known_on is not None:
        known = status(treaty, record.as_known_on(known_on), as_of,
                       with_readings=with_readings)
        last = day_of(as_of)  # acts dated after as_of change nothing on it: not listed
        later = tuple(act.label for act in record.unknown_on(known_on) if act.day <= last)
        return replace(known, known_on=known_on, not_yet_known=later)
    day = day_of(as_of)
    ev = evaluate(treaty, record)
    snapshot = ev.snapshot(day)
    eif = treaty.entry_into_force
    clause = eif.article
    in_force_since = ev.in_force_since if ev.in_force_since and ev.in_force_since <= day else None
    terminated = ev.terminated_since if ev.terminated_since and ev.terminated_since <= day else None
    state: Literal["not_in_force", "in_force", "terminated"]
    state = "terminated" if terminated else "in_force" if in_force_since else "not_in_force"

    because: list[Reason] = []
    pending: list[str] = []
    met = ev.conditions_met_on if ev.conditions_met_on and ev.conditions_met_on <= day else None
    void = ev.void_since if ev.void_since and ev.void_since <= day else None
    if void is not None:
        because.append(Reason(f"null and void since {void}, never in force: {ev.void_reason}",
                              clause))
    elif met is None:
        because.append(Reason(
            f"not in force on {day}: the conditions for entry into force are not met "
            f"({describe(eif.when, snapshot)})", clause))
        gaps = shortfalls(eif.when, snapshot)
        if not gaps:
            # the rule holds (e.g. a `not` rule) but no act of the procedure has dated it yet
            gaps = ["the conditions hold, but entry into force is dated by an act of the "
                    "procedure, and none has been recorded yet"]
        pending.extend(gaps)
        pending.extend(_precondition_gaps(treaty, ev, day))
    else:
        completing = tuple(a.label for a in ev.completing_acts)
        because.append(Reason(
            f"the conditions for entry into force were met on {met} "
            f"({describe(eif.when, ev.snapshot(met))}), completed by "
            f"{join_words(_act_words(ev, a) for a in ev.completing_acts)}",
            clause, completing))
        assert ev.in_force_since is not None
        effect = eif.effective
        when = "on that day" if effect.is_zero else effect.describe()
        if ev.in_force_since != effect.after(met):  # the floor is later
            when = f"not before {ev.in_force_since}, the clause's floor; {when} would be " \
                   f"{effect.after(met)}"
        if in_force_since is None:
            pending.append(
                f"the conditions were met on {met}; it enters into force on "
                f"{ev.in_force_since} ({when})")
            because.append(Reason(f"it enters into force {when}: on {ev.in_force_since}", clause))
        else:
            because.append(Reason(f"in force since {in_force_since} ({when})", clause))
    if treaty.legal_form != "treaty":
        form = treaty.legal_form.replace("_", " ")
        because.append(Reason(
            f"legal form: {form}; 'bound' here means committed under the instrument's own "
            "terms" + (f" ({' '.join(treaty.legal_form_note.split())})"
                       if treaty.legal_form_note else "")))
    if terminated and ev.terminated_since and void is None:
        acts = (ev.termination_act.label,) if ev.termination_act else ()
        how = ("by a recorded act of termination" if ev.termination_act
               else "every party that was bound has withdrawn")
        because.append(Reason(f"terminated since {terminated}: {how}", None, acts))

    # what a signatory still has to deposit: any consent instrument but accession
    signatory_words = " or ".join(
        k for k in treaty.procedure if k in CONSENT_KINDS and k != "accession"
    ) or "ratification"
    parties: dict[str, PartyStatus] = {}
    for table in _party_tables(ev):
        party, reasons, party_gaps = table.on(day, state, signatory_words)
        if party is None:
            continue
        parties[party.code] = party
        because.extend(reasons)
        pending.extend(party_gaps)

    if ev.provisional_met_on and ev.provisional_met_on <= day and state == "not_in_force":
        pa = treaty.provisional_application
        assert pa is not None
        because.append(Reason(
            f"applied provisionally since {ev.provisional_met_on}: "
            f"{describe(pa.when, ev.snapshot(ev.provisional_met_on))}", pa.article))

    # ev.rejected is in record order, hence by day: take the prefix up to `day`
    not_counted = _not_counted(ev)
    upto = bisect_right(not_counted.days, day)
    rejected = not_counted.diagnostics[:upto]
    because.extend(not_counted.reasons[:upto])
    uses_scenario = ev.first_hypothetical_day is not None and ev.first_hypothetical_day <= day
    return Status(
        treaty=treaty.id,
        title=treaty.title,
        as_of=day,
        state=state,
        in_force_since=in_force_since,
        conditions_met_on=met,
        terminated_since=terminated,
        provisionally_applied_since=(
            ev.provisional_met_on if ev.provisional_met_on and ev.provisional_met_on <= day
            else None),
        parties=parties,
        pending=tuple(pending),
        because=tuple(because),
        rejected=tuple(record.rejected) + rejected,
        hypothetical=treaty.hypothetical or uses_scenario,
        legal_form=treaty.legal_form,
        readings=readings(record, day, lambda other: status(
            treaty, other, day, with_readings=False)) if with_readings else (),
    )


@dataclass(frozen=True, slots=True)
class _NotCounted:
    """The acts the pass did not count, by day, with their diagnostics and reasons."""

    days: tuple[date, ...]
    diagnostics: tuple[Diagnostic, ...]
    reasons: tuple[Reason, ...]


def _not_counted(ev: Evaluation) -> _NotCounted:
    found = ev.memo.get("status_not_counted")
    if not isinstance(found, _NotCounted):
        found = ev.memo["status_not_counted"] = _NotCounted(
            tuple(a.day for a, _ in ev.rejected),
            tuple(d for _, d in ev.rejected),
            tuple(Reason(d.message, None, (a.label,)) for a, d in ev.rejected))
    return found


class _PartyTable:
    """One party's standing, reasons and gaps, which change only on the days of its own
    acts and dates and of the treaty's (conditions met, entry into force, termination):
    worked out once per span between those days, when first asked for."""

    __slots__ = ("changes", "ev", "history", "spans")

    def __init__(self, ev: Evaluation, history: PartyHistory) -> None:
        self.ev, self.history = ev, history
        days = {history.provisional_since, ev.conditions_met_on, ev.in_force_since,
                ev.terminated_since, ev.dropped.get(history.code, (None,))[0],
                *life_days(history)}
        if history.signature is not None:
            days.add(history.signature.day)
        succession = ev.successions.get(history.code)
        if succession is not None:
            days.add(succession.effective)
        self.changes = tuple(sorted(d for d in days if d is not None))
        self.spans: dict[tuple[int, str], tuple[
            PartyStatus | None, tuple[Reason, ...], tuple[str, ...]]] = {}

    def on(self, day: date, state: str, consent_words: str) -> tuple[
            PartyStatus | None, tuple[Reason, ...], tuple[str, ...]]:
        key = (bisect_right(self.changes, day), state)
        found = self.spans.get(key)
        if found is None:
            found = self.spans[key] = self._work_out(day, state, consent_words)
        return found

    def _work_out(self, day: date, state: str, consent_words: str) -> tuple[
            PartyStatus | None, tuple[Reason, ...], tuple[str, ...]]:
        ev, history = self.ev, self.history
        party = succession_view(ev, history, _party_status(history, day), day)
        if not history.declared and party.standing == "none":
            return None, (), ()
        gaps = (_party_gaps(ev, history, party, consent_words, day) if state == "in_force"
                else [])
        if history.succession is not None or history.succeeded_on is not None:
            reasons = succession_reasons(ev, history, party, day)
        else:
            reasons = _party_reasons(ev, history, party, day)
        dropped = ev.dropped.get(history.code)
        if dropped is not None and dropped[0] <= day:
            gaps = []  # out of the treaty: nothing is pending for it
            reasons.append(Reason(f"{in_sentence(history.name, start=True)} dropped out on "
                                  f"{dropped[0]}: {dropped[1]}; the treaty proceeds without "
                                  "it and never binds it"))
        return party, tuple(reasons), tuple(gaps)


def _party_tables(ev: Evaluation) -> list[_PartyTable]:
    found = ev.memo.get("status_parties")
    if not isinstance(found, list):
        found = ev.memo["status_parties"] = [
            _PartyTable(ev, history) for history in ev.histories.values()]
    return found


def _act_words(ev: Evaluation, act: Act) -> str:
    if act.kind == "fact" and act.fact:
        return f"the fact established: {ev.treaty.facts[act.fact].description.rstrip('.')}"
    who = in_sentence(ev.party_name(act.party)) if act.party else "the parties"
    return f"the {act.kind.replace('_', ' ')} by {who}"


def _party_status(history: PartyHistory, day: date) -> PartyStatus:
    def upto(d: date | None) -> date | None:
        return d if d is not None and d <= day else None

    life = history.life_on(day)
    signed = upto(history.signature.day) if history.signature else None
    consent = life.consent_on(day)
    bound = upto(life.bound_since)
    provisional = upto(history.provisional_since)
    notice_act = life.notice_on(day)
    notice = notice_act.day if notice_act else None
    withdrawn = upto(life.withdrawn_since)
    standing: Standing
    if withdrawn:
        standing = "withdrawn"
    elif bound and notice:
        standing = "withdrawing"
    elif bound:
        standing = "bound"
    elif consent and consent.kind != "signature":
        standing = "consented"
    elif provisional:
        standing = "provisionally_applying"
    elif consent or signed:
        standing = "consented" if consent else "signatory"
    else:
        standing = "none"
    return PartyStatus(
        code=history.code,
        name=history.name,
        roles=history.roles,
        standing=standing,
        signed_on=signed,
        consent=(consent.kind, consent.day) if consent else None,
        bound_since=bound if not withdrawn else None,
        provisionally_applying_since=provisional if not bound else None,
        notice_given_on=notice,
        withdrawn_since=withdrawn,
        declared=history.declared,
        bound_periods=tuple(BoundPeriod(since, until) for since, until in periods_on(history, day)),
    )


def _party_reasons(
    ev: Evaluation, history: PartyHistory, party: PartyStatus, day: date
) -> list[Reason]:
    clause = ev.treaty.entry_into_force.article
    name = in_sentence(history.name, start=True)
    life = history.life_on(day)
    consent = life.consent_on(day)
    reasons = [Reason(*r) for r in earlier_life_reasons(ev, history, day)]
    span = life.period_on(day)
    period = BoundPeriod(*span) if span else None
    if period is not None and consent is not None:
        assert ev.conditions_met_on is not None
        act = _instrument_words(consent)
        late_after = ev.late_after
        assert late_after is not None
        after_eif = ev.treaty.entry_into_force.late_instruments_after == "entry_into_force"
        if consent.day <= ev.conditions_met_on:
            why = (f"{act} came by the day the conditions were met, so it is bound from "
                   "entry into force")
        elif consent.day <= late_after:
            why = (f"{act} came after the conditions were met but by entry into force, and "
                   "only instruments deposited after entry into force are late, so it is "
                   "bound from entry into force")
        else:
            late = ev.treaty.entry_into_force.late_instruments
            when = "on the day of its deposit" if late.is_zero else late.describe() + " deposit"
            point = "entry into force" if after_eif else "the conditions were met"
            why = (f"{act} came after {point}; for such instruments the "
                   f"treaty enters into force {when}")
        spans = (f"bound since {period.since}" if period.until is None
                 else f"was bound from {period.since} until {period.until}")
        reasons.append(Reason(f"{name} {spans}: {why}", clause, (consent.label,)))
    elif party.standing == "consented" and consent is not None:
        # the date it will be bound is stated only when already determined on `day`
        future = (f"; it will be bound from {life.bound_since}"
                  if life.bound_since and ev.conditions_met_on
                  and ev.conditions_met_on <= day else "")
        not_yet = ("the treaty is null and void and never binds it"
                   if ev.void_since is not None and ev.void_since <= day
                   else f"the treaty is not yet in force for it{future}")
        reasons.append(Reason(f"{name}: {_instrument_words(consent)}, but {not_yet}", clause,
                              (consent.label,)))
    notice = life.notice_on(day)
    if notice is not None and life.notice is notice:
        step = ev.treaty.procedure[notice.kind]
        effect = (f"takes effect on {life.withdrawn_since}" if party.withdrawn_since is None
                  else f"took effect on {party.withdrawn_since}")
        reasons.append(Reason(
            f"{name} gave notice of {notice.kind} on {party.notice_given_on}; it "
            f"{effect}" + (f" ({step.notice.describe()} notice)" if step.notice else ""),
            step.article, (notice.label,)))
    reasons.extend(Reason(*r) for r in revocation_reasons(ev, history, life, day))
    return reasons


def _instrument_words(act: Act) -> str:
    if act.kind == "signature":
        return f"its definitive signature of {act.day}"
    return f"its instrument of {act.kind} deposited on {act.day}"


def _party_gaps(
    ev: Evaluation, history: PartyHistory, party: PartyStatus, consent_words: str, day: date
) -> list[str]:
    name = in_sentence(history.name, start=True)
    provisional = (f" and applies it provisionally since {party.provisionally_applying_since}"
                   if party.standing == "provisionally_applying" else "")
    if party.standing in ("signatory", "provisionally_applying") and party.signed_on:
        return [f"{name} signed on {party.signed_on}{provisional} but has not deposited an "
                f"instrument of {consent_words}: it is not bound"]
    life = history.life_on(day)
    if party.standing == "consented" and life.bound_since:
        return [f"{name} is bound from {life.bound_since}"]
    return []


def _precondition_gaps(treaty: Treaty, ev: Evaluation, day: date) -> list[str]:
    gaps = []
    for kind, step in treaty.procedure.items():
        if not step.preconditions:
            continue
        missing = [f for f in step.preconditions if ev.facts.get(f, date.max) > day]
        done = any(d <= day for d in ev.first.get(kind, {}).values())
        if missing and not done:
            what = "the referendum" if kind == "referendum" else kind.replace("_", " ")
            if step.held_by:
                what += f" in {in_sentence(ev.party_name(step.held_by))}"
            gaps.append(f"{what} may take place only once this is established: "
                        + "; ".join(treaty.facts[f].description.rstrip(".") for f in missing))
    for name, spec in treaty.referendums.items():
        missing = [f for f in spec.preconditions if ev.facts.get(f, date.max) > day]
        held = any(v.day <= day for v in ev.referendums.get(name, []))
        if missing and not held:
            gaps.append(f"{ev.referendum_place(name)} may take place only once this is "
                        "established: "
                        + "; ".join(treaty.facts[f].description.rstrip(".") for f in missing))
    return gaps


def describe_record(record: Record) -> str:
    return f"{len(record.acts)} acts from {', '.join(record.files) or 'no file'}"
