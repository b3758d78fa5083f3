"""Checks of the referendum language: the declarations in a treaty file, the rules that
name a referendum, and each recorded vote. Every problem is located and, for an unknown
name, comes with a suggestion."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING

import pycountry

from ..errors import Diagnostic, Position, did_you_mean
from ..referendums import declarations, resolve
from ..sourcemap import SourceMap
from .model import AllOf, AnyOf, Condition, Including, Treaty

if TYPE_CHECKING:
    from ..record import Act

__all__ = ["check_declarations", "check_drop_outs_not_named", "check_referendum_key",
           "check_vote"]


def _unknown(what: str, name: str, known: Mapping[str, object] | set[str], at: Position,
             extra: str = "") -> Diagnostic:
    return Diagnostic(f"unknown {what} {name!r}{extra}", at, did_you_mean(name, list(known)))


def check_declarations(treaty: Treaty, source: SourceMap) -> Iterator[Diagnostic]:
    """The `referendums:` section against the rest of the file."""
    codes = {p.code for p in treaty.parties}
    step = treaty.procedure.get("referendum")
    if treaty.referendums and step is not None and step.held_by is not None:
        first = next(iter(treaty.referendums))
        yield Diagnostic(
            "procedure.referendum.held_by is the older form of one referendum, and "
            f"referendums: declares them too (see {source.at(('referendums', first), key=True)}"
            "): declare each vote under referendums: only",
            source.at(("procedure", "referendum", "held_by")))
    yield from check_drop_outs_not_named(treaty, source)
    for name, spec in treaty.referendums.items():
        base = ("referendums", name)
        if spec.held_by not in codes:
            yield _unknown("party", spec.held_by, codes, source.at((*base, "held_by")))
        elif spec.jurisdiction is not None:
            yield from _check_jurisdiction(spec.held_by, spec.jurisdiction,
                                           source.at((*base, "jurisdiction")))
        for i, fact in enumerate(spec.preconditions):
            if fact not in treaty.facts:
                yield _unknown("fact", fact, treaty.facts,
                               source.at((*base, "preconditions", i)))
        if spec.replaced_when is not None and spec.replaced_when not in treaty.facts:
            yield _unknown("fact", spec.replaced_when, treaty.facts,
                           source.at((*base, "replaced_when")))
        if spec.deadline is not None and treaty.adopted is not None \
                and spec.deadline < treaty.adopted:
            yield Diagnostic(
                f"the deadline {spec.deadline} is before the text was adopted "
                f"({treaty.adopted}, at {source.at(('adopted',))}): no vote could meet it",
                source.at((*base, "deadline")))
        approval = spec.approval
        if approval.quorum_only_if_binding:
            at = source.at((*base, "approval", "quorum_only_if_binding"))
            if not approval.has_quorum:
                yield Diagnostic("quorum_only_if_binding qualifies a quorum, and this approval "
                                 "sets none (turnout_at_least, yes_of_electorate_at_least)", at)
            elif spec.binding is False:
                yield Diagnostic(
                    "the quorum applies only to a binding vote, and this vote is consultative "
                    f"(binding: false at {source.at((*base, 'binding'))}): it would never "
                    "apply; remove one or the other", at)
            elif spec.binding is None:
                yield Diagnostic(
                    "the quorum applies only to a binding vote: say whether this vote is "
                    "binding (binding: true or false)", at)


def check_drop_outs_not_named(treaty: Treaty, source: SourceMap) -> Iterator[Diagnostic]:
    """A party whose failed vote takes it out (drop_out) cannot also be required by name
    for entry into force: the others could then never proceed without it."""
    leaving = {spec.held_by: name for name, spec in treaty.referendums.items()
               if spec.on_rejection == "drop_out"}
    if not leaving:
        return
    for path, party in _named_in_including(treaty.entry_into_force.when,
                                           ("entry_into_force", "when")):
        if party in leaving:
            declared = source.at(("referendums", leaving[party], "on_rejection"))
            yield Diagnostic(
                f"entry into force requires {party!r} by name, but its referendum "
                f"{leaving[party]!r} says on_rejection: drop_out (at {declared}): after a "
                "rejection the others could never proceed; name a group that includes it "
                "instead", source.at(path))


def _named_in_including(condition: Condition, path: tuple[str | int, ...]) -> Iterator[
        tuple[tuple[str | int, ...], str]]:
    if isinstance(condition, AllOf):
        for i, child in enumerate(condition.all):
            yield from _named_in_including(child, (*path, "all", i))
    elif isinstance(condition, AnyOf):
        for i, child in enumerate(condition.any):
            yield from _named_in_including(child, (*path, "any", i))
    elif isinstance(condition, Including):
        for i, name in enumerate(condition.including.parties):
            yield (*path, "including", "parties", i), name


def _check_jurisdiction(holder: str, jurisdiction: str, at: Position) -> Iterator[Diagnostic]:
    if jurisdiction == holder:
        return
    found = pycountry.subdivisions.get(code=jurisdiction)  # type: ignore[no-untyped-call]
    if found is not None and found.country_code == holder:
        return
    inside = sorted(s.code for s in (pycountry.subdivisions.get(  # type: ignore[no-untyped-call]
        country_code=holder) or ()))
    if found is not None:
        yield Diagnostic(f"jurisdiction {jurisdiction!r} ({found.name}) is not part of "
                         f"{holder!r}, the party that holds the vote", at)
        return
    yield _unknown("jurisdiction", jurisdiction, {holder, *inside}, at,
                   f" (the holder's code {holder!r} or an ISO 3166-2 subdivision of it)")


def check_referendum_key(treaty: Treaty, key: str, at: Position) -> Iterator[Diagnostic]:
    """A rule's `referendum: X`: a declared referendum, or a party holding exactly one."""
    declared = declarations(treaty)
    if not declared:
        yield Diagnostic("the rule names a referendum but the treaty declares none "
                         "(referendums:, or a procedure step referendum with held_by)", at)
        return
    if resolve(declared, key) is not None:
        return
    held = sorted(name for name, spec in declared.items() if spec.held_by == key)
    if held:
        yield Diagnostic(f"{key!r} holds {len(held)} referendums ({', '.join(held)}): name "
                         "the one meant", at)
        return
    yield _unknown("referendum", key, set(declared) | {s.held_by for s in declared.values()},
                   at)


def check_vote(treaty: Treaty, act: Act, at: Callable[[str], Position]) -> Iterator[Diagnostic]:
    """One recorded vote: a declared referendum of its party, with the figures its rule
    needs, and figures that can all be true together."""
    ref = act.ref
    declared = declarations(treaty)
    if act.party is None:
        return  # the record's checks already say a referendum needs its party
    mine = {name: spec for name, spec in declared.items() if spec.held_by == act.party}
    if act.referendum is not None:
        if act.referendum not in declared:
            yield _unknown("referendum", act.referendum, declared, at("referendum"),
                           f" in act {ref}")
            return
        if declared[act.referendum].held_by != act.party:
            yield Diagnostic(f"act {ref}: referendum {act.referendum!r} is held by "
                             f"{declared[act.referendum].held_by}, not {act.party}",
                             at("party"))
            return
        name = act.referendum
    elif len(mine) == 1:
        name = next(iter(mine))
    elif not mine:
        holders = sorted({spec.held_by for spec in declared.values()})
        yield Diagnostic(f"act {ref}: {act.party} holds no referendum on this treaty (held "
                         f"by: {', '.join(holders) or 'none declared'})", at("party"),
                         did_you_mean(act.party, holders))
        return
    else:
        yield Diagnostic(f"act {ref}: {act.party} holds {len(mine)} referendums "
                         f"({', '.join(sorted(mine))}): say which with referendum:",
                         at("kind"))
        return
    if act.yes_share is None:
        yield Diagnostic(f"act {ref}: a referendum result needs yes_share (0 to 1)", at("kind"))
    spec = declared[name]
    if spec.approval.yes_of_electorate_at_least is not None and act.yes_of_electorate is None:
        yield Diagnostic(f"act {ref}: referendum {name!r} has an approval quorum on the "
                         "electorate: the act needs yes_of_electorate (yes votes / "
                         "registered voters)", at("kind"))
    if act.yes_of_electorate is not None:
        # yes/electorate can exceed neither yes/valid votes nor the turnout
        for field, value in (("yes_share", act.yes_share), ("turnout", act.turnout)):
            if value is not None and act.yes_of_electorate > value + 1e-9:
                yield Diagnostic(
                    f"act {ref}: yes_of_electorate {act.yes_of_electorate:g} is more than "
                    f"{field} {value:g} (at {at(field)}): the two cannot both be true",
                    at("yes_of_electorate"))
