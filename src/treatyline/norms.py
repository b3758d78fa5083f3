"""Provisions evaluated over time: obligations triggered by incidents, prohibitions,
conditions between acts — each result with its bearer, dates, state and trace.

Incidents are handled as columns (NumPy): filtering by kind, actor, target and
time, and membership of the trigger's area, are whole-array operations; only
the occasions that result (few) and their bearers are handled one by one.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal, Protocol

import numpy as np
import numpy.typing as npt

from .calendar import DateRangeError, Offset
from .commitments import CommitmentResult
from .errors import Diagnostic
from .evaluation import Evaluation, evaluate, in_sentence
from .event_warnings import EventWarning
from .norm_events import EventArrays, EventColumns, event_columns
from .record import Act, Record
from .spec.model import Provision, Treaty, Trigger
from .status import Reason

__all__ = [
    "Assessment",
    "EventArrays",
    "EventColumns",
    "Obligation",
    "ObligationState",
    "Occasion",
    "ScopeOracle",
    "SetAside",
    "Violation",
    "assess",
    "event_columns",
]

ObligationState = Literal["pending", "fulfilled", "violated", "discharged", "blocked"]
"""pending: due, deadline not passed; fulfilled: a fulfilling act by the bearer in time;
violated: the deadline passed without one (a late act is noted); discharged: the treaty
ceased to be in force for the bearer first; blocked: under a unanimity rule, a bearer objected."""

Reading = str | None


class ScopeOracle(Protocol):
    """Area membership, as the territory engine answers it."""

    def readings(self, area: str) -> list[str]: ...
    def membership(
        self,
        area: str,
        lons: npt.NDArray[np.float64],
        lats: npt.NDArray[np.float64],
        radius_km: npt.NDArray[np.float64],
        *,
        reading: str | None = None,
        as_of: date | None = None,
    ) -> npt.NDArray[np.int8]: ...


@dataclass(frozen=True)
class Occasion:
    """Incidents within one window that set off one provision once."""

    id: str
    provision: str
    day: date
    incidents: tuple[str, ...]
    covered_under: tuple[Reading, ...]
    """The readings of the area under which at least one incident is certainly inside."""
    readings: tuple[Reading, ...]
    hypothetical: bool = False
    targets: tuple[str, ...] = ()
    """The parties attacked: they are owed the obligation, so they do not bear it."""

    @property
    def depends_on_reading(self) -> bool:
        return set(self.covered_under) != set(self.readings)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "provision": self.provision,
            "date": self.day.isoformat(),
            "incidents": list(self.incidents),
            "covered_under": list(self.covered_under),
            "readings": list(self.readings),
            "depends_on_reading": self.depends_on_reading,
            "hypothetical": self.hypothetical,
            "targets": list(self.targets),
        }


@dataclass(frozen=True)
class Obligation:
    provision: str
    title: str
    clause: str | None
    bearer: str
    bearer_name: str
    occasion: str
    due_from: date
    deadline: date | None
    state: ObligationState
    decision_rule: str | None
    fulfilled_on: date | None = None
    fulfilling_act: str | None = None
    under_other_rule: ObligationState | None = None
    """The state the other decision rule (individual / unanimous) would give, if different."""
    only_under: tuple[str, ...] = ()
    """When the occasion is covered under some readings of a disputed area only: those."""
    because: tuple[Reason, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "provision": self.provision,
            "title": self.title,
            "clause": self.clause,
            "bearer": self.bearer,
            "bearer_name": self.bearer_name,
            "occasion": self.occasion,
            "due_from": self.due_from.isoformat(),
            "deadline": self.deadline.isoformat() if self.deadline else None,
            "state": self.state,
            "decision_rule": self.decision_rule,
            "fulfilled_on": self.fulfilled_on.isoformat() if self.fulfilled_on else None,
            "fulfilling_act": self.fulfilling_act,
            "under_other_rule": self.under_other_rule,
            "only_under_readings": list(self.only_under),
            "because": [r.to_json() for r in self.because],
        }


@dataclass(frozen=True)
class Violation:
    provision: str
    kind: Literal["prohibition", "condition"]
    party: str | None
    day: date
    act: str
    message: str
    clause: str | None = None
    because: tuple[Reason, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "provision": self.provision,
            "kind": self.kind,
            "party": self.party,
            "date": self.day.isoformat(),
            "act": self.act,
            "message": self.message,
            "clause": self.clause,
            "because": [r.to_json() for r in self.because],
        }


@dataclass(frozen=True)
class SetAside:
    """Incidents that matched a trigger's kind, actor and target but set nothing off."""

    provision: str
    reason: str
    count: int
    examples: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {"provision": self.provision, "reason": self.reason, "count": self.count,
                "examples": list(self.examples)}


@dataclass(frozen=True)
class Assessment:
    treaty: str
    as_of: date
    obligations: tuple[Obligation, ...]
    occasions: tuple[Occasion, ...]
    violations: tuple[Violation, ...]
    set_aside: tuple[SetAside, ...]
    reading_dependent: tuple[str, ...]
    """Incidents whose coverage depends on which reading of an area is taken."""
    events_rejected: tuple[Diagnostic, ...] = ()
    events_read: int = 0
    notes: tuple[str, ...] = field(default=())
    commitments: tuple[CommitmentResult, ...] = ()
    """Commitments measured on the same events (see treatyline.commitments)."""
    events_warnings: tuple[EventWarning, ...] = ()
    """What the readers and the whole-file checks found worth knowing about the events."""

    def to_json(self) -> dict[str, Any]:
        return {
            "treaty": self.treaty,
            "as_of": self.as_of.isoformat(),
            "events_read": self.events_read,
            "obligations": [o.to_json() for o in self.obligations],
            "occasions": [o.to_json() for o in self.occasions],
            "violations": [v.to_json() for v in self.violations],
            "set_aside": [s.to_json() for s in self.set_aside],
            "reading_dependent": list(self.reading_dependent),
            "events_rejected": [d.to_json() for d in self.events_rejected],
            "warnings": [w.to_json() for w in self.events_warnings],
            "notes": list(self.notes),
            "commitments": [c.to_json() for c in self.commitments],
        }


# --- the assessment ------------------------------------------------------------------------


def assess(
    treaty: Treaty,
    record: Record,
    as_of: date,
    *,
    events: EventColumns | None = None,
    scope: ScopeOracle | None = None,
    events_rejected: Sequence[Diagnostic] = (),
) -> Assessment:
    """Every obligation, violation and breach of a condition as of `as_of`."""
    ev = evaluate(treaty, record)
    acts = [a for a in ev.counted if a.day <= as_of]
    occasions: list[Occasion] = []
    obligations: list[Obligation] = []
    set_aside: list[SetAside] = []
    dependent: dict[str, None] = {}
    notes: list[str] = []
    by_id = {p.id: p for p in treaty.provisions}
    for provision in treaty.provisions:
        if provision.kind != "obligation" or provision.trigger is None:
            continue
        if events is None:
            notes.append(f"{provision.id}: no event data given, so no incident was assessed")
            continue
        if provision.trigger.area is not None and scope is None:
            raise ValueError("a trigger with an area needs the territory engine (scope)")
        found, aside, reading_dependent = _occasions(ev, provision, provision.trigger, events,
                                                     scope, as_of)
        occasions.extend(found)
        set_aside.extend(aside)
        dependent.update(dict.fromkeys(reading_dependent))
        instances = [o for occasion in found for o in _instances(ev, provision, occasion, acts,
                                                                 as_of)]
        obligations.extend(instances)
        obligations.extend(_chained(ev, by_id, provision, instances, acts, as_of))
    violations = [*_prohibitions(ev, acts), *_conditions(ev, acts)]
    return Assessment(
        treaty=treaty.id,
        as_of=as_of,
        obligations=tuple(obligations),
        occasions=tuple(occasions),
        violations=tuple(sorted(violations, key=lambda v: v.day)),
        set_aside=tuple(set_aside),
        reading_dependent=tuple(dependent),
        events_rejected=tuple(events_rejected),
        events_read=0 if events is None else len(events),
        notes=tuple(notes),
    )


def _is_bound(ev: Evaluation, party: str, day: date) -> bool:
    history = ev.histories.get(party)
    return history is not None and history.bound_on(day)


def _bearers(ev: Evaluation, provision: Provision, day: date) -> list[str]:
    """The provision's bearers for whom the treaty is in force on `day`."""
    snapshot = ev.snapshot(day)
    named: list[str] = []
    for name in provision.bearers:
        named.extend(sorted(snapshot.members(name)) if snapshot.is_group(name) else [name])
    return [p for p in dict.fromkeys(named) if _is_bound(ev, p, day)]


def _to_date(value: np.datetime64) -> date:
    result = value.astype("datetime64[D]").astype(object)
    assert isinstance(result, date)
    return result


def _matches_actor(events: EventColumns, wanted: Sequence[str],
                   ev: Evaluation) -> npt.NDArray[np.bool_]:
    """Actor filter: a party code matches an actor name containing the party's name or code."""
    if not wanted:
        return np.ones(len(events), dtype=bool)
    needles = list(dict.fromkeys(needle for code in wanted
                                 for needle in (code.lower(), ev.party_name(code).lower())))
    return events.actor_mask(needles)


def _occasions(
    ev: Evaluation,
    provision: Provision,
    trigger: Trigger,
    events: EventColumns,
    scope: ScopeOracle | None,
    as_of: date,
) -> tuple[list[Occasion], list[SetAside], list[str]]:
    days = events.days.astype("datetime64[D]", copy=False)
    known = days <= np.datetime64(as_of)
    candidate = known & events.kind_mask(trigger.incidents)
    candidate &= _matches_actor(events, trigger.actors, ev)
    if trigger.target is not None:
        candidate &= events.target_mask(trigger.target)
    index = np.flatnonzero(candidate)
    aside: list[SetAside] = []

    def put_aside(reason: str, rows: npt.NDArray[np.intp]) -> None:
        if len(rows):
            examples = tuple(str(i) for i in events.ids[rows[:5]])
            aside.append(SetAside(provision.id, reason, len(rows), examples))

    wanted = [", ".join(trigger.incidents)]
    if trigger.actors:
        wanted.append("by " + ", ".join(trigger.actors))
    if trigger.target:
        wanted.append(f"against {trigger.target}")
    put_aside(f"not a trigger: the trigger wants {'; '.join(wanted)}",
              np.flatnonzero(known & ~candidate))

    readings: list[Reading] = [None]
    certain = np.ones((1, len(index)), dtype=bool)
    unsure = np.zeros((1, len(index)), dtype=bool)
    if trigger.area is not None and scope is not None and len(index):
        readings = list(scope.readings(trigger.area)) or [None]
        member = np.stack([
            events.placements.membership(scope, trigger.area, index, reading=r, as_of=as_of)
            for r in readings
        ])
        certain, unsure = member == 1, member == -1
    covered_any = certain.any(axis=0)
    outside_all = ~covered_any & ~unsure.any(axis=0)
    where = f"outside {trigger.area.replace('_', ' ')}" if trigger.area else ""
    put_aside(f"{where} under every reading" if len(readings) > 1 else where,
              index[outside_all])
    put_aside("location too imprecise to tell whether it is inside "
              f"{(trigger.area or '').replace('_', ' ')} (undetermined)",
              index[~covered_any & ~outside_all])
    differs = (certain != certain[0]).any(axis=0) | unsure.any(axis=0) & covered_any
    reading_dependent = [str(i) for i in events.ids[index[differs]]] if len(readings) > 1 else []

    covered = index[covered_any]
    order = np.argsort(days[covered], kind="stable")
    covered = covered[order]
    cover_rows = np.flatnonzero(covered_any)[order]
    covered_days, on_day = np.unique(days[covered], return_inverse=True)
    bound_on = np.array([bool(_bearers(ev, provision, _to_date(d))) for d in covered_days],
                        dtype=bool)
    in_force = bound_on[on_day.reshape(-1)] if len(covered) else np.zeros(0, dtype=bool)
    put_aside("the treaty was not in force for any bearer on that day", covered[~in_force])
    covered, cover_rows = covered[in_force], cover_rows[in_force]
    sorted_days = days[covered]

    occasions: list[Occasion] = []
    start = 0
    while start < len(covered):
        first_day = _to_date(sorted_days[start])
        end_day = _after(trigger.window, first_day)
        # the incidents before the window's end day (they are in day order)
        stop = max(int(np.searchsorted(sorted_days, np.datetime64(end_day, "D"))), start + 1)
        rows = cover_rows[start:stop]
        under = tuple(r for k, r in enumerate(readings) if certain[k, rows].any())
        occasions.append(Occasion(
            id=f"{provision.id}#{len(occasions) + 1}",
            provision=provision.id,
            day=first_day,
            incidents=tuple(str(i) for i in events.ids[covered[start:stop]]),
            covered_under=under,
            readings=tuple(readings),
            hypothetical=bool(events.hypothetical[covered[start:stop]].any()),
            targets=tuple(sorted({str(t) for t in events.targets[covered[start:stop]] if t})),
        ))
        start = stop
    return occasions, aside, reading_dependent


def _after(offset: Offset, day: date) -> date:
    """The day `offset` leads to from `day`; the last day of the calendar when it lies
    beyond it (a deadline that far away cannot pass before any as-of date)."""
    try:
        return offset.after(day)
    except DateRangeError:
        return date.max


def _fulfilment(acts: Iterable[Act], kinds: Sequence[str], bearer: str, start: date) -> Act | None:
    """The first act of these kinds by (or with) the bearer on or after `start`."""
    for act in acts:
        if act.kind in kinds and act.day >= start and bearer in act.actors():
            return act
    return None


def _objection(acts: Iterable[Act], bearers: Sequence[str], start: date,
               end: date | None) -> Act | None:
    for act in acts:
        if (act.kind == "objection" and act.day >= start and (end is None or act.day <= end)
                and any(b in act.actors() for b in bearers)):
            return act
    return None


def _state(
    ev: Evaluation, bearer: str, due_from: date, deadline: date | None, done: Act | None,
    blocked_by: Act | None, as_of: date,
) -> ObligationState:
    if blocked_by is not None:
        return "blocked"
    if done is not None and (deadline is None or done.day <= deadline):
        return "fulfilled"
    history = ev.histories[bearer]
    ended = history.withdrawn_since
    if ev.terminated_since is not None and (ended is None or ev.terminated_since < ended):
        ended = ev.terminated_since
    if ended is not None and ended <= as_of and (deadline is None or ended <= deadline):
        return "discharged"
    if deadline is not None and as_of > deadline:
        return "violated"
    return "pending"


def _instances(
    ev: Evaluation, provision: Provision, occasion: Occasion, acts: Sequence[Act], as_of: date,
) -> list[Obligation]:
    bearers = [b for b in _bearers(ev, provision, occasion.day) if b not in occasion.targets]
    return _make(ev, provision, occasion, bearers, occasion.day, acts, as_of,
                 Reason(f"occasion {occasion.id} on {occasion.day}: incident(s) "
                        f"{', '.join(occasion.incidents[:5])}"
                        + ("…" if len(occasion.incidents) > 5 else "")
                        + _coverage_words(occasion), provision.article, occasion.incidents[:5]))


def _coverage_words(occasion: Occasion) -> str:
    if occasion.readings == (None,):
        return ""
    under = ", ".join(str(r) for r in occasion.covered_under)
    if occasion.depends_on_reading:
        return f"; covered only under the reading(s): {under}"
    return f"; covered under every reading ({under})"


def _make(
    ev: Evaluation, provision: Provision, occasion: Occasion, bearers: Sequence[str],
    due_from: date, acts: Sequence[Act], as_of: date, trigger_reason: Reason,
) -> list[Obligation]:
    deadline = _after(provision.deadline, due_from) if provision.deadline else None
    rule = provision.decision_rule
    only_under = tuple(str(r) for r in occasion.covered_under if r is not None) \
        if occasion.depends_on_reading else ()
    objection = _objection(acts, bearers, occasion.day, deadline or as_of)
    out: list[Obligation] = []
    for bearer in bearers:
        done = _fulfilment(acts, provision.fulfilled_by, bearer, due_from)
        individual = _state(ev, bearer, due_from, deadline, done, None, as_of)
        unanimous = _state(ev, bearer, due_from, deadline, done, objection, as_of)
        state = unanimous if rule == "unanimous" else individual
        other = individual if rule == "unanimous" else unanimous
        name = in_sentence(ev.party_name(bearer), start=True)
        reasons = [trigger_reason, Reason(
            f"{name} was bound on {occasion.day}, so it bears {provision.id}", None)]
        when = f"by {deadline}" if deadline else "with no deadline"
        if done is not None and state == "fulfilled":
            reasons.append(Reason(f"fulfilled on {done.day} by a {done.kind} ({when})",
                                  provision.article, (done.label,)))
        elif done is not None:
            reasons.append(Reason(f"a {done.kind} on {done.day} came after the deadline "
                                  f"({deadline})", provision.article, (done.label,)))
        elif state == "violated":
            reasons.append(Reason(f"no {' or '.join(provision.fulfilled_by) or 'fulfilling act'}"
                                  f" by {ev.party_name(bearer)} from {due_from} to {deadline}",
                                  provision.article))
        elif state == "pending":
            reasons.append(Reason(f"due from {due_from}, {when}", provision.article))
        elif state == "discharged":
            reasons.append(Reason("the treaty ceased to be in force for the bearer before the "
                                  "deadline", None))
        if objection is not None:
            who = ev.party_name(objection.party) if objection.party else "a bearer"
            effect = ("blocks it for every bearer" if rule == "unanimous"
                      else "does not relieve the others: each bearer owes it individually")
            reasons.append(Reason(f"{who} objected on {objection.day}; under the "
                                  f"{rule or 'individual'} rule this {effect}", None,
                                  (objection.label,)))
        out.append(Obligation(
            provision=provision.id,
            title=provision.title or provision.duty or provision.id,
            clause=provision.article,
            bearer=bearer,
            bearer_name=ev.party_name(bearer),
            occasion=occasion.id,
            due_from=due_from,
            deadline=deadline,
            state=state,
            decision_rule=rule,
            fulfilled_on=done.day if done else None,
            fulfilling_act=done.label if done else None,
            under_other_rule=other if rule is not None and other != state else None,
            only_under=only_under,
            because=tuple(reasons),
        ))
    return out


def _chained(
    ev: Evaluation, by_id: dict[str, Provision], root: Provision, instances: list[Obligation],
    acts: Sequence[Act], as_of: date,
) -> list[Obligation]:
    """Obligations that follow `root` (assistance after consultation), transitively."""
    out: list[Obligation] = []
    frontier = [(root, instances)]
    while frontier:
        parent, parent_instances = frontier.pop()
        for child in (p for p in by_id.values() if p.after == parent.id):
            made: list[Obligation] = []
            for occasion_id in dict.fromkeys(o.occasion for o in parent_instances):
                group = [o for o in parent_instances if o.occasion == occasion_id]
                due = group[0].deadline or group[0].due_from
                readings: tuple[Reading, ...] = group[0].only_under or (None,)
                occasion = Occasion(occasion_id, parent.id, group[0].due_from, (),
                                    readings, (None, *readings) if group[0].only_under
                                    else readings)
                reason = Reason(f"follows {parent.id}: due when its period ended on {due}",
                                child.article)
                made.extend(_make(ev, child, occasion, [o.bearer for o in group], due, acts,
                                  as_of, reason))
            out.extend(made)
            frontier.append((child, made))
    return out


def _prohibitions(ev: Evaluation, acts: Sequence[Act]) -> list[Violation]:
    out: list[Violation] = []
    for provision in ev.treaty.provisions:
        if provision.kind != "prohibition" or not provision.forbids:
            continue
        for act in acts:
            if act.kind not in provision.forbids or act.party is None:
                continue
            if act.party not in _named(ev, provision.bearers, act.day):
                continue
            name = in_sentence(ev.party_name(act.party), start=True)
            if _is_bound(ev, act.party, act.day):
                out.append(Violation(
                    provision.id, "prohibition", act.party, act.day, act.label,
                    f"{name}: {act.kind.replace('_', ' ')} on {act.day}, forbidden by "
                    f"{provision.id} while it is bound", provision.article,
                    (Reason(f"{name} was bound on {act.day}", None, (act.label,)),)))
    return out


def _named(ev: Evaluation, names: Sequence[str], day: date) -> set[str]:
    snapshot = ev.snapshot(day)
    found: set[str] = set()
    for name in names:
        found |= set(snapshot.members(name)) if snapshot.is_group(name) else {name}
    return found


def _conditions(ev: Evaluation, acts: Sequence[Act]) -> list[Violation]:
    out: list[Violation] = []
    for provision in ev.treaty.provisions:
        if provision.kind != "condition" or not provision.governs:
            continue
        for act in acts:
            if act.kind not in provision.governs:
                continue
            missing: list[str] = []
            for required in provision.requires_acts:
                who = sorted(_named(ev, required.by, act.day)) if required.by else []
                prior = [a for a in acts if a.kind == required.kind and a.day <= act.day]
                if not who:
                    if not prior:
                        missing.append(f"a {required.kind} by any party")
                    continue
                for party in who:
                    if not any(party in a.actors() for a in prior):
                        missing.append(f"{required.kind} by {in_sentence(ev.party_name(party))}")
            if missing:
                out.append(Violation(
                    provision.id, "condition", act.party, act.day, act.label,
                    f"{act.kind.replace('_', ' ')} on {act.day} without the prior "
                    f"{'; '.join(missing)}", provision.article,
                    (Reason(f"{provision.id}: a {act.kind} only after "
                            + "; ".join(r.kind for r in provision.requires_acts),
                            provision.article, (act.label,)),)))
    return out
