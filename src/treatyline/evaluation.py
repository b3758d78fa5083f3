"""One pass over the record, in time order, that settles everything the status
and the timeline need: which acts count, when the entry-into-force conditions
were met, when each party became bound or withdrew.

The pass sorts the acts (O(n log n)) and applies each once; the entry-into-force
rule is evaluated once per distinct day until it holds. The result is cached
per (treaty, record) so that `status` queries at many dates cost little.
"""

from __future__ import annotations

import copy
import weakref
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from itertools import groupby

from .calendar import day_of
from .errors import Diagnostic
from .lives import (
    Life,
    begins_new_life,
    new_consent_conflict,
    place_of,
    revoke_consent,
    revoke_notice,
)
from .record import Act, Record
from .referendums import (
    Gate,
    ReferendumResult,
    closes_on,
    closing_words,
    declarations,
    gate_on,
    judge,
    opens_on,
    resolve,
)
from .regional import not_additional
from .rules import holds, shortfalls
from .spec.model import Treaty
from .spec.referendum_model import ReferendumDeclaration
from .spec.vocabulary import (
    CONSENT,
    CONSENT_KINDS,
    FACT_KIND,
    REVOCATION_KINDS,
    REVOCATION_OF_CONSENT,
    SUCCESSION,
    WITHDRAWAL_KINDS,
)
from .states import state_name
from .succession import (
    Succession,
    apply_succession,
    in_place_of_predecessors,
    settle_successions,
)

__all__ = ["DaySnapshot", "Evaluation", "PartyHistory", "evaluate", "in_sentence"]

_RANK = {
    FACT_KIND: 0,
    "signature": 1,
    "initialling": 1,
    "provisional_application": 2,
    **dict.fromkeys(CONSENT_KINDS, 3),
    "referendum": 4,
    **dict.fromkeys(WITHDRAWAL_KINDS, 5),
    # a revocation comes after what it revokes when both fall on one day
    **dict.fromkeys(REVOCATION_KINDS, 6),
    "termination": 7,
}
"""Order of acts within one day: a signature and a ratification on the same day
are both valid, in that order."""


def _within_day(act: Act) -> tuple[int, str, str, str, str, str]:
    moment = act.date
    # timed acts in UTC order, then untimed ones ("~" sorts after any digit)
    when = moment.astimezone(UTC).isoformat() if isinstance(moment, datetime) else "~"
    # last, the id: which of two like acts of one day a message names as the earlier must
    # not depend on the order of the files
    return (_RANK.get(act.kind, 9), when, act.party or "", act.kind, act.fact or "",
            act.id or "")


@dataclass
class PartyHistory:
    code: str
    name: str
    roles: tuple[str, ...]
    declared: bool = True
    signature: Act | None = None
    provisional: Act | None = None
    provisional_since: date | None = None
    succession: Act | None = None
    """The succession act by which it took over a former state's standing."""
    succeeded_on: date | None = None
    """The day its participation passed on to `successors` (a former state)."""
    successors: tuple[str, ...] = ()
    lives: list[Life] = field(default_factory=lambda: [Life()])
    """One per instrument of consent, in order; `consent`, `notice`, `bound_since` and
    `withdrawn_since` are those of the latest (see treatyline.lives)."""

    @property
    def is_definitive_signatory(self) -> bool:
        return self.consent is not None and self.consent.kind == "signature"

    @property
    def consent(self) -> Act | None:
        return self.lives[-1].consent

    @consent.setter
    def consent(self, act: Act | None) -> None:
        self.lives[-1].consent = act

    @property
    def notice(self) -> Act | None:
        return self.lives[-1].notice

    @notice.setter
    def notice(self, act: Act | None) -> None:
        self.lives[-1].notice = act

    @property
    def bound_since(self) -> date | None:
        return self.lives[-1].bound_since

    @bound_since.setter
    def bound_since(self, day: date | None) -> None:
        self.lives[-1].bound_since = day

    @property
    def withdrawn_since(self) -> date | None:
        return self.lives[-1].withdrawn_since

    @withdrawn_since.setter
    def withdrawn_since(self, day: date | None) -> None:
        self.lives[-1].withdrawn_since = day

    def life_on(self, day: date) -> Life:
        """The life that governs `day`: the latest begun by then (else the first)."""
        for life in reversed(self.lives):
            if life.starts_on_or_before(day):
                return life
        return self.lives[0]

    def bound_on(self, day: date) -> bool:
        return any(life.bound_on(day) for life in self.lives)


@dataclass
class Evaluation:
    treaty: Treaty
    record: Record
    histories: dict[str, PartyHistory]
    first: dict[str, dict[str, date]] = field(default_factory=lambda: defaultdict(dict))
    """act kind (and 'consent') → party → the first day it made a valid act of that kind"""
    referendums: dict[str, list[ReferendumResult]] = field(default_factory=dict)
    """declared referendum's name → its votes in time order"""
    void_since: date | None = None
    """The day the treaty became null and void before entering into force (a referendum
    whose rejection voids it, or its deadline passed); `terminated_since` is that day too."""
    void_reason: str | None = None
    dropped: dict[str, tuple[date, str]] = field(default_factory=dict)
    """Parties out of the treaty since a day (their referendum rejected it, drop_out)."""
    facts: dict[str, date] = field(default_factory=dict)
    joins: dict[str, dict[str, date]] = field(default_factory=lambda: defaultdict(dict))
    counted: list[Act] = field(default_factory=list)
    rejected: list[tuple[Act, Diagnostic]] = field(default_factory=list)
    first_hypothetical_day: date | None = None
    """The first day on which an invented (scenario) act counts."""
    conditions_met_on: date | None = None
    completing_acts: tuple[Act, ...] = ()
    lapses: dict[tuple[str, str], list[tuple[date, date | None]]] = field(default_factory=dict)
    """(act kind or 'consent', party) → the spans [from, until) during which the party's
    instrument of that kind does not count: it was revoked (revocation_of_consent), until
    a new one (None: still revoked)."""
    in_force_since: date | None = None
    provisional_met_on: date | None = None
    terminated_since: date | None = None
    termination_act: Act | None = None
    successions: dict[str, Succession] = field(default_factory=dict)
    """successor → its succession to a former state's participation"""
    ended: dict[str, date] = field(default_factory=dict)
    """former state → the day its participation passed on to its successors"""
    memo: dict[str, object] = field(default_factory=dict, repr=False, compare=False)
    """Caches of answers that change only on known days (see `status`), filled lazily."""

    def party_name(self, code: str) -> str:
        history = self.histories.get(code)
        return history.name if history else _state_name(code)

    @property
    def late_after(self) -> date | None:
        """The last day on which an instrument of consent is not late: the day the conditions
        were met, or the day of entry into force when the treaty names that trigger
        (`late_instruments_after: entry_into_force`, "subsequent to the entry into force")."""
        if self.treaty.entry_into_force.late_instruments_after == "entry_into_force":
            return self.in_force_since
        return self.conditions_met_on

    def bound_since_for(self, consent_day: date) -> date | None:
        """When an instrument of consent deposited on `consent_day` binds its party: from
        entry into force if it came on or before the trigger point (`late_after`), else the
        `late_instruments` period after its deposit, and never before entry into force.
        The only place the late-instrument rule is applied."""
        late_after = self.late_after
        if late_after is None or self.in_force_since is None:
            return None
        if consent_day <= late_after:
            return self.in_force_since
        late = self.treaty.entry_into_force.late_instruments.after(consent_day)
        return max(self.in_force_since, late)

    def snapshot(self, day: date) -> DaySnapshot:
        """What the rules see at the end of `day`. A snapshot changes only on the days some
        act or date it is built from falls on: one is built per such span (when first asked
        for) and shared, re-dated, by the days of that span."""
        changes = self.memo.get("snapshot_days")
        if changes is None:
            changes = self.memo["snapshot_days"] = self._snapshot_days()
        assert isinstance(changes, tuple)
        span = bisect_right(changes, day)
        built = self.memo.setdefault("snapshots", {})
        assert isinstance(built, dict)
        base = built.get(span)
        if base is None:
            if len(built) >= _SNAPSHOTS_KEPT:
                del built[next(iter(built))]  # the oldest
            base = built[span] = DaySnapshot.at(self, day)
        if base.day == day:
            return base
        return base.redated(day)

    def _snapshot_days(self) -> tuple[date, ...]:
        days: set[date] = set(self.facts.values())
        for parties in (*self.first.values(), *self.joins.values()):
            days.update(parties.values())
        for results in self.referendums.values():
            days.update(r.day for r in results)
        days.update(d for d, _ in self.dropped.values())
        days.update(spec.deadline + _ONE_DAY for spec in self.referendum_declarations.values()
                    if spec.deadline is not None)
        for h in self.histories.values():
            for life in h.lives:
                days.update(d for d in (life.bound_since, life.withdrawn_since) if d is not None)
        for spans in self.lapses.values():
            days.update(d for span in spans for d in span if d is not None)
        return tuple(sorted(days))


    @property
    def referendum_declarations(self) -> dict[str, ReferendumDeclaration]:
        found = self.memo.get("referendum_declarations")
        if not isinstance(found, dict):
            found = self.memo["referendum_declarations"] = declarations(self.treaty)
        return found

    def referendum_place(self, name: str) -> str:
        """'the referendum in Northern Ireland': where the declared referendum is held."""
        spec = self.referendum_declarations[name]
        place = in_sentence(self.party_name(spec.held_by))
        if spec.jurisdiction and spec.jurisdiction != spec.held_by:
            import pycountry  # only here: subdivisions are a large table

            found = pycountry.subdivisions.get(code=spec.jurisdiction)  # type: ignore[no-untyped-call]
            place = str(found.name) if found is not None else spec.jurisdiction
        return f"the referendum in {place}"

    def referendum_gate(self, key: str, day: date, facts: dict[str, date]) -> Gate:
        name = resolve(self.referendum_declarations, key)
        if name is None:
            return Gate(False, (f"no referendum named {key!r} is declared",))
        spec = self.referendum_declarations[name]

        def fact_text(fact: str) -> str:
            declared = self.treaty.facts.get(fact)
            return declared.description if declared else fact

        return gate_on(spec, self.referendums.get(name, []), facts, day,
                       self.referendum_place(name), in_sentence(self.party_name(spec.held_by)),
                       fact_text)


_ONE_DAY = timedelta(days=1)
_SNAPSHOTS_KEPT = 64
"""Snapshots an evaluation keeps for re-use (each holds a few sets of party codes)."""

_DEFINITE_ARTICLE = frozenset({
    "United Kingdom", "United States", "Netherlands", "Russian Federation", "Czech Republic",
    "Dominican Republic", "Philippines", "Bahamas", "Gambia", "United Arab Emirates",
    "Central African Republic", "Holy See", "Comoros", "Maldives", "Marshall Islands",
    "Solomon Islands", "Seychelles", "Sudan", "Democratic Republic of the Congo",
    "Union of Soviet Socialist Republics",
})


def in_sentence(name: str, *, start: bool = False) -> str:
    """A country name as running text needs it: 'the United Kingdom', 'France'."""
    if name in _DEFINITE_ARTICLE:
        return ("The " if start else "the ") + name
    return name


def _state_name(code: str) -> str:
    return state_name(code) or code


class DaySnapshot:
    """What the rules see on one day; built incrementally in the pass, or at a date."""

    def __init__(self, evaluation: Evaluation, day: date) -> None:
        self.evaluation = evaluation
        self.day = day
        treaty = evaluation.treaty
        self._with: dict[str, set[str]] = defaultdict(set)
        self._joined: dict[str, set[str]] = defaultdict(set)
        self._facts: dict[str, date] = {}
        self._bound: set[str] | None = None
        """Who is bound on `day`, fixed by `at`; None during the pass, which works it out
        from the acts applied so far (see `_bound_now`)."""
        self._declared = frozenset(p.code for p in treaty.parties)
        self._states = frozenset(p.code for p in treaty.parties if p.kind == "state")
        self._static: dict[str, frozenset[str]] = {}
        for name, group in treaty.groups.items():
            by_role = {p.code for p in treaty.parties if set(p.roles) & set(group.roles)}
            self._static[name] = frozenset(group.members) | by_role
        consent_kinds = [k for k in treaty.procedure if k in CONSENT_KINDS]
        if treaty.procedure.get("signature") and treaty.procedure["signature"].definitive:
            consent_kinds.insert(0, "definitive signature")
        self._consent_words = " or ".join(consent_kinds) or "consent to be bound"

    def redated(self, day: date) -> DaySnapshot:
        """The same view, dated `day` (read-only use: the sets are shared)."""
        other = copy.copy(self)
        other.day = day
        return other

    @classmethod
    def at(cls, evaluation: Evaluation, day: date) -> DaySnapshot:
        snap = cls(evaluation, day)
        for kind, parties in evaluation.first.items():
            snap._with[kind] = {p for p, d in parties.items() if d <= day}
        for (kind, party), spans in evaluation.lapses.items():
            if any(start <= day and (end is None or day < end) for start, end in spans):
                snap._with[kind].discard(party)
        for group, parties in evaluation.joins.items():
            snap._joined[group] = {p for p, d in parties.items() if d <= day}
        snap._facts = {f: d for f, d in evaluation.facts.items() if d <= day}
        snap._bound = {code for code, h in evaluation.histories.items() if h.bound_on(day)}
        return snap

    # --- incremental updates during the pass -------------------------------------------

    def note_act(self, kind: str, party: str) -> None:
        self._with[kind].add(party)

    def note_join(self, group: str, party: str) -> None:
        self._joined[group].add(party)

    def note_fact(self, fact: str, day: date) -> None:
        self._facts.setdefault(fact, day)

    def note_revoked(self, kind: str, party: str) -> None:
        self._with[kind].discard(party)

    # --- the Snapshot protocol ------------------------------------------------------------

    def parties_with(self, kinds: Sequence[str]) -> frozenset[str]:
        if len(kinds) == 1:
            return self._less_ended(frozenset(self._with.get(kinds[0], ())))
        found: set[str] = set()
        for kind in kinds:
            found |= self._with.get(kind, set())
        return self._less_ended(frozenset(found))

    def _less_ended(self, found: frozenset[str]) -> frozenset[str]:
        """Without the former states whose participation had passed to successors by
        `day` (their successors are counted instead)."""
        ended = self.evaluation.ended
        if not ended:
            return found
        return found - {code for code, day in ended.items() if day <= self.day}

    def _undeclared(self) -> frozenset[str]:
        """States not declared in the treaty that have acted in the procedure by `day` (a
        treaty open to all states)."""
        new = self.evaluation.record.new_parties
        if not new:
            return frozenset(self._with.get("accession", ()))
        acted = (self._with.get(CONSENT, set()) | self._with.get("signature", set())
                 | self._with.get("accession", set()))
        return frozenset(acted - self._declared)

    def members(self, group: str) -> frozenset[str]:
        found = self._members(group)
        dropped = self.evaluation.dropped
        if dropped:  # a party whose referendum took it out is no longer counted anywhere
            found = found - {p for p, (d, _) in dropped.items() if d <= self.day}
        return found

    def _members(self, group: str) -> frozenset[str]:
        if group in self._static:
            found = self._static[group] | frozenset(self._joined.get(group, ()))
            return in_place_of_predecessors(self.evaluation, found, self.day)
        if group == "parties":
            return self._less_ended(self._declared | self._undeclared())
        if group == "states":
            return self._less_ended(self._states | self._undeclared())
        if group == "signatories":
            return self.parties_with(("signature",))
        if group == "consenting":
            return self.parties_with((CONSENT,))
        if group == "bound":
            return frozenset(self._bound) if self._bound is not None else self._bound_now()
        return frozenset()

    def _bound_now(self) -> frozenset[str]:
        """During the pass: the parties whose instrument of consent, applied so far, binds
        them on `day` (the treaty in force for them, no withdrawal in effect)."""
        ev = self.evaluation
        found: set[str] = set()
        for code in self._with.get(CONSENT, ()):
            history = ev.histories[code]
            if history.consent is None:
                continue
            since = ev.bound_since_for(history.consent.day)
            withdrawn = history.withdrawn_since
            if since is not None and since <= self.day and (withdrawn is None
                                                            or withdrawn > self.day):
                found.add(code)
        if found and ev.referendum_declarations:  # not bound while its own vote is pending
            for name, spec in ev.referendum_declarations.items():
                opened = opens_on(spec, ev.referendums.get(name, []), self._facts)
                if spec.held_by in found and (opened is None or opened > self.day):
                    found.discard(spec.held_by)
        return frozenset(found)

    def not_additional(self, parties: frozenset[str]) -> frozenset[str]:
        treaty = self.evaluation.treaty
        if not treaty.regional_organisations:
            return frozenset()
        return not_additional(treaty, parties, self.members, self.is_group)

    def is_group(self, name: str) -> bool:
        return name in self._static or name in {"parties", "states", "signatories",
                                                 "consenting", "bound"}

    def weight(self, party: str, key: str) -> float:
        return self.evaluation.treaty.weight(party, key)

    def referendum_gate(self, key: str) -> Gate:
        return self.evaluation.referendum_gate(key, self.day, self._facts)

    def referendum_place(self, key: str) -> str:
        ev = self.evaluation
        name = resolve(ev.referendum_declarations, key)
        return ev.referendum_place(name) if name is not None else f"the referendum {key}"

    def fact_day(self, fact: str) -> date | None:
        return self._facts.get(fact)

    def name(self, party: str) -> str:
        return in_sentence(self.evaluation.party_name(party))

    def fact_text(self, fact: str) -> str:
        declared = self.evaluation.treaty.facts.get(fact)
        return declared.description if declared else fact

    def kind_words(self, kinds: Sequence[str]) -> str:
        words = [self._consent_words if k == CONSENT else k.replace("_", " ") for k in kinds]
        return " or ".join(words)

    def group_words(self, group: str) -> str:
        declared = self.evaluation.treaty.groups.get(group)
        if declared is not None and declared.title:
            return declared.title
        if group == "bound":
            return "parties bound"  # 'needs 1 more instrument ... by parties bound'
        return group.replace("_", " ")


# --- the pass --------------------------------------------------------------------------------

_CACHE: weakref.WeakKeyDictionary[Record, dict[int, Evaluation]] = weakref.WeakKeyDictionary()


def evaluate(treaty: Treaty, record: Record) -> Evaluation:
    """Settle the record against the treaty (cached per treaty and record)."""
    per_record = _CACHE.setdefault(record, {})
    cached = per_record.get(id(treaty))
    if cached is not None and cached.treaty is treaty:
        return cached
    evaluation = _Pass(treaty, record).run()
    per_record[id(treaty)] = evaluation
    return evaluation


class _Pass:
    def __init__(self, treaty: Treaty, record: Record) -> None:
        self.treaty = treaty
        histories = {
            p.code: PartyHistory(p.code, p.name or _state_name(p.code), p.roles)
            for p in treaty.parties
        }
        for code, name in record.new_parties.items():
            histories.setdefault(code, PartyHistory(code, name, (), declared=False))
        self.ev = Evaluation(treaty, record, histories)
        self.snap = DaySnapshot(self.ev, date.min)
        self._on_hold: list[Act] = []
        """The day's acts refused because their step's `only_when` did not hold."""

    def run(self) -> Evaluation:
        ev, eif = self.ev, self.treaty.entry_into_force
        pa = self.treaty.provisional_application
        for day, same_day in groupby(ev.record.acts, key=lambda a: a.day):
            self.snap.day = day
            # same-day acts are simultaneous: order them by meaning, never by file position
            todays = sorted(same_day, key=_within_day)
            accepted: list[Act] = []
            refused: dict[int, tuple[Act, str]] = {}
            self._on_hold = []
            for act in todays:
                self._try(act, accepted, refused)
            self._close_referendums(day)
            procedural = [a for a in accepted if a.kind in self.treaty.procedure
                          or a.kind in (FACT_KIND, "referendum")]
            if procedural and ev.void_since is None:  # negotiation etc. date nothing
                if ev.conditions_met_on is None and holds(eif.when, self.snap):
                    ev.conditions_met_on = day
                    ev.in_force_since = eif.in_force_from(day, self.treaty.adopted)
                    ev.completing_acts = tuple(procedural)
                    if ev.in_force_since == day:
                        self._retry_on_entry_into_force(accepted, refused)
                if (pa is not None and ev.provisional_met_on is None
                        and holds(pa.when, self.snap)):
                    ev.provisional_met_on = day
            ev.rejected.extend((act, Diagnostic(problem, act.position))
                               for act, problem in refused.values())
        self._close_referendums(date.max)  # a deadline after the last act
        self._settle_parties()
        settle_successions(ev)
        return ev

    def _try(self, act: Act, accepted: list[Act], refused: dict[int, tuple[Act, str]]) -> None:
        problem = self._apply(act)
        if problem is None:
            self.ev.counted.append(act)
            accepted.append(act)
            refused.pop(id(act), None)
            if act.hypothetical and self.ev.first_hypothetical_day is None:
                self.ev.first_hypothetical_day = act.day
        else:
            refused[id(act)] = (act, problem)

    def _retry_on_entry_into_force(
        self, accepted: list[Act], refused: dict[int, tuple[Act, str]]
    ) -> None:
        """The treaty entered into force today, binding parties from today: the acts of the
        day whose `only_when` did not hold before (e.g. accession once the treaty is in
        force) are applied again, until none more counts. Nothing was applied of them."""
        while self._on_hold:
            waiting, self._on_hold = self._on_hold, []
            before = len(accepted)
            for act in waiting:
                self._try(act, accepted, refused)
            if len(accepted) == before:
                break

    def _apply(self, act: Act) -> str | None:
        """Apply one act; return why it does not count, or None when it does."""
        ev, treaty = self.ev, self.treaty
        if act.kind == FACT_KIND and act.fact is not None:
            ev.facts.setdefault(act.fact, act.day)
            self.snap.note_fact(act.fact, act.day)
            return None
        step = treaty.procedure.get(act.kind)
        if act.kind in REVOCATION_KINDS:
            return self._apply_revocation(act, step.article if step else None)
        if step is None and act.kind == "referendum" and act.party is not None:
            return self._apply_referendum(act, act.party, [])  # declared under referendums:
        if step is None:
            return None  # negotiation, monitoring and custom acts do not change the status
        if act.kind == SUCCESSION:
            return apply_succession(ev, self.snap, act)
        if act.kind == "termination":
            if ev.in_force_since is None or act.day < ev.in_force_since:
                return f"termination on {act.day} does not count: the treaty is not in force"
            if ev.terminated_since is None:
                ev.terminated_since, ev.termination_act = act.day, act
            return None
        party = act.party
        assert party is not None
        history = ev.histories[party]
        clause = f" ({step.article})" if step.article else ""
        name = in_sentence(history.name)
        not_acceded = self._not_acceded(act, history)
        if not_acceded:
            return not_acceded
        for needed in step.requires:
            done = ev.first.get(needed, {}).get(party)
            if done is None or done > act.day:
                return (f"{act.kind} by {name} on {act.day} does not count: the procedure"
                        f"{clause} requires {needed.replace('_', ' ')} by {name} first, and "
                        "none is recorded on or before that day")
        if step.only_when is not None and not holds(step.only_when, self.snap):
            self._on_hold.append(act)
            gaps = "; ".join(shortfalls(step.only_when, self.snap))
            return (f"{act.kind} by {name} on {act.day} does not count: the procedure{clause} "
                    f"requires first: {gaps}")
        missing = [f for f in step.preconditions if ev.facts.get(f, date.max) > act.day]
        if act.kind == "referendum":
            return self._apply_referendum(act, party, missing)
        if missing:
            texts = "; ".join(treaty.facts[f].description.rstrip(".") for f in missing)
            return (f"{act.kind} by {name} on {act.day} does not count: its precondition"
                    f"{clause} was not established by then: {texts}")
        if act.kind in WITHDRAWAL_KINDS:
            return self._apply_withdrawal(act, history, clause)
        is_consent = act.kind in CONSENT_KINDS or (act.kind == "signature" and step.definitive)
        if is_consent:
            life = history.lives[-1]
            bound = ev.bound_since_for(life.consent.day) if life.consent else None
            conflict = new_consent_conflict(life, act, name, bound)
            if conflict:
                return conflict
        elif history.withdrawn_since is not None or history.notice is not None:
            return f"{act.kind} by {name} on {act.day} does not count: {name} has withdrawn"
        open_to = step.open_to
        if open_to not in (None, "any_state") and party not in self.snap.members(str(open_to)):
            kind = act.kind.replace("_", " ")
            return (f"{kind} by {name} on {act.day} does not count: {kind}{clause} "
                    f"is open only to {str(open_to).replace('_', ' ')}")
        self._note(act.kind, party, act.day)
        if act.kind == "signature" and history.signature is None:
            history.signature = act
        if act.kind == "provisional_application" and history.provisional is None:
            history.provisional = act
        if is_consent:
            self._open_life(history, act)
        if act.kind == "accession":
            for group in step.joins:
                ev.joins[group].setdefault(party, act.day)
                self.snap.note_join(group, party)
                if not history.declared:
                    history.roles = (*history.roles, f"joined {group.replace('_', ' ')}")
        return None

    def _note(self, kind: str, party: str, day: date) -> None:
        self.ev.first[kind].setdefault(party, day)
        self.snap.note_act(kind, party)

    # --- a party's lives (see treatyline.lives) -------------------------------------------

    def _not_acceded(self, act: Act, history: PartyHistory) -> str | None:
        """A state the treaty does not declare takes part only by acceding (open_to:
        any_state); once it has, its later acts count like any party's. A treaty open to
        all states (open_to: all_states), or a step open to any state, needs no accession."""
        if history.declared or act.kind in ("accession", SUCCESSION):
            return None
        step = self.treaty.procedure.get(act.kind)
        if self.treaty.open_to == "all_states" or (
                step is not None and step.open_to == "any_state"):
            return None
        acceded = self.ev.first.get("accession", {}).get(history.code)
        if acceded is not None and acceded <= act.day:
            return None
        name = in_sentence(history.name)
        return (f"{act.kind.replace('_', ' ')} by {name} on {act.day} does not count: {name} "
                "is not declared in the treaty and had not acceded by then")

    def _open_life(self, history: PartyHistory, act: Act) -> None:
        """Count an instrument of consent: the party's first, or a new one after its last
        ended (withdrawal in effect, or consent revoked), which begins a new life; a further
        one while the first awaits entry into force leaves the life as it is."""
        self._note(CONSENT, history.code, act.day)
        if begins_new_life(history.lives[-1], act):
            history.lives.append(Life())
        elif history.consent is not None:
            history.lives[-1].further.append(act)  # while the first awaits entry into force
            return
        history.consent = act
        for kind in (act.kind, CONSENT):  # a revoked instrument counts again from today
            spans = self.ev.lapses.get((kind, history.code))
            if spans and spans[-1][1] is None:
                spans[-1] = (spans[-1][0], act.day)

    def _apply_revocation(self, act: Act, article: str | None) -> str | None:
        party = act.party
        assert party is not None
        ev, history = self.ev, self.ev.histories[party]
        not_acceded = self._not_acceded(act, history)
        if not_acceded:
            return not_acceded
        life, name = history.lives[-1], in_sentence(history.name)
        if act.kind != REVOCATION_OF_CONSENT:
            notice = life.notice
            step = self.treaty.procedure.get(notice.kind) if notice else None
            clause = f" ({step.article})" if step and step.article else ""
            return revoke_notice(life, act, name, clause)
        bound = ev.bound_since_for(life.consent.day) if life.consent else None
        problem = revoke_consent(life, act, name, bound)
        if problem is None and life.consent is not None:
            kinds = dict.fromkeys([life.consent.kind, *(a.kind for a in life.further), CONSENT])
            for kind in kinds:
                ev.lapses.setdefault((kind, party), []).append((act.day, None))
                self.snap.note_revoked(kind, party)
        return problem

    def _apply_referendum(self, act: Act, party: str, missing: list[str]) -> str | None:
        ev = self.ev
        name = resolve(ev.referendum_declarations, act.referendum or party)
        if name is None:  # the record's checks name the problem; never counted
            return f"the referendum of {act.day} does not count: no declared referendum fits it"
        spec = ev.referendum_declarations[name]
        missing = [*missing, *(f for f in spec.preconditions
                               if ev.facts.get(f, date.max) > act.day)]
        result = judge(spec, act.day, act.yes_share or 0.0, act.turnout, act.yes_of_electorate,
                       not missing, act.label)
        ev.referendums.setdefault(name, []).append(result)
        self._note("referendum", party, act.day)
        if missing:
            texts = "; ".join(self.treaty.facts[f].description.rstrip(".") for f in missing)
            return (f"the referendum of {act.day} does not count: it was held before its "
                    f"precondition was established: {texts}")
        return None

    def _close_referendums(self, day: date) -> None:
        """A referendum that closed the treaty's way for good by `day`: the treaty is null
        and void, or (drop_out) its holder is out and the others proceed."""
        ev = self.ev
        for name, spec in ev.referendum_declarations.items():
            votes = ev.referendums.get(name, [])
            closed = closes_on(spec, votes, opens_on(spec, votes, ev.facts))
            if closed is None or closed > day or spec.held_by in ev.dropped:
                continue
            if ev.in_force_since is not None and ev.in_force_since <= closed:
                continue  # already in force: a later failure undoes nothing
            why = closing_words(spec, votes, closed, ev.referendum_place(name))
            if spec.on_rejection == "drop_out":
                ev.dropped[spec.held_by] = (closed, why)
            elif ev.void_since is None:
                ev.void_since, ev.void_reason, ev.terminated_since = closed, why, closed
                ev.conditions_met_on = ev.in_force_since = None  # met, but void before it
                ev.completing_acts = ()

    def _referendum_openings(self) -> dict[str, date | None]:
        """Party → the day its own referendums let its consent bind it (None: never yet).
        A parliament may ratify before the vote; the party is bound only once it passes."""
        ev = self.ev
        openings: dict[str, date | None] = {}
        for name, spec in ev.referendum_declarations.items():
            opened = opens_on(spec, ev.referendums.get(name, []), ev.facts)
            earlier = openings.get(spec.held_by, date.min)
            openings[spec.held_by] = (None if opened is None or earlier is None
                                      else max(opened, earlier))
        return openings

    def _apply_withdrawal(self, act: Act, history: PartyHistory, clause: str) -> str | None:
        step = self.treaty.procedure[act.kind]
        ev, name = self.ev, in_sentence(history.name)
        life = history.lives[-1]
        bound = (
            ev.bound_since_for(life.consent.day)
            if life.consent is not None and life.consent_revoked is None else None
        )
        if bound is None or bound > act.day:
            return f"{act.kind} by {name} on {act.day} does not count: {name} is not bound"
        if life.notice is not None and life.withdrawn_since is not None:
            if life.withdrawn_since <= act.day:
                return (f"{act.kind} by {name} on {act.day} does not count: {name} is not "
                        f"bound: its withdrawal took effect on {life.withdrawn_since}")
            return (f"{act.kind} by {name} on {act.day} does not count: notice was already "
                    f"given on {life.notice.day} ({place_of(life.notice)})")
        if step.not_before is not None and ev.in_force_since is not None:
            per_party = step.not_before_from == "entry_into_force_for_party"
            start = bound if per_party else ev.in_force_since
            earliest = step.not_before.after(start)
            if act.day < earliest:
                counted = f"its entry into force for {name} on {start}" if per_party else \
                    f"entry into force on {start}"
                return (f"{act.kind} by {name} on {act.day} does not count: notice may be given "
                        f"only from {earliest}{clause}, {step.not_before.describe()} {counted}")
        history.notice = act
        history.withdrawn_since = step.notice.after(act.day) if step.notice else act.day
        if act.effective is not None and step.later_date_allowed:
            # "or on such later date as may be specified in the notification": the clause's
            # date is the floor
            history.withdrawn_since = max(history.withdrawn_since, day_of(act.effective))
        self._note(act.kind, history.code, act.day)
        return None

    def _settle_parties(self) -> None:
        ev = self.ev
        openings = self._referendum_openings()
        for history in ev.histories.values():
            for life in history.lives:
                if life.consent is not None and life.consent_revoked is None:
                    life.bound_since = ev.bound_since_for(life.consent.day)
                    if history.code in openings and life.bound_since is not None:
                        # bound only once its own referendums let its consent bind it
                        opened = openings[history.code]
                        life.bound_since = None if opened is None else max(
                            life.bound_since, opened)
                withdrawn, bound = life.withdrawn_since, life.bound_since
                if bound is not None and withdrawn is not None and withdrawn <= bound:
                    life.bound_since = None  # withdrew before the treaty bound it
            starts = [history.provisional.day] if history.provisional else []
            pa = self.treaty.provisional_application
            if (pa is not None and ev.provisional_met_on is not None
                    and history.code in _members_at(ev, pa.applies_to, date.max)):
                joined = ev.first.get("signature", {}).get(history.code, ev.provisional_met_on)
                if pa.applies_to != "signatories":
                    joined = ev.provisional_met_on
                starts.append(max(ev.provisional_met_on, joined))
            history.provisional_since = min(starts) if starts else None
        if ev.in_force_since is not None and ev.terminated_since is None:
            ends = [life.withdrawn_since for h in ev.histories.values() for life in h.lives
                    if life.bound_since is not None]
            if ends and all(end is not None for end in ends):
                ev.terminated_since = max(end for end in ends if end is not None)


def _members_at(ev: Evaluation, group: str, day: date) -> frozenset[str]:
    return DaySnapshot.at(ev, day).members(group)


def acts_on(record: Record, day: date) -> Iterator[Act]:
    return (a for a in record.acts if a.day == day)
