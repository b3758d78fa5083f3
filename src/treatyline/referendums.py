"""Referendums as they really happen: what one vote decided, and whether the
referendum a treaty depends on has opened its way, is still pending, or has closed
it for good (the treaty null and void, or the holding party out).

Pure functions of the declarations (`Treaty.referendums`, or the older single
`procedure.referendum` step) and the votes recorded so far; the evaluation pass
calls them, the rules read their `Gate`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from .spec.model import Treaty
from .spec.referendum_model import ReferendumApproval, ReferendumDeclaration

__all__ = [
    "Gate",
    "Outcome",
    "ReferendumResult",
    "closes_on",
    "declarations",
    "judge",
    "opens_on",
    "resolve",
]

Outcome = Literal["approved", "rejected", "inconclusive"]
"""approved; rejected (a majority against, or a binding vote below its quorum);
inconclusive (a consultative vote below its quorum: it gives no advice either way)."""


@dataclass(frozen=True, slots=True)
class ReferendumResult:
    """What one recorded vote decided."""

    day: date
    approved: bool
    yes_share: float
    turnout: float | None
    counts: bool
    """False when the vote was held before its preconditions were established."""
    act_label: str
    required: str = "more than 50% yes"
    """The approval rule in words."""
    outcome: Outcome = "rejected"
    why: str = ""
    """Why it did not approve, when it did not (a missed quorum, a majority against)."""


@dataclass(frozen=True, slots=True)
class Gate:
    """Where one declared referendum stands on a day."""

    open: bool
    gaps: tuple[str, ...] = ()
    """What is missing, in plain words, when it is not open."""


def declarations(treaty: Treaty) -> dict[str, ReferendumDeclaration]:
    """Every referendum the treaty declares, by name. The older form (a `referendum` step
    with `held_by` and `approval`) is one declaration named after its holder."""
    found = dict(treaty.referendums)
    step = treaty.procedure.get("referendum")
    if step is not None and step.held_by is not None and not found:
        approval = (ReferendumApproval(**step.approval.model_dump())
                    if step.approval is not None else ReferendumApproval())
        found[step.held_by] = ReferendumDeclaration(
            held_by=step.held_by, approval=approval, article=step.article)
    return found


def resolve(declared: Mapping[str, ReferendumDeclaration], key: str) -> str | None:
    """The declared referendum a rule or an act names: by its name, or by the party that
    holds it when that party holds exactly one."""
    if key in declared:
        return key
    held = [name for name, spec in declared.items() if spec.held_by == key]
    return held[0] if len(held) == 1 else None


def required_words(approval: ReferendumApproval, spec: ReferendumDeclaration) -> str:
    relation = "more than" if approval.yes_share_strictly_more else "at least"
    words = f"{relation} {approval.yes_share_at_least:.0%} yes"
    if _quorum_applies(spec):
        if approval.turnout_at_least is not None:
            words += f" and a turnout of at least {approval.turnout_at_least:.0%}"
        if approval.yes_of_electorate_at_least is not None:
            words += (f" and yes votes of at least {approval.yes_of_electorate_at_least:.0%} "
                      "of the electorate")
    return words


def _quorum_applies(spec: ReferendumDeclaration) -> bool:
    return not spec.approval.quorum_only_if_binding or spec.binding is True


def judge(spec: ReferendumDeclaration, day: date, yes_share: float, turnout: float | None,
          yes_of_electorate: float | None, counts: bool, label: str) -> ReferendumResult:
    """The outcome of one vote under its declaration's rule."""
    approval = spec.approval
    majority = (yes_share > approval.yes_share_at_least if approval.yes_share_strictly_more
                else yes_share >= approval.yes_share_at_least)
    missed: list[str] = []
    if _quorum_applies(spec):
        if approval.turnout_at_least is not None and (turnout or 0.0) < approval.turnout_at_least:
            missed.append(f"turnout {turnout or 0.0:.1%} below the quorum of "
                          f"{approval.turnout_at_least:.0%}")
        needed = approval.yes_of_electorate_at_least
        if needed is not None and (yes_of_electorate or 0.0) < needed:
            missed.append(f"yes votes {yes_of_electorate or 0.0:.1%} of the electorate, below "
                          f"the {needed:.0%} required")
    required = required_words(approval, spec)
    outcome: Outcome
    if missed and spec.binding is False:
        # a consultative vote below its quorum gives no advice: parliament decides
        outcome, why = "inconclusive", "; ".join(missed) + ": no valid advice, parliament decides"
    elif missed or not majority:
        outcome = "rejected"
        why = "; ".join(missed) if missed else f"yes {yes_share:.1%}"
        if missed and spec.binding is None:
            why += (" (whether parliament may then decide alone depends on whether the vote "
                    "is binding, which the treaty file does not say)")
    else:
        outcome, why = "approved", ""
    return ReferendumResult(day, outcome == "approved", yes_share, turnout, counts, label,
                            required, outcome, why)


def opens_on(spec: ReferendumDeclaration, votes: Sequence[ReferendumResult],
             fact_days: Mapping[str, date]) -> date | None:
    """The first day the referendum no longer stands in the treaty's way: an approving vote
    (by the deadline), a consultative vote that missed its quorum, or the fact that replaces
    the popular vote. None while it still does."""
    days: list[date] = []
    for vote in votes:
        if not vote.counts or (spec.deadline is not None and vote.day > spec.deadline):
            continue
        if vote.outcome in ("approved", "inconclusive"):
            days.append(vote.day)
            break
    if spec.replaced_when is not None and spec.replaced_when in fact_days:
        days.append(fact_days[spec.replaced_when])
    opened = min(days) if days else None
    closed = _final_closure(spec, votes)
    if opened is None or (closed is not None and closed < opened):
        return None  # closed for good first: nothing later reopens it
    return opened


def _final_closure(spec: ReferendumDeclaration,
                   votes: Sequence[ReferendumResult]) -> date | None:
    days: list[date] = []
    if spec.on_rejection != "vote_again":
        days.extend(v.day for v in votes if v.counts and v.outcome == "rejected")
    if spec.deadline is not None:
        days.append(spec.deadline + timedelta(days=1))
    return min(days) if days else None


def closes_on(spec: ReferendumDeclaration, votes: Sequence[ReferendumResult],
              opened: date | None) -> date | None:
    """The day the referendum closed the treaty's way for good, if it has: a rejection
    where no second vote is allowed, or the deadline passed without approval."""
    closed = _final_closure(spec, votes)
    if closed is None or (opened is not None and opened <= closed):
        return None
    return closed


def closing_words(spec: ReferendumDeclaration, votes: Sequence[ReferendumResult],
                  closed: date, where: str) -> str:
    """Why the referendum closed the way, in words (for the void or drop-out reason)."""
    rejected = [v for v in votes if v.counts and v.outcome == "rejected" and v.day <= closed]
    if spec.on_rejection != "vote_again" and rejected and rejected[0].day == closed:
        return f"{where} of {closed} rejected it ({rejected[0].why})"
    last = f" (the vote of {rejected[-1].day} rejected it)" if rejected else ""
    return f"{where} did not approve it by the deadline of {spec.deadline}{last}"


def gate_on(spec: ReferendumDeclaration, votes: Sequence[ReferendumResult],
            fact_days: Mapping[str, date], day: date, where: str, holder: str,
            fact_text: Callable[[str], str]) -> Gate:
    """Where the referendum stands at the end of `day` (votes and facts up to that day)."""
    seen = [v for v in votes if v.day <= day]
    facts = {f: d for f, d in fact_days.items() if d <= day}
    opened = opens_on(spec, seen, facts)
    if opened is not None:
        return Gate(True)
    closed = closes_on(spec, seen, None)
    if closed is not None and closed <= day:
        consequence = ("the treaty is null and void" if spec.on_rejection != "drop_out"
                       else f"{holder} drops out")
        return Gate(False, (f"{closing_words(spec, seen, closed, where)}: {consequence}",))
    counted = [v for v in seen if v.counts]
    by = f" by {spec.deadline}" if spec.deadline is not None else ""
    if not seen:
        return Gate(False, (f"{where} has not been held",))
    if not counted:
        last = seen[-1]
        return Gate(False, (f"{where} of {last.day.isoformat()} does not count: it was held "
                            "before its preconditions were established",))
    last = counted[-1]
    turnout = f", turnout {last.turnout:.1%}" if last.turnout is not None else ""
    again = (f"; a further vote on the treaty may be held{by}"
             if spec.on_rejection == "vote_again" else "")
    replaced = ""
    if spec.replaced_when is not None:
        replaced = (f"; or the popular vote is replaced once this is established: "
                    f"{fact_text(spec.replaced_when).rstrip('.')}")
    why = f"; {last.why}" if last.why and not last.why.startswith("yes ") else ""
    return Gate(False, (f"{where} of {last.day.isoformat()} did not approve it "
                        f"(yes {last.yes_share:.1%}{turnout}; required: {last.required}{why})"
                        f"{again}{replaced}",))
