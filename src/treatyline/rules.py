"""The meaning of the rule language: whether a condition holds on a snapshot of
the record, and, when it does not, what is still missing, in plain words."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date
from typing import Protocol

from .referendums import Gate, ReferendumResult
from .spec.model import (
    AllOf,
    AnyOf,
    Condition,
    Count,
    CountSpec,
    FactHolds,
    Including,
    NotOf,
    Referendum,
    Share,
    Weight,
)
from .spec.vocabulary import CONSENT

__all__ = [
    "ReferendumResult",
    "Snapshot",
    "describe",
    "holds",
    "join_words",
    "shortfalls",
]


class Snapshot(Protocol):
    """What the rules can see of the record on one day."""

    day: date

    def parties_with(self, kinds: Sequence[str]) -> frozenset[str]: ...
    def members(self, group: str) -> frozenset[str]: ...
    def weight(self, party: str, key: str) -> float: ...
    def referendum_gate(self, key: str) -> Gate: ...
    def referendum_place(self, key: str) -> str: ...
    def fact_day(self, fact: str) -> date | None: ...
    def name(self, party: str) -> str: ...
    def fact_text(self, fact: str) -> str: ...
    def kind_words(self, kinds: Sequence[str]) -> str: ...
    def group_words(self, group: str) -> str: ...
    def is_group(self, name: str) -> bool: ...


def _required(threshold: int | Share, snapshot: Snapshot, strict: bool) -> int:
    """The smallest count that satisfies the threshold (a strict one needs one more)."""
    if isinstance(threshold, Share):
        exact = threshold.fraction * len(snapshot.members(threshold.of))
        bound = math.floor(exact) + 1 if strict else math.ceil(exact - 1e-9)
        return max(bound, 1)
    return threshold + 1 if strict else threshold


def _counted(spec: CountSpec, snapshot: Snapshot) -> set[str]:
    """The parties whose instruments a count counts: members of `by`, less `excluding`."""
    counted = set(snapshot.parties_with(spec.instruments) & snapshot.members(spec.by))
    for name in spec.excluding:
        counted -= snapshot.members(name) if snapshot.is_group(name) else {name}
    return counted


def _among(spec: CountSpec, group_words: Callable[[str], str]) -> str:
    among = "" if spec.by == "parties" else f" by {group_words(spec.by)}"
    if spec.excluding:
        among += " other than " + ", ".join(group_words(n) for n in spec.excluding)
    return among


def _count_status(condition: Count, snapshot: Snapshot) -> tuple[int, int]:
    spec = condition.count
    have = len(_counted(spec, snapshot))
    strict = spec.more_than is not None
    threshold = spec.more_than if strict else spec.at_least
    assert threshold is not None
    return have, _required(threshold, snapshot, strict)


def _including_missing(condition: Including, snapshot: Snapshot) -> list[str]:
    done = snapshot.parties_with(condition.including.instruments)
    wanted: list[str] = []
    for name in condition.including.parties:
        members = snapshot.members(name)
        wanted.extend(sorted(members) if snapshot.is_group(name) else [name])
    return [p for p in dict.fromkeys(wanted) if p not in done]


def _weight_total(condition: Weight, snapshot: Snapshot) -> float:
    spec = condition.weight
    parties = snapshot.parties_with(spec.instruments) & snapshot.members(spec.by)
    return sum(snapshot.weight(p, spec.key) for p in parties)


def holds(condition: Condition, snapshot: Snapshot) -> bool:
    """Whether the condition is met on the snapshot's day."""
    if isinstance(condition, AllOf):
        return all(holds(c, snapshot) for c in condition.all)
    if isinstance(condition, AnyOf):
        return any(holds(c, snapshot) for c in condition.any)
    if isinstance(condition, NotOf):
        return not holds(condition.not_, snapshot)
    if isinstance(condition, Count):
        have, need = _count_status(condition, snapshot)
        return have >= need
    if isinstance(condition, Including):
        return not _including_missing(condition, snapshot)
    if isinstance(condition, Weight):
        return _weight_total(condition, snapshot) >= condition.weight.at_least - 1e-9
    if isinstance(condition, Referendum):
        return snapshot.referendum_gate(condition.referendum.party).open
    if isinstance(condition, FactHolds):
        return snapshot.fact_day(condition.fact) is not None
    raise TypeError(f"not a condition: {condition!r}")


def shortfalls(condition: Condition, snapshot: Snapshot) -> list[str]:
    """What is missing for the condition to hold, one plain sentence per gap."""
    if holds(condition, snapshot):
        return []
    if isinstance(condition, AllOf):
        return [gap for c in condition.all for gap in shortfalls(c, snapshot)]
    if isinstance(condition, AnyOf):
        options = ["; ".join(shortfalls(c, snapshot)) for c in condition.any]
        return ["one of: " + " — or — ".join(options)]
    if isinstance(condition, NotOf):
        return [f"must no longer hold: {describe(condition.not_, snapshot)}"]
    if isinstance(condition, Count):
        have, need = _count_status(condition, snapshot)
        spec = condition.count
        words = snapshot.kind_words(spec.instruments)
        among = _among(spec, snapshot.group_words)
        more = need - have
        return [
            f"needs {more} more instrument{'s' if more != 1 else ''} of {words}{among} "
            f"({have} of the {need} required: {_threshold_words(condition, snapshot)})"
        ]
    if isinstance(condition, Including):
        missing = _including_missing(condition, snapshot)
        words = snapshot.kind_words(condition.including.instruments)
        return [f"needs {words} by {join_words([snapshot.name(p) for p in missing])}"]
    if isinstance(condition, Weight):
        weighted = condition.weight
        total = _weight_total(condition, snapshot)
        return [
            f"needs parties holding {weighted.at_least - total:g} more of {weighted.key!r} "
            f"({total:g} of the required {weighted.at_least:g})"
        ]
    if isinstance(condition, Referendum):
        return list(snapshot.referendum_gate(condition.referendum.party).gaps)
    if isinstance(condition, FactHolds):
        return [f"not yet established: {snapshot.fact_text(condition.fact).rstrip('.')}"]
    raise TypeError(f"not a condition: {condition!r}")


def _threshold_words(condition: Count, snapshot: Snapshot) -> str:
    spec = condition.count
    threshold = spec.more_than if spec.more_than is not None else spec.at_least
    relation = "more than" if spec.more_than is not None else "at least"
    if isinstance(threshold, Share):
        size = len(snapshot.members(threshold.of))
        share = "half" if threshold.fraction == 0.5 else f"{threshold.fraction:g}"
        return f"{relation} {share} of the {size} {snapshot.group_words(threshold.of)}"
    return f"{relation} {threshold}"


def describe(condition: Condition, snapshot: Snapshot | None = None) -> str:
    """The rule in words (with the numbers of the snapshot's day when given)."""

    def kinds(names: Sequence[str]) -> str:
        if snapshot is not None:
            return snapshot.kind_words(names)
        return " or ".join("consent to be bound" if k == CONSENT else k for k in names)

    def group(name: str) -> str:
        return snapshot.group_words(name) if snapshot is not None else name

    if isinstance(condition, AllOf):
        return "all of (" + "; ".join(describe(c, snapshot) for c in condition.all) + ")"
    if isinstance(condition, AnyOf):
        return "any of (" + "; ".join(describe(c, snapshot) for c in condition.any) + ")"
    if isinstance(condition, NotOf):
        return f"not ({describe(condition.not_, snapshot)})"
    if isinstance(condition, Count):
        spec = condition.count
        among = _among(spec, group)
        threshold = spec.more_than if spec.more_than is not None else spec.at_least
        relation = "more than" if spec.more_than is not None else "at least"
        if isinstance(threshold, Share):
            share = "half" if threshold.fraction == 0.5 else f"{threshold.fraction:g}"
            amount = f"{relation} {share} of the {group(threshold.of)}"
        else:
            amount = f"{relation} {threshold}"
        if snapshot is not None:
            have, need = _count_status(condition, snapshot)
            amount += f" ({need} needed, {have} on {snapshot.day})"
        return f"instruments of {kinds(spec.instruments)}{among}: {amount}"
    if isinstance(condition, Including):
        names = list(condition.including.parties)
        if snapshot is not None:
            names = [
                f"every one of the {group(n).removeprefix('the ')} ("
                + join_words(snapshot.name(m) for m in sorted(snapshot.members(n))) + ")"
                if snapshot.is_group(n) else snapshot.name(n)
                for n in names
            ]
        return f"{kinds(condition.including.instruments)} by {join_words(names)}"
    if isinstance(condition, Weight):
        weighted = condition.weight
        return (f"instruments of parties holding at least {weighted.at_least:g} "
                f"of {weighted.key!r}")
    if isinstance(condition, Referendum):
        key = condition.referendum.party
        where = snapshot.referendum_place(key) if snapshot is not None else \
            f"the referendum {key}"
        return f"{where} approved the treaty"
    if isinstance(condition, FactHolds):
        text = snapshot.fact_text(condition.fact) if snapshot is not None else condition.fact
        return f"established: {text}"
    raise TypeError(f"not a condition: {condition!r}")


def join_words(items: Iterable[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    words = list(items)
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


def condition_parties(condition: Condition) -> Mapping[str, None]:
    """Every party or group a condition names (for tracing)."""
    found: dict[str, None] = {}
    if isinstance(condition, AllOf | AnyOf):
        children = condition.all if isinstance(condition, AllOf) else condition.any
        for child in children:
            found.update(condition_parties(child))
    elif isinstance(condition, NotOf):
        found.update(condition_parties(condition.not_))
    elif isinstance(condition, Including):
        found.update(dict.fromkeys(condition.including.parties))
    return found
