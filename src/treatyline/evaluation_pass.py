"""The pass over the record: the acts applied day by day in time order (see
treatyline.evaluation for what it settles), then the settlement of what only the whole
record decides (a referendum deadline after the last act, when each party is bound, the
successors' standing).

The pass can be resumed. After the days of a record it keeps, unsettled, its state before
the last day and after it (`Resumable`, in the evaluation's memo); a record made from that
one by `Record.appended` is then evaluated from a fork of one of them (the containers the
pass adds to copied, the acts shared: they are immutable), settled apart:

- acts added after the last day: from the state after it, applying the new days only;
- acts added on the last day (a batch received in one day): from the state before it,
  applying that day again with all its acts (acts of one day are simultaneous);
- an act dated on one of the KEPT_DAYS days before the last (`Resumable.earlier`): from
  the state before that day, applying the days from it again;
- an act dated earlier still, or new parties the state cannot take in as the full pass
  would: the full pass.

Either way the evaluation is exactly the full pass's (tests/test_evaluation_resume.py): the
state after a day depends only on the acts up to that day, and the settlement is made on a
fork, never on the state kept. A deposit on a ledger of 20,000 entries thus costs its own
day, not the 20,000 acts before it.
"""

from __future__ import annotations

import operator
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime
from itertools import groupby
from typing import Any

from .calendar import day_of
from .errors import Diagnostic
from .evaluation import (
    DaySnapshot,
    Evaluation,
    PartyHistory,
    cached_evaluation,
    in_sentence,
)
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
    closes_on,
    closing_words,
    judge,
    opens_on,
    resolve,
)
from .rules import holds, shortfalls
from .spec.model import Treaty
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
from .succession import apply_succession, settle_successions

__all__ = ["Resumable", "run_pass"]

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


class _Pass:
    """The pass over one record: its evaluation (unsettled until `settled`) and what the
    rules see on the day being applied."""

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

    def forked(self, record: Record) -> _Pass | None:
        """A copy of this pass (see the module's docstring) that goes on with `record`,
        which holds the acts applied so far in the same places; None when `record`'s new
        parties do not extend this one's as the full pass would take them in."""
        ev = self.ev
        histories = {code: history.forked() for code, history in ev.histories.items()}
        if not _take_in_parties(histories, ev.record.new_parties, record.new_parties):
            return None
        values = {name: _FORK[name](getattr(ev, name)) for name in _FIELDS}
        values["record"], values["histories"] = record, histories
        other = object.__new__(_Pass)
        other.treaty = self.treaty
        other.ev = Evaluation(**values)
        other.snap = self.snap.forked(other.ev)
        other._on_hold = []
        return other

    def days(self, acts: Sequence[Act], start: int, stop: int) -> None:
        """Apply the acts `acts[start:stop]`, whole days in time order."""
        if start >= stop:
            return
        chosen = acts if start == 0 and stop == len(acts) else acts[start:stop]
        for day, same_day in groupby(chosen, key=_DAY):
            self._day(day, same_day)

    def settled(self) -> Evaluation:
        """The evaluation, with what only the whole record decides settled (a referendum
        deadline after the last act, when each party is bound, the successors' standing).
        Settled on a copy of what the settlement changes (the parties' histories, the
        parties dropped out, the memo): the rest is shared with this pass, which may be
        kept to fork (see `Resumable`) but must not apply more acts."""
        ev = self.ev
        values = {name: getattr(ev, name) for name in _FIELDS}
        values["histories"] = {code: history.forked() for code, history in ev.histories.items()}
        values["dropped"], values["memo"] = dict(ev.dropped), _pass_memo(ev.memo)
        settling = object.__new__(_Pass)
        settling.treaty, settling.ev, settling._on_hold = self.treaty, Evaluation(**values), []
        settling.snap = self.snap  # unused: the settlement reads the evaluation only
        settling._close_referendums(date.max)  # a deadline after the last act
        settling._settle_parties()
        settle_successions(settling.ev)
        return settling.ev

    def _day(self, day: date, same_day: Iterable[Act]) -> None:
        ev, eif = self.ev, self.treaty.entry_into_force
        pa = self.treaty.provisional_application
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


def _state_name(code: str) -> str:
    return state_name(code) or code


def _take_in_parties(histories: dict[str, PartyHistory], kept: Mapping[str, str],
                     new: Mapping[str, str]) -> bool:
    """Add to a fork's `histories` (made for the new parties `kept`) the parties `new`
    adds; False when the full pass of a record with `new` would differ: the states not
    declared in the treaty would come in another order or under another name, or the
    snapshot would count them otherwise on the days applied (it does when a record has
    none at all)."""
    if bool(kept) != bool(new):
        return False
    undeclared = [code for code, history in histories.items() if not history.declared]
    coming = [code for code in new
              if code not in histories or not histories[code].declared]
    if coming[:len(undeclared)] != undeclared:
        return False
    if any(histories[code].name != new[code] for code in undeclared):
        return False
    for code in coming[len(undeclared):]:
        histories[code] = PartyHistory(code, new[code], (), declared=False)
    return True


# --- running, keeping, resuming -----------------------------------------------------------

_RESUMABLE = "resumable"
"""The key of an evaluation's memo that holds its pass's `Resumable` state."""
_DAY = operator.attrgetter("day")


KEPT_DAYS = 8
"""How many days before the last a pass keeps its state before (see `Resumable.earlier`)."""


@dataclass(frozen=True, slots=True)
class Resumable:
    """The pass of a record kept unsettled, to resume for a record appended to it. Both
    states are only ever forked, never run or settled themselves."""

    before_last: _Pass
    """After every day before the record's last (the state as it began, without acts)."""
    last_start: int
    """The index in the record's acts of the first act of its last day."""
    after_last: _Pass
    """After every day."""
    earlier: tuple[tuple[int, _Pass], ...] = ()
    """The state before each of up to KEPT_DAYS days before the last (the index of the
    day's first act, the state), in order: an act back-dated by a few days resumes from
    the one of its day. Concurrent deposits arrive a little out of the order of their
    dates: under serve_bench's load (50 deposits in flight) about half were dated before
    the log's last day, and each cost the full pass (7.7 ms at 5,000 acts, against
    0.15 ms for an act of the last day or after)."""

    def starts(self) -> tuple[tuple[int, _Pass], ...]:
        """Every state kept before a day, in order (the last day's last)."""
        return (*self.earlier, (self.last_start, self.before_last))


def run_pass(treaty: Treaty, record: Record) -> Evaluation:
    """The evaluation of `record`: resumed from the pass of the record it was appended to
    when that one's is kept and can be resumed, else the full pass."""
    resumed = _resumed(treaty, record)
    return resumed if resumed is not None else _full_pass(treaty, record)


def _full_pass(treaty: Treaty, record: Record) -> Evaluation:
    return _run_from(_Pass(treaty, record), record, 0, ())


def _resumed(treaty: Treaty, record: Record) -> Evaluation | None:
    made_from = record.appended_to
    if made_from is None:
        return None
    base, added = made_from
    found = cached_evaluation(treaty, base)
    kept = found.memo.get(_RESUMABLE) if found is not None else None
    if not isinstance(kept, Resumable):
        return None
    first = min(map(_DAY, added), default=None)
    if not base.acts or (first is not None and first > base.acts[-1].day):
        start, at = kept.after_last, len(base.acts)  # the new days only
        inherited = kept.starts() if base.acts else ()
    else:
        # from the state before the latest kept day on or before the first act added (the
        # acts before that day are the same, in the same places); none: the full pass
        starts = kept.starts()
        chosen = len(starts) - 1
        while chosen >= 0 and first is not None and base.acts[starts[chosen][0]].day > first:
            chosen -= 1
        if chosen < 0:
            return None
        at, start = starts[chosen]
        inherited = starts[:chosen]
    run = start.forked(record)
    if run is None:
        return None
    return _run_from(run, record, at, inherited, start)


def _run_from(run: _Pass, record: Record, at: int, inherited: tuple[tuple[int, _Pass], ...],
              start: _Pass | None = None) -> Evaluation:
    """`run` (the state before the act at `at`; `start` if it is that state's unchanged
    fork) taken through the rest of the record's acts, and settled, keeping the states
    before its last days (`inherited`: those kept before `at`)."""
    acts = record.acts
    last = _last_day_start(acts, at)
    earlier = list(inherited)
    starts = _day_starts(acts, at, last, KEPT_DAYS)
    run.days(acts, at, starts[0] if starts else last)
    for number, begins in enumerate(starts):
        ends = starts[number + 1] if number + 1 < len(starts) else last
        fork = run.forked(record)
        assert fork is not None  # the same record's parties
        earlier.append((begins, fork))
        run.days(acts, begins, ends)
    before = start if last == at and start is not None else run.forked(record)
    assert before is not None  # the same record's parties
    run.days(acts, last, len(acts))
    evaluation = run.settled()
    evaluation.memo[_RESUMABLE] = Resumable(before, last, run, tuple(earlier[-KEPT_DAYS:]))
    return evaluation


def _day_starts(acts: Sequence[Act], low: int, high: int, count: int) -> list[int]:
    """The indices of the first acts of the last `count` days among `acts[low:high]` (all
    of them if fewer), in order."""
    found: list[int] = []
    index = high
    while index > low and len(found) < count:
        day = acts[index - 1].day
        index -= 1
        while index > low and acts[index - 1].day == day:
            index -= 1
        found.append(index)
    return found[::-1]


def _last_day_start(acts: Sequence[Act], low: int) -> int:
    """The index of the first act of the last day among `acts[low:]` (`len(acts)` when
    there is none)."""
    if len(acts) <= low:
        return len(acts)
    last = acts[-1].day
    index = len(acts) - 1
    while index > low and acts[index - 1].day == last:
        index -= 1
    return index


def _same(value: Any) -> Any:
    return value


def _inner_dicts(value: Any) -> Any:
    return defaultdict(dict, {key: dict(inner) for key, inner in value.items()})


def _inner_lists(value: Any) -> Any:
    return {key: list(inner) for key, inner in value.items()}


def _pass_memo(value: Any) -> Any:
    # what the pass itself asks for (depends on the treaty only); the rest is for queries
    return {key: found for key, found in value.items() if key == "referendum_declarations"}


_FORK: Mapping[str, Callable[[Any], Any]] = {
    "treaty": _same, "record": _same, "histories": _same,  # both made anew
    "first": _inner_dicts, "referendums": _inner_lists, "void_since": _same,
    "void_reason": _same, "dropped": dict, "facts": dict, "joins": _inner_dicts,
    "counted": list, "rejected": list, "first_hypothetical_day": _same,
    "conditions_met_on": _same, "completing_acts": _same, "lapses": _inner_lists,
    "in_force_since": _same, "provisional_met_on": _same, "terminated_since": _same,
    "termination_act": _same, "successions": dict, "ended": dict, "memo": _pass_memo,
}
"""How a fork copies each field of the evaluation: the containers the pass changes, one
level down where it changes the inner ones. A field missing here stops the fork (KeyError):
a new field must say how it is copied (and, if the settlement changes it, be copied by
`_Pass.settled` too)."""
_FIELDS = tuple(found.name for found in fields(Evaluation))
