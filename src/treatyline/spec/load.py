"""Loading a treaty file: YAML → models → cross-reference checks, every problem
reported with file:line:column and, for a misspelt name, a suggestion."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import pycountry
from pydantic import BaseModel, ValidationError

from ..calendar import day_of
from ..errors import ISO_ALIASES, Diagnostic, Position, SpecError, did_you_mean
from ..inputs import check_regular_file, resolve_named_file
from ..sourcemap import SourceMap, SyntaxProblem, load_yaml
from .model import (
    MAX_WINDOW_DAYS,
    AllOf,
    AnyOf,
    Condition,
    Count,
    FactHolds,
    Including,
    NotOf,
    Provision,
    Referendum,
    Share,
    Treaty,
    Weight,
)
from .referendum_checks import check_declarations, check_referendum_key
from .vocabulary import (
    COMPUTED_GROUPS,
    CONSENT,
    INCIDENT_KINDS,
    INSTRUMENT_KINDS,
    MONITORING_KINDS,
    NEGOTIATION_KINDS,
)

__all__ = ["load_treaty", "treaty_from_data"]

PathKey = tuple[str | int, ...]


def load_treaty(path: str | Path) -> Treaty:
    """Load and validate a treaty file; raises SpecError listing every problem found."""
    file = Path(path)
    try:
        loaded = load_yaml(file, what="treaty file", error=SpecError)
    except SyntaxProblem as problem:
        raise SpecError([problem.diagnostic]) from None
    return treaty_from_data(loaded.data, loaded.source, base_dir=file.parent)


def treaty_from_data(data: Any, source: SourceMap, base_dir: Path | None = None) -> Treaty:
    if not isinstance(data, dict):
        raise SpecError([Diagnostic("a treaty file is a mapping (id, title, parties, ...)",
                                    source.at(()))])
    try:
        treaty = Treaty.model_validate(data)
    except ValidationError as exc:
        raise SpecError(_pydantic_diagnostics(exc, data, source)) from None
    treaty._source = source
    treaty._base_dir = str(base_dir) if base_dir else None
    problems = list(_check_references(treaty, source, base_dir))
    if problems:
        raise SpecError(problems)
    return treaty


# --- pydantic errors → positions ------------------------------------------------------


def _all_field_names() -> set[str]:
    names: set[str] = set()
    seen: set[type[BaseModel]] = set()

    def visit(model: type[BaseModel]) -> None:
        if model in seen:
            return
        seen.add(model)
        for name, info in model.model_fields.items():
            names.add(info.alias or name)
        for info in model.model_fields.values():
            for candidate in _models_in(info.annotation):
                visit(candidate)

    visit(Treaty)
    return names


def _models_in(annotation: Any) -> Iterator[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        yield from _models_in(arg)
    origin = getattr(annotation, "__origin__", None)
    if origin is not None and origin is not annotation:
        yield from _models_in(origin)
    for meta in getattr(annotation, "__metadata__", ()) or ():
        yield from _models_in(meta)


_FIELD_NAMES = _all_field_names()


def _data_path(loc: Sequence[str | int], data: Any) -> PathKey:
    """Pydantic's location with union tags and validator names removed."""
    path: list[str | int] = []
    current = data
    for step in loc:
        in_dict = isinstance(current, dict) and step in current
        in_list = isinstance(current, list) and isinstance(step, int) and 0 <= step < len(current)
        if in_dict or in_list:
            current = current[step]
            path.append(step)
        elif isinstance(current, dict) and isinstance(step, str) and step not in _TAGS:
            # a key the data does not have (a missing field): stop at the parent
            path.append(step)
            break
    return tuple(path)


_TAGS = {"all", "any", "not", "count", "including", "weight", "referendum", "fact"}


def _pydantic_diagnostics(
    exc: ValidationError, data: Any, source: SourceMap
) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    errors = [(error, _data_path(error["loc"], data)) for error in exc.errors()]
    for error, path in errors:
        kind = error["type"]
        if kind == "too_short" and any(
            len(other) > len(path) and other[: len(path)] == path for _, other in errors
        ):
            continue  # a list emptied by its own items' errors: those errors say it all
        if kind == "extra_forbidden":
            name = str(path[-1]) if path else "?"
            out.append(
                Diagnostic(
                    f"unknown field {name!r}",
                    source.at(path, key=True),
                    did_you_mean(name, _FIELD_NAMES),
                )
            )
        elif kind == "missing":
            field = str(path[-1]) if path else str(error["loc"][-1])
            out.append(Diagnostic(f"missing required field {field!r}", source.at(path[:-1])))
        elif kind == "late_trigger":
            # raised by the entry_into_force model: point at the late_instruments it qualifies
            where = ".".join(str(p) for p in (*path, "late_instruments"))
            out.append(Diagnostic(f"{where}: {error['msg']}",
                                  source.at((*path, "late_instruments"))))
        elif kind == "condition":
            got = error.get("input")
            keys = list(got) if isinstance(got, dict) else []
            hint = did_you_mean(str(keys[0]), _TAGS) if len(keys) == 1 else None
            found = f"; found keys {keys}" if keys else f"; found {got!r}"
            out.append(Diagnostic(error["msg"] + found, source.at(path), hint))
        else:
            message = error["msg"]
            if message.startswith("Value error, "):
                message = message[len("Value error, ") :]
            where = ".".join(str(p) for p in path)
            out.append(Diagnostic(f"{where}: {message}", source.at(path)))
    return out


# --- cross-references -------------------------------------------------------------------


def _check_references(
    treaty: Treaty, source: SourceMap, base_dir: Path | None
) -> Iterator[Diagnostic]:
    floor = treaty.entry_into_force.not_before
    if floor is not None and not isinstance(floor, date) and treaty.adopted is None:
        yield Diagnostic("entry_into_force.not_before is a period counted from the opening for "
                         "signature: give the treaty's `adopted` date, or write the floor as a "
                         "date", source.at(("entry_into_force", "not_before")))
    codes: dict[str, int] = {}
    for index, party in enumerate(treaty.parties):
        at = source.at(("parties", index, "code"))
        if party.code in codes:
            yield Diagnostic(f"party {party.code!r} is declared twice", at)
        codes[party.code] = index
        if party.kind == "state" and pycountry.countries.get(alpha_2=party.code) is None:
            yield Diagnostic(
                f"{party.code!r} is not an ISO 3166-1 alpha-2 state code; for a non-state "
                "participant set kind: organisation or entity",
                at,
                did_you_mean(party.code, ISO_ALIASES.values()),
            )
    for i, depositary in enumerate(treaty.depositary):
        if depositary not in codes:
            yield _unknown("party", depositary, codes, source.at(("depositary", i)),
                           " as depositary (declare it among the parties)")
    groups = set(treaty.groups)
    for name in groups & COMPUTED_GROUPS:
        yield Diagnostic(
            f"group {name!r} is computed from the record and cannot be declared",
            source.at(("groups", name), key=True),
        )
    roles = {role for party in treaty.parties for role in party.roles}
    for name, declared in treaty.groups.items():
        for i, member in enumerate(declared.members):
            if member not in codes:
                yield _unknown("party", member, codes, source.at(("groups", name, "members", i)))
        for i, role in enumerate(declared.roles):
            if role not in roles:
                yield _unknown("role", role, roles, source.at(("groups", name, "roles", i)))

    party_or_group = set(codes) | groups | COMPUTED_GROUPS
    all_groups = groups | COMPUTED_GROUPS
    kinds = set(treaty.procedure)
    for kind in kinds - INSTRUMENT_KINDS:
        yield _unknown("procedure act kind", kind, INSTRUMENT_KINDS,
                       source.at(("procedure", kind), key=True))
    known_acts = kinds | set(treaty.act_kinds) | NEGOTIATION_KINDS | MONITORING_KINDS

    for kind, step in treaty.procedure.items():
        base: PathKey = ("procedure", kind)
        for i, needed in enumerate(step.requires):
            if needed not in kinds:
                yield _unknown("act kind", needed, kinds, source.at((*base, "requires", i)),
                               " (not defined in the procedure)")
        for i, fact in enumerate(step.preconditions):
            if fact not in treaty.facts:
                yield _unknown("fact", fact, treaty.facts, source.at((*base, "preconditions", i)))
        if step.held_by is not None and step.held_by not in codes:
            yield _unknown("party", step.held_by, codes, source.at((*base, "held_by")))
        if kind == "referendum" and step.held_by is None and not treaty.referendums:
            yield Diagnostic("a referendum step needs held_by (the party that holds it), or "
                         "declare the votes under referendums:",
                             source.at(base, key=True))
        if step.open_to not in (None, "any_state") and step.open_to not in all_groups:
            yield _unknown("group", step.open_to, all_groups | {"any_state"},
                           source.at((*base, "open_to")))
        for i, joined in enumerate(step.joins):
            if joined not in groups:
                yield _unknown("group", joined, groups, source.at((*base, "joins", i)))
        if step.only_when is not None:
            yield from _check_condition(step.only_when, (*base, "only_when"), treaty, source,
                                        party_or_group, all_groups, kinds)
        if step.definitive and kind != "signature":
            yield Diagnostic("only a signature can be definitive", source.at((*base, "definitive")))

    yield from check_declarations(treaty, source)
    if treaty.entry_into_force is not None:
        yield from _check_condition(
            treaty.entry_into_force.when, ("entry_into_force", "when"), treaty, source,
            party_or_group, all_groups, kinds,
        )
    if treaty.provisional_application is not None:
        pa = treaty.provisional_application
        yield from _check_condition(pa.when, ("provisional_application", "when"), treaty, source,
                                    party_or_group, all_groups, kinds)
        if pa.applies_to not in all_groups:
            yield _unknown("group", pa.applies_to, all_groups,
                           source.at(("provisional_application", "applies_to")))

    areas = set(treaty.areas)
    for name, area in treaty.areas.items():
        for field in ("union", "minus", "intersect"):
            for i, ref in enumerate(getattr(area, field)):
                if ref not in areas:
                    yield _unknown("area", ref, areas, source.at(("areas", name, field, i)))
                elif ref == name:
                    yield Diagnostic(f"area {name!r} refers to itself",
                                     source.at(("areas", name, field, i)))
        files: list[tuple[PathKey, str | None]] = [
            (("areas", name, "geojson"), area.geojson),
            *((("areas", name, "readings", r, "geojson"), reading.geojson)
              for r, reading in area.readings.items()),
            *((("areas", name, "versions", version.isoformat()), file)
              for version, file in area.versions.items()),
        ]
        for at_path, file in files:
            if file is not None and base_dir is not None:
                yield from _check_named_file(file, base_dir, source.at(at_path))
        if area.corridor is not None:
            for i, point in enumerate(area.corridor.route):
                if isinstance(point, str) and point not in treaty.places and not _is_iso(point):
                    yield _unknown("place", point, treaty.places,
                                   source.at(("areas", name, "corridor", "route", i)),
                                   " (not in places, not an ISO 3166 code)")
        for r, reading in area.readings.items():
            if reading.held_by not in codes:
                yield _unknown("party", reading.held_by, codes,
                               source.at(("areas", name, "readings", r, "held_by")))

    ids: dict[str, int] = {}
    for index, provision in enumerate(treaty.provisions):
        base = ("provisions", index)
        if provision.id in ids:
            yield Diagnostic(f"provision id {provision.id!r} is used twice",
                             source.at((*base, "id")))
        ids[provision.id] = index
    for index, provision in enumerate(treaty.provisions):
        base = ("provisions", index)
        for i, bearer in enumerate(provision.bearers):
            if bearer not in party_or_group:
                yield _unknown("party or group", bearer, party_or_group,
                               source.at((*base, "bearers", i)))
        if provision.beneficiary and provision.beneficiary not in party_or_group:
            yield _unknown("party or group", provision.beneficiary, party_or_group,
                           source.at((*base, "beneficiary")))
        for i, area_ref in enumerate(provision.areas):
            if area_ref not in areas:
                yield _unknown("area", area_ref, areas, source.at((*base, "areas", i)))
        for i, act in enumerate(provision.forbids):
            if act not in known_acts:
                yield _unknown("act kind", act, known_acts, source.at((*base, "forbids", i)))
        if provision.after and provision.after not in ids:
            yield _unknown("provision", provision.after, ids, source.at((*base, "after")))
        for i, act in enumerate(provision.fulfilled_by):
            if act not in known_acts:
                yield _unknown("act kind", act, known_acts, source.at((*base, "fulfilled_by", i)))
        for i, act in enumerate(provision.governs):
            if act not in known_acts:
                yield _unknown("act kind", act, known_acts, source.at((*base, "governs", i)))
        for i, required in enumerate(provision.requires_acts):
            at_req = (*base, "requires_acts", i)
            if required.kind not in known_acts:
                yield _unknown("act kind", required.kind, known_acts, source.at((*at_req, "kind")))
            for j, who in enumerate(required.by):
                if who not in party_or_group:
                    yield _unknown("party or group", who, party_or_group,
                                   source.at((*at_req, "by", j)))
        trigger = provision.trigger
        if trigger is not None:
            if trigger.area is not None and trigger.area not in areas:
                yield _unknown("area", trigger.area, areas, source.at((*base, "trigger", "area")))
            if trigger.target is not None and trigger.target not in codes:
                yield _unknown("party", trigger.target, codes,
                               source.at((*base, "trigger", "target")))
            for i, kind in enumerate(trigger.incidents):
                if kind not in INCIDENT_KINDS:
                    yield _unknown("incident kind", kind, INCIDENT_KINDS,
                                   source.at((*base, "trigger", "incidents", i)))
        if provision.kind == "obligation" and provision.trigger is None and provision.after:
            pass  # a chained obligation inherits its predecessor's trigger
        if provision.measure is not None:
            yield from _check_measure(provision, base, areas, source)


def _check_named_file(file: str, base_dir: Path, at: Position) -> Iterator[Diagnostic]:
    """A file the treaty names: inside the treaty's folder (or an allowed root) and a
    regular file. Only its status is read here; the territory engine reads it."""
    try:
        check_regular_file(resolve_named_file(file, base_dir, "GeoJSON file", at, SpecError),
                           f"GeoJSON file {file!r}", SpecError, at)
    except SpecError as error:
        yield from error.diagnostics


def _check_measure(
    provision: Provision, base: PathKey, areas: set[str], source: SourceMap
) -> Iterator[Diagnostic]:
    """A measured commitment: a commitment with a start, known kinds and areas."""
    measure = provision.measure
    assert measure is not None
    at: PathKey = (*base, "measure")
    if provision.kind != "commitment":
        yield Diagnostic(f"only a commitment can be measured (this provision's kind is "
                         f"{provision.kind})", source.at(at, key=True))
    if provision.start is None:
        yield Diagnostic("a measured commitment needs a start (a date or a timezone-aware "
                         "time, e.g. 2015-02-15T00:00+02:00)", source.at(at, key=True))
    for i, kind in enumerate(measure.events):
        if kind not in INCIDENT_KINDS:
            yield _unknown("incident kind", kind, INCIDENT_KINDS, source.at((*at, "events", i)))
    if measure.line is not None and measure.line not in areas:
        yield _unknown("area", measure.line, areas, source.at((*at, "line")))
    for i, name in enumerate(measure.highlight):
        if name not in areas:
            yield _unknown("area", name, areas, source.at((*at, "highlight", i)))
    start = day_of(provision.start) if provision.start is not None else None
    for field in ("baseline", "after"):
        window = getattr(measure, field)
        if window is None or window.start is None or start is None:
            continue
        wrong = window.end >= start if field == "baseline" else window.start < start
        if wrong:
            side = "end before" if field == "baseline" else "start on or after"
            yield Diagnostic(f"the {field} window must {side} the commitment's start "
                             f"({start})", source.at((*at, field)))
        elif max(start - window.start, window.end - start).days > MAX_WINDOW_DAYS:
            # the measurement counts every day from the baseline to the end of the window
            yield Diagnostic(f"the {field} window must lie within {MAX_WINDOW_DAYS} days "
                             f"(100 years) of the commitment's start ({start})",
                             source.at((*at, field)))
    if isinstance(measure.deadline, date) and start is not None and measure.deadline < start:
        yield Diagnostic(f"the deadline {measure.deadline} is before the commitment's start "
                         f"({start})", source.at((*at, "deadline")))


def _check_condition(
    condition: Condition,
    path: PathKey,
    treaty: Treaty,
    source: SourceMap,
    party_or_group: set[str],
    groups: set[str],
    kinds: set[str],
) -> Iterator[Diagnostic]:
    def recurse(child: Condition, child_path: PathKey) -> Iterator[Diagnostic]:
        return _check_condition(child, child_path, treaty, source, party_or_group, groups, kinds)

    def instruments(names: Sequence[str], at: PathKey) -> Iterator[Diagnostic]:
        for i, name in enumerate(names):
            if name != CONSENT and name not in kinds:
                yield _unknown("act kind", name, kinds | {CONSENT}, source.at((*at, i)),
                               " (the procedure does not define it)")

    def group(name: str, at: PathKey) -> Iterator[Diagnostic]:
        if name not in groups:
            yield _unknown("group", name, groups, source.at(at))

    if isinstance(condition, AllOf):
        for i, child in enumerate(condition.all):
            yield from recurse(child, (*path, "all", i))
    elif isinstance(condition, AnyOf):
        for i, child in enumerate(condition.any):
            yield from recurse(child, (*path, "any", i))
    elif isinstance(condition, NotOf):
        yield from recurse(condition.not_, (*path, "not"))
    elif isinstance(condition, Count):
        spec = condition.count
        base = (*path, "count")
        yield from instruments(spec.instruments, (*base, "instruments"))
        yield from group(spec.by, (*base, "by"))
        for i, name in enumerate(spec.excluding):
            if name not in party_or_group:
                yield _unknown("party or group", name, party_or_group,
                               source.at((*base, "excluding", i)))
        for field in ("at_least", "more_than"):
            threshold = getattr(spec, field)
            if isinstance(threshold, Share):
                yield from group(threshold.of, (*base, field, "of"))
    elif isinstance(condition, Including):
        base = (*path, "including")
        yield from instruments(condition.including.instruments, (*base, "instruments"))
        for i, name in enumerate(condition.including.parties):
            if name not in party_or_group:
                yield _unknown("party or group", name, party_or_group,
                               source.at((*base, "parties", i)))
    elif isinstance(condition, Weight):
        base = (*path, "weight")
        yield from instruments(condition.weight.instruments, (*base, "instruments"))
        yield from group(condition.weight.by, (*base, "by"))
        if not any(condition.weight.key in p.weights for p in treaty.parties):
            yield Diagnostic(f"no party declares a weight named {condition.weight.key!r}",
                             source.at((*base, "key")))
    elif isinstance(condition, Referendum):
        yield from check_referendum_key(treaty, condition.referendum.party,
                                        source.at((*path, "referendum")))
    elif isinstance(condition, FactHolds) and condition.fact not in treaty.facts:
        yield _unknown("fact", condition.fact, treaty.facts, source.at((*path, "fact")))


def _is_iso(code: str) -> bool:
    if len(code) == 2:
        return pycountry.countries.get(alpha_2=code) is not None
    return pycountry.subdivisions.get(code=code) is not None  # type: ignore[no-untyped-call]


def _unknown(
    what: str, name: str, known: Any, at: Any, extra: str = ""
) -> Diagnostic:
    return Diagnostic(f"unknown {what} {name!r}{extra}", at, did_you_mean(name, list(known)))
