"""`timeline(treaty, record)`: every day on which anything changed, in order —
the negotiation, the instruments, and the consequences the engine derives
(conditions met, entry into force, a late party bound, a withdrawal taking effect)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from .errors import Diagnostic
from .evaluation import Evaluation, evaluate, in_sentence
from .record import Act, Record
from .referendums import resolve
from .spec.model import Treaty
from .spec.vocabulary import NEGOTIATION_KINDS, REVOCATION_KINDS, SUCCESSION
from .succession import succession_words

__all__ = ["TimelineEntry", "TimelineReport", "derived_entries", "describe_act", "rejected_acts",
           "timeline", "timeline_report"]

EntryKind = Literal["negotiation", "instrument", "fact", "other", "rejected", "derived"]


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    day: date
    kind: EntryKind
    what: str
    """Act kind, or for derived entries: conditions_met, entry_into_force, bound,
    provisional_application, withdrawal_effective, dropped_out, terminated (also a treaty
    null and void before it entered into force)."""
    description: str
    party: str | None = None
    act: str | None = None
    hypothetical: bool = False
    clause: str | None = None
    recorded: date | None = None
    """For an act that became known after its date: the day it was recorded (the
    knowledge time; `day` is the day the law gives it effect from)."""

    def to_json(self) -> dict[str, Any]:
        return {
            "date": self.day.isoformat(),
            "kind": self.kind,
            "what": self.what,
            "description": self.description,
            "party": self.party,
            "act": self.act,
            "hypothetical": self.hypothetical,
            "clause": self.clause,
            **({"recorded": self.recorded.isoformat()} if self.recorded is not None else {}),
        }


def timeline(treaty: Treaty, record: Record, *,
             known_on: date | None = None) -> list[TimelineEntry]:
    """All changes in date order; on one day, acts before what they cause. With
    `known_on`, as the record stood at the end of that day (acts recorded later left out);
    an act recorded after its date says when (`recorded`)."""
    if known_on is not None:
        record = record.as_known_on(known_on)
    ev = evaluate(treaty, record)
    entries: list[tuple[date, int, int, TimelineEntry]] = []
    rejected = {id(act): diagnostic for act, diagnostic in ev.rejected}
    for act in record.acts:
        diagnostic = rejected.get(id(act))
        if diagnostic is not None:
            entry = _act_entry(ev, act, "rejected", f"{describe_act(ev, act)} — does not count: "
                               f"{diagnostic.message}")
        else:
            entry = _act_entry(ev, act, _entry_kind(treaty, act), describe_act(ev, act))
        entries.append((act.day, 0, act.sequence, entry))
    for order, entry in enumerate(derived_entries(ev)):
        entries.append((entry.day, 1, order, entry))
    entries.sort(key=lambda item: item[:3])
    return [entry for *_, entry in entries]


def rejected_acts(treaty: Treaty, record: Record) -> list[Diagnostic]:
    """Every act that does not count: malformed in the record, or not in due form for the
    procedure (one list for every command and the server, so that they agree)."""
    return list(record.rejected) + [d for _, d in evaluate(treaty, record).rejected]


@dataclass(frozen=True, slots=True)
class TimelineReport:
    """A timeline with the acts rejected, as `treatyline timeline --json` and the server's
    timeline resource give it."""

    treaty: str
    entries: tuple[TimelineEntry, ...]
    rejected: tuple[Diagnostic, ...]
    known_on: date | None = None
    not_yet_known: tuple[str, ...] = ()
    """With `known_on`: the acts recorded after it (left out), by label."""

    def to_json(self) -> dict[str, Any]:
        found: dict[str, Any] = {"treaty": self.treaty,
                                 "entries": [e.to_json() for e in self.entries],
                                 "rejected": [d.to_json() for d in self.rejected]}
        if self.known_on is not None:
            found |= {"known_on": self.known_on.isoformat(),
                      "not_yet_known": list(self.not_yet_known)}
        return found


def timeline_report(treaty: Treaty, record: Record, *,
                    known_on: date | None = None) -> TimelineReport:
    """`timeline` with the rejected acts of the whole record, and with `known_on` the acts
    not yet known on that day."""
    later = tuple(a.label for a in record.unknown_on(known_on)) if known_on else ()
    return TimelineReport(treaty.id, tuple(timeline(treaty, record, known_on=known_on)),
                          tuple(rejected_acts(treaty, record)), known_on, later)


def _entry_kind(treaty: Treaty, act: Act) -> EntryKind:
    if act.kind in NEGOTIATION_KINDS:
        return "negotiation"
    if (act.kind in treaty.procedure or act.kind in REVOCATION_KINDS
            or (act.kind == "referendum" and treaty.referendums)):
        return "instrument"
    if act.kind == "fact":
        return "fact"
    return "other"


def _act_entry(ev: Evaluation, act: Act, kind: EntryKind, description: str) -> TimelineEntry:
    late = act.known_day if act.known_day != act.day else None
    return TimelineEntry(act.day, kind, act.kind, description, act.party, act.label,
                         act.hypothetical, recorded=late)


def describe_act(ev: Evaluation, act: Act) -> str:
    """One line saying what the act was, in plain words."""
    treaty = ev.treaty
    name = ev.party_name(act.party) if act.party else None
    kind = act.kind.replace("_", " ")
    organ = f" ({act.organ})" if act.organ else ""
    if act.kind == "fact" and act.fact:
        return f"Established: {treaty.facts[act.fact].description}"
    if act.kind == "referendum":
        return _referendum_words(ev, act)
    if act.kind in ("talks_round", "meeting"):
        sides = []
        for code in dict.fromkeys([*act.actors(), *act.delegations]):
            delegation = act.delegations.get(code)
            head = f" (head: {delegation.head})" if delegation and delegation.head else ""
            sides.append(f"{ev.party_name(code)}{head}")
        place = f" in {act.place}" if act.place else ""
        host = f", hosted by {ev.party_name(act.host)}" if act.host else ""
        label = "Talks" if act.kind == "talks_round" else "Meeting"
        text = f": {act.text}" if act.text else ""
        return f"{label}{place}{host} — {', '.join(sides)}{text}"
    if act.kind in ("statement", "proposal"):
        person = f" ({act.person})" if act.person else ""
        text = f": {act.text}" if act.text else ""
        return f"{kind.capitalize()} by {name or 'the parties'}{person}{organ}{text}"
    if act.kind == SUCCESSION and act.predecessor:
        return succession_words(ev, act)
    if act.kind in treaty.procedure or act.kind in REVOCATION_KINDS:
        return f"{kind.capitalize()} by {name}{organ}"
    text = f": {act.text}" if act.text else ""
    return f"{kind.capitalize()}{' by ' + name if name else ''}{organ}{text}"


def _referendum_words(ev: Evaluation, act: Act) -> str:
    turnout = f", turnout {act.turnout:.1%}" if act.turnout is not None else ""
    name = resolve(ev.referendum_declarations, act.referendum or act.party or "")
    place = ev.referendum_place(name) if name is not None else "the referendum"
    results = ev.referendums.get(name or "", [])
    outcome = next((r for r in results if r.act_label == act.label), None)
    verdict = ""
    if outcome is not None:
        verdict = {"approved": " — approved", "rejected": " — not approved",
                   "inconclusive": " — no valid result (consultative, quorum missed): "
                   "parliament decides"}[outcome.outcome]
        if outcome.outcome == "rejected" and outcome.why and not outcome.why.startswith("yes"):
            verdict += f" ({outcome.why})"
    spec = ev.referendum_declarations.get(name or "")
    nature = ""
    if spec is not None and spec.binding is not None:
        nature = " (binding)" if spec.binding else " (consultative)"
    place = place.removeprefix("the ")
    question = (f". Question: {' '.join(spec.question.split())}"
                if spec is not None and spec.question else "")
    return (f"{place[0].upper()}{place[1:]}{nature}: yes {act.yes_share or 0:.1%}{turnout}"
            f"{verdict}{question}")


def derived_entries(ev: Evaluation) -> list[TimelineEntry]:
    """The consequences the engine derives (entry into force, a party bound, a withdrawal
    taking effect, ...), without the acts' own entries."""
    treaty = ev.treaty
    clause = treaty.entry_into_force.article
    out: list[TimelineEntry] = []
    if ev.provisional_met_on is not None:
        pa = treaty.provisional_application
        out.append(TimelineEntry(ev.provisional_met_on, "derived", "provisional_application",
                                 "The treaty is applied provisionally",
                                 clause=pa.article if pa else None))
    if ev.conditions_met_on is not None and ev.in_force_since is not None:
        hypothetical = any(a.hypothetical for a in ev.completing_acts)
        if ev.in_force_since != ev.conditions_met_on:
            out.append(TimelineEntry(ev.conditions_met_on, "derived", "conditions_met",
                                     "The conditions for entry into force are met",
                                     hypothetical=hypothetical, clause=clause))
        bound = sorted(h.name for h in ev.histories.values()
                       if h.lives[0].bound_since == ev.in_force_since)
        out.append(TimelineEntry(ev.in_force_since, "derived", "entry_into_force",
                                 f"Entry into force for {', '.join(bound)}",
                                 hypothetical=hypothetical, clause=clause))
    lives = [(history, life) for history in ev.histories.values() for life in history.lives]
    for history, life in sorted(lives, key=lambda hl: (hl[1].bound_since or date.max)):
        hypothetical = bool(life.consent and life.consent.hypothetical)
        succession = ev.successions.get(history.code)
        if succession is not None and life is history.lives[0]:
            # the successor's standing is the predecessor's, passed on: no entry into force
            whom = in_sentence(ev.party_name(succession.predecessor))
            standing = (f": bound since {ev.histories[succession.predecessor].lives[0].bound_since}"
                        if succession.continuation else f": bound since {life.bound_since}")
            if life.bound_since is None:
                standing = ": a signatory" if history.signature is not None else ""
            out.append(TimelineEntry(succession.effective, "derived", "succession",
                                     f"{history.name} holds the standing of {whom}{standing}",
                                     history.code, hypothetical=succession.act.hypothetical))
        elif life.bound_since is not None and (life.bound_since != ev.in_force_since
                                               or life is not history.lives[0]):
            again = " again" if life is not history.lives[0] else ""
            out.append(TimelineEntry(life.bound_since, "derived", "bound",
                                     f"Entry into force for {history.name}{again}", history.code,
                                     hypothetical=hypothetical, clause=clause))
        if life.withdrawn_since is not None and life.notice is not None:
            out.append(TimelineEntry(life.withdrawn_since, "derived", "withdrawal_effective",
                                     f"{history.name} ceases to be a party", history.code,
                                     hypothetical=life.notice.hypothetical,
                                     clause=treaty.procedure[life.notice.kind].article))
    for code, (day, why) in sorted(ev.dropped.items(), key=lambda item: item[1][0]):
        out.append(TimelineEntry(day, "derived", "dropped_out",
                                 f"{ev.party_name(code)} drops out ({why}); the treaty proceeds "
                                 "without it", code))
    if ev.void_since is not None:
        out.append(TimelineEntry(ev.void_since, "derived", "terminated",
                                 f"The treaty is null and void and never entered into force: "
                                 f"{ev.void_reason}"))
    elif ev.terminated_since is not None:
        out.append(TimelineEntry(ev.terminated_since, "derived", "terminated",
                                 "The treaty is terminated"))
    return out
