"""What the pass over the record settles, and the view the rules have of it on one day.

`evaluate(treaty, record)` runs the pass (treatyline.evaluation_pass): one walk over the
acts in time order that settles everything the status and the timeline need: which acts
count, when the entry-into-force conditions were met, when each party became bound or
withdrew. The result is an `Evaluation`; `DaySnapshot` is what the rules see of it on one
day. The result is cached per (treaty, record) so that `status` queries at many dates cost
little, and a record made by `Record.appended` is evaluated by resuming the pass of the
record it extends (see treatyline.evaluation_pass).
"""

from __future__ import annotations

import copy
import threading
from bisect import bisect_right
from collections import OrderedDict, defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from .errors import Diagnostic
from .lives import Life
from .record import Act, Record
from .referendums import (
    Gate,
    ReferendumResult,
    declarations,
    gate_on,
    opens_on,
    resolve,
)
from .regional import not_additional
from .spec.model import Treaty
from .spec.referendum_model import ReferendumDeclaration
from .spec.vocabulary import CONSENT, CONSENT_KINDS
from .states import state_name
from .succession import Succession, in_place_of_predecessors

__all__ = ["DaySnapshot", "Evaluation", "PartyHistory", "evaluate", "in_sentence", "remember"]


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

    def forked(self) -> PartyHistory:
        """A copy for a fork of the pass (see treatyline.evaluation_pass): its lives are
        copies, to change without changing these; the acts are shared (immutable)."""
        other = object.__new__(PartyHistory)
        other.__dict__.update(self.__dict__)
        other.lives = [_forked_life(life) for life in self.lives]
        return other


def _forked_life(life: Life) -> Life:
    other = object.__new__(Life)  # 4x faster than dataclasses.replace; a fork copies many
    fields = other.__dict__
    fields.update(life.__dict__)
    fields["further"], fields["revoked_notices"] = list(life.further), list(life.revoked_notices)
    return other


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

    def forked(self, evaluation: Evaluation) -> DaySnapshot:
        """A copy for a fork of the pass (see treatyline.evaluation_pass), seeing
        `evaluation`: the sets the pass adds to are copies, the treaty's are shared."""
        if self._bound is not None:
            raise ValueError("only the pass's own snapshot is forked")
        other = copy.copy(self)
        other.evaluation = evaluation
        other._with = defaultdict(set, {kind: set(found) for kind, found in self._with.items()})
        other._joined = defaultdict(set, {group: set(found)
                                          for group, found in self._joined.items()})
        other._facts = dict(self._facts)
        return other


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



# --- the cache -------------------------------------------------------------------------------

_CACHE: OrderedDict[Record, dict[int, Evaluation]] = OrderedDict()
"""record → id(treaty) → its evaluation, for the records evaluated last (the least recently
used first). Bounded: an evaluation refers to its record, so a cache keyed weakly by the
record would keep every record it ever saw alive (a depositary makes one per deposit)."""
_RECORDS_KEPT = 32
_CACHE_LOCK = threading.Lock()


def evaluate(treaty: Treaty, record: Record) -> Evaluation:
    """Settle the record against the treaty (cached per treaty and record). A record made by
    `Record.appended` from one evaluated already is settled by resuming that one's pass."""
    cached = cached_evaluation(treaty, record)
    if cached is not None:
        return cached
    from .evaluation_pass import run_pass  # the pass is built on this module's classes

    evaluation = run_pass(treaty, record)
    remember(evaluation)
    return evaluation


def remember(evaluation: Evaluation) -> None:
    """Put an evaluation (back) in the cache, as the most recently used: one its caller
    kept alive, so that `evaluate` finds it again however many records were evaluated
    since (a server keeps the evaluation of the record it answers from; a depositary
    evaluates one record per deposit, 32 of which evicted it)."""
    with _CACHE_LOCK:
        per_record = _CACHE.get(evaluation.record)
        if per_record is None:
            per_record = _CACHE[evaluation.record] = {}
        _CACHE.move_to_end(evaluation.record)
        per_record[id(evaluation.treaty)] = evaluation
        while len(_CACHE) > _RECORDS_KEPT:
            _CACHE.popitem(last=False)


def cached_evaluation(treaty: Treaty, record: Record) -> Evaluation | None:
    """The evaluation of `record` against `treaty` if it is in the cache (not computed)."""
    with _CACHE_LOCK:
        per_record = _CACHE.get(record)
        if per_record is None:
            return None
        _CACHE.move_to_end(record)
        found = per_record.get(id(treaty))
    return found if found is not None and found.treaty is treaty else None


def acts_on(record: Record, day: date) -> Iterator[Act]:
    return (a for a in record.acts if a.day == day)
