"""Succession of states: a state that succeeds a former one (the Czech Republic and Slovakia
succeeding Czechoslovakia) or continues its participation (the Russian Federation the
USSR's) takes its standing from the predecessor's acts.

A succession act names the `predecessor` and, when the notification is later than the day
the successor considers itself bound from ('as of 1 January 1993, the date of the division'),
that day as `effective`. From that day the predecessor's participation has passed on: it no
longer counts in counts of instruments or among the parties bound (its successors do), so
nothing is counted twice.

- succession: the successor is a signatory if the predecessor signed, and bound from the
  later of the predecessor's entry into force and the day of succession if it consented;
- continuation (`continuation: true`): the same standing, with no new instrument; its
  periods are the predecessor's (bound since the predecessor was).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from .calendar import day_of
from .record import Act

if TYPE_CHECKING:
    from .evaluation import DaySnapshot, Evaluation, PartyHistory
    from .status import PartyStatus, Reason

__all__ = [
    "Succession",
    "apply_succession",
    "in_place_of_predecessors",
    "settle_successions",
    "succession_reasons",
    "succession_view",
    "succession_words",
]


@dataclass(frozen=True, slots=True)
class Succession:
    successor: str
    predecessor: str
    effective: date
    """The first day the successor holds the predecessor's standing."""
    continuation: bool
    act: Act

    def to_json(self) -> dict[str, object]:
        return {"predecessor": self.predecessor, "successor": self.successor,
                "effective": self.effective.isoformat(), "continuation": self.continuation,
                "act": self.act.label}


def apply_succession(ev: Evaluation, snap: DaySnapshot, act: Act) -> str | None:
    """Apply a succession act; return why it does not count, or None when it does."""
    from .evaluation import in_sentence

    assert act.party is not None and act.predecessor is not None
    successor, predecessor = ev.histories[act.party], ev.histories.get(act.predecessor)
    effective = day_of(act.effective) if act.effective is not None else act.day
    who = in_sentence(successor.name)
    whom = in_sentence(ev.party_name(act.predecessor))
    refused = f"succession by {who} on {act.day} does not count"
    earlier = [a for a in (predecessor.signature, predecessor.consent) if a is not None] \
        if predecessor is not None else []
    if predecessor is None or not earlier:
        return (f"{refused}: {whom} made no act under this treaty (no signature or instrument "
                "of consent is recorded for it), so there is no standing to succeed to")
    first = min(earlier, key=lambda a: a.day)
    if effective < first.day:
        return (f"{refused}: it takes effect on {effective}, before the first act of {whom} "
                f"under this treaty ({first.kind} on {first.day}, {first.label})")
    own = [a for a in (successor.signature, successor.consent) if a is not None]
    if own or act.party in ev.successions:
        made = own[0] if own else act
        return (f"{refused}: {who} already has its own standing ({made.kind} on {made.day}, "
                f"{made.label})")
    if predecessor.withdrawn_since is not None and act.predecessor not in ev.ended \
            and predecessor.withdrawn_since <= effective:
        return f"{refused}: {whom} had withdrawn by then ({predecessor.withdrawn_since})"
    if act.continuation:
        for other in ev.successions.values():
            if other.predecessor == act.predecessor and other.continuation:
                return (f"{refused}: {in_sentence(ev.party_name(other.successor))} already "
                        f"continues the participation of {whom} ({other.act.label})")
    ev.successions[act.party] = Succession(act.party, act.predecessor, effective,
                                           act.continuation, act)
    ev.ended.setdefault(act.predecessor, effective)
    predecessor.succeeded_on = ev.ended[act.predecessor]
    predecessor.successors = (*predecessor.successors, act.party)
    if predecessor.withdrawn_since is None or predecessor.withdrawn_since > effective:
        predecessor.withdrawn_since = ev.ended[act.predecessor]
    successor.succession = act
    successor.signature = predecessor.signature
    if predecessor.consent is not None:
        successor.consent = predecessor.consent if act.continuation else act
    for kind, parties in ev.first.items():
        day = parties.get(act.predecessor)
        if day is not None and day <= act.day:
            parties.setdefault(act.party, max(day, effective))
            snap.note_act(kind, act.party)
    for group, parties in ev.joins.items():
        if act.predecessor in parties:
            parties.setdefault(act.party, max(parties[act.predecessor], effective))
            snap.note_join(group, act.party)
    return None


def succession_words(ev: Evaluation, act: Act) -> str:
    """'Succession: Slovakia succeeds Czechoslovakia, as of 1993-01-01' in plain words."""
    from .evaluation import in_sentence

    assert act.party is not None and act.predecessor is not None
    who = in_sentence(ev.party_name(act.party), start=True)
    whom = in_sentence(ev.party_name(act.predecessor))
    if act.continuation:
        what = f"{who} continues the participation of {whom}"
    else:
        what = f"{who} succeeds {whom}"
    effective = day_of(act.effective) if act.effective is not None else None
    return f"Succession: {what}" + (f", as of {effective}" if effective else "")


def in_place_of_predecessors(ev: Evaluation, members: frozenset[str],
                             day: date) -> frozenset[str]:
    """A declared group on `day`: a former state whose participation has passed on is
    replaced by its successors (the Russian Federation is a depositary in the USSR's place)."""
    if not ev.ended:
        return members
    passed = {code for code in members if ev.ended.get(code, date.max) <= day}
    if not passed:
        return members
    successors = {s.successor for s in ev.successions.values()
                  if s.predecessor in passed and s.effective <= day}
    return (members - passed) | successors


def settle_successions(ev: Evaluation) -> None:
    """After the pass: a successor is bound from the later of the day its predecessor's
    instrument bound the predecessor and the day of succession."""
    for succession in ev.successions.values():
        successor = ev.histories[succession.successor]
        predecessor = ev.histories[succession.predecessor]
        consent = predecessor.consent
        since = ev.bound_since_for(consent.day) if consent is not None else None
        successor.bound_since = max(since, succession.effective) if since else None


def succession_view(ev: Evaluation, history: PartyHistory, party: PartyStatus,
                    day: date) -> PartyStatus:
    """A party's status as the law reads it: a continuing state holds the predecessor's
    standing since the predecessor held it; a predecessor whose participation passed on has
    'succeeded', not withdrawn."""
    from .status import BoundPeriod

    succession = ev.successions.get(history.code)
    if succession is not None and day < succession.effective:
        # the predecessor's acts are the successor's only from the day of succession
        return dataclasses.replace(
            party, standing="none", signed_on=None, consent=None, bound_since=None,
            provisionally_applying_since=None, notice_given_on=None, withdrawn_since=None,
            bound_periods=())
    if succession is not None and succession.continuation and party.bound_periods:
        predecessor = ev.histories[succession.predecessor]
        since = predecessor.bound_since
        if since is not None:
            first, *rest = party.bound_periods
            periods = (BoundPeriod(since, first.until), *rest)
            party = dataclasses.replace(
                party, bound_periods=periods,
                bound_since=since if party.bound_since is not None else None)
    if succession is not None and succession.effective <= day:
        party = dataclasses.replace(party, succession=succession.to_json())
    if history.succeeded_on is not None and party.withdrawn_since == history.succeeded_on:
        passed = [ev.successions[code].to_json() for code in history.successors]
        party = dataclasses.replace(party, standing="succeeded", withdrawn_since=None,
                                    succession={"successors": passed})
    return party


def succession_reasons(ev: Evaluation, history: PartyHistory, party: PartyStatus,
                       day: date) -> list[Reason]:
    """Why a successor or a predecessor stands where it does on `day`."""
    from .evaluation import in_sentence
    from .rules import join_words
    from .status import Reason

    reasons: list[Reason] = []
    succession = ev.successions.get(history.code)
    name = in_sentence(history.name, start=True)
    if succession is not None and succession.effective <= day:
        whom = in_sentence(ev.party_name(succession.predecessor))
        if succession.continuation:
            what = (f"{name} continues the participation of {whom} from "
                    f"{succession.effective}, with the same standing and no new instrument")
        else:
            what = f"{name} succeeded {whom} as of {succession.effective}"
        if party.bound_periods:
            what += f"; bound since {party.bound_periods[-1].since}"
        elif party.standing == "signatory":
            what += f"; a signatory by {whom}'s signature"
        predecessor = ev.histories[succession.predecessor]
        labels = [succession.act.label,
                  *(a.label for a in (predecessor.signature, predecessor.consent) if a)]
        step = ev.treaty.procedure.get(succession.act.kind)
        reasons.append(Reason(what, step.article if step else None,
                              tuple(dict.fromkeys(labels))))
    if history.succeeded_on is not None and history.succeeded_on <= day:
        names = [in_sentence(ev.party_name(code)) for code in history.successors]
        reasons.append(Reason(
            f"the participation of {in_sentence(history.name)} passed on "
            f"{history.succeeded_on} to {join_words(names)}: it no longer counts as a party",
            None,
            tuple(ev.successions[code].act.label for code in history.successors)))
    return reasons
