"""The treaty language as typed, immutable models (validated by pydantic).

A treaty file is YAML; `treatyline schema` exports the JSON Schema of `Treaty`.
Every clause may carry `article` and `text` (the treaty's own words) so that
reports can show the law beside the logic.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    PlainSerializer,
    PrivateAttr,
    Tag,
    WithJsonSchema,
    model_validator,
)
from pydantic_core import PydanticCustomError

from ..calendar import (
    DayOrTime,
    Offset,
    check_day,
    day_of,
    parse_day,
    parse_day_or_time,
)
from ..sourcemap import SourceMap
from .referendum_model import ReferendumDeclaration
from .vocabulary import CONSENT

__all__ = [
    "LATE_TRIGGERS",
    "MAX_DISTANCE_KM",
    "MAX_WINDOW_DAYS",
    "AllOf",
    "AnyOf",
    "Approval",
    "Area",
    "AreaReading",
    "Clause",
    "Condition",
    "Corridor",
    "Count",
    "CountSpec",
    "CustomActKind",
    "Day",
    "EntryIntoForce",
    "Fact",
    "FactHolds",
    "Group",
    "Including",
    "IncludingSpec",
    "LateTrigger",
    "Measure",
    "MeasureWindow",
    "NotOf",
    "OffsetField",
    "Party",
    "ProcedureStep",
    "Provision",
    "ProvisionalApplication",
    "Referendum",
    "ReferendumSpec",
    "RegionalOrganisation",
    "RequiredAct",
    "RoutePoint",
    "Share",
    "Treaty",
    "Trigger",
    "Weight",
    "WeightSpec",
]


MAX_WINDOW_DAYS = 36_525
"""The longest measure window: 100 years of days (a window is counted day by day)."""

MAX_DISTANCE_KM = 5_000.0
"""The largest distance, buffer or corridor width in km. Buffers and corridors are drawn in
a projection centred on the area, exact near it and increasingly distorted far from it (see
territory/geodesy.py); beyond a few thousand km they would not mean what they say."""

Longitude = Annotated[float, Field(ge=-180, le=180, allow_inf_nan=False)]
Latitude = Annotated[float, Field(ge=-90, le=90, allow_inf_nan=False)]
LonLat = tuple[Longitude, Latitude]
"""A point as [longitude, latitude] in degrees (WGS 84)."""


def _day(value: Any) -> Any:
    if isinstance(value, str):
        return check_day(parse_day(value))
    if isinstance(value, datetime):
        raise ValueError(f"{value!r} is a time, not a date; write it as YYYY-MM-DD")
    if isinstance(value, date):
        return check_day(value)
    # pydantic would read a number as a Unix timestamp: never what a treaty file means
    raise ValueError(f"{value!r} is not a date; write it as YYYY-MM-DD")


def _day_or_time(value: Any) -> Any:
    if isinstance(value, str):
        value = parse_day_or_time(value)
    if isinstance(value, date):
        check_day(day_of(value))
        if isinstance(value, datetime) and value.tzinfo is None:
            raise ValueError(f"{value.isoformat()} has no timezone")
        return value
    raise ValueError(f"{value!r} is not a date; write it as YYYY-MM-DD (or an ISO 8601 time "
                     "with a timezone)")


def _offset(value: Any) -> Any:
    if isinstance(value, str):
        return Offset.parse(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return Offset(days=value)
    if isinstance(value, dict):
        unknown = {str(k) for k in value} - {"days", "months", "years", "then",
                                             "month_overflow"}
        if unknown:
            raise ValueError(
                f"unknown field(s) {sorted(str(k) for k in unknown)} in a period; expected "
                "days, months, years, then, month_overflow"
            )
        return Offset(**{str(k): v for k, v in value.items()})
    if isinstance(value, Offset):
        return Offset(value.days, value.months, value.years, value.then,
                      value.month_overflow)  # re-checked: a model may be built in code
    raise ValueError(f"{_shown(value)} is not a period; write e.g. '30 days', '1 year' or "
                     "{months: 6}")


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


Day = Annotated[
    date,
    BeforeValidator(_day),
    WithJsonSchema({"type": "string", "format": "date"}),
]
"""A calendar day written YYYY-MM-DD."""

DayOrTimeField = Annotated[
    DayOrTime,
    BeforeValidator(_day_or_time),
    WithJsonSchema(
        {"type": "string", "description": "YYYY-MM-DD or an ISO 8601 time with timezone"}
    ),
]

OffsetField = Annotated[
    Offset,
    BeforeValidator(_offset),
    PlainSerializer(lambda o: o.describe(), return_type=str),
    WithJsonSchema(
        {
            "anyOf": [
                {
                    "type": "string",
                    "description": "e.g. '30 days', '1 year', "
                    "'first day of the month following 90 days'",
                },
                {"type": "integer", "minimum": 0, "description": "days"},
                {
                    "type": "object",
                    "additionalProperties": False,
                    "properties": {
                        "days": {"type": "integer", "minimum": 0},
                        "months": {"type": "integer", "minimum": 0},
                        "years": {"type": "integer", "minimum": 0},
                        "then": {"enum": ["first_day_of_next_month", "first_day_of_month"]},
                        "month_overflow": {"enum": ["clip", "roll_over"]},
                    },
                },
            ]
        }
    ),
]
"""A period: '30 days', '1 year', {months: 6, then: first_day_of_month}, ..."""


class _Model(BaseModel):
    # infinities and NaN are never what a treaty file means (and break geometry and sums).
    # defer_build: a model's validator is built when first used, not at import; loading a
    # treaty builds the Treaty's alone (its parts inside it), not one for each of the 35
    # models as well: importing treatyline and loading a 195-state treaty and its record
    # take 101 ms of CPU instead of 115 (median of 15 runs)
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False,
                              defer_build=True)


class Clause(_Model):
    """Provenance of a clause: where it stands in the treaty and what it says."""

    article: str | None = Field(None, description="Article or paragraph, e.g. 'Article 11'.")
    text: str | None = Field(None, description="The treaty's own words for this clause.")
    note: str | None = Field(
        None, description="The encoder's remark: an assumption, a source, an uncertainty."
    )


# --- parties and groups -------------------------------------------------------


class Party(_Model):
    code: str = Field(
        description="ISO 3166-1 alpha-2 code for a state (e.g. UA); an id for a non-state "
        "participant (e.g. osce)."
    )
    name: str | None = Field(None, description="Defaults to the ISO 3166-1 short name.")
    kind: Literal["state", "organisation", "entity"] = "state"
    roles: tuple[str, ...] = Field(
        (), description="e.g. guaranteed_state, guarantor, depositary, mediator."
    )
    weights: dict[str, float] = Field(
        default_factory=dict, description="Named weights for weighted thresholds."
    )
    note: str | None = None


def _group_shorthand(value: Any) -> Any:
    return {"members": value} if isinstance(value, list) else value


class _GroupBody(Clause):
    title: str | None = Field(None, description="How outputs name the group.")
    members: tuple[str, ...] = ()
    roles: tuple[str, ...] = Field((), description="Every party holding one of these roles.")


Group = Annotated[_GroupBody, BeforeValidator(_group_shorthand)]


class RegionalOrganisation(Clause):
    """A regional economic integration organisation that is a party beside its member
    states, and the clause on how its instrument counts ('the instrument deposited by a
    regional economic integration organization shall not be counted as additional to those
    deposited by its member States', Paris Art. 21(4), Kyoto Art. 25(3))."""

    members: tuple[str, ...] = Field(
        min_length=1, description="Its member states: party codes, state codes or groups.")
    counted_as_additional: bool = Field(
        False, description="False (the clause above): in a count of instruments, its "
        "instrument does not count once one of its member states has deposited one.")


# --- areas (declared here; evaluated by the territory engine) -----------------


class AreaReading(Clause):
    """One party's understanding of an area whose borders were not agreed."""

    held_by: str = Field(description="The party whose reading this is.")
    iso: tuple[str, ...] = ()
    geojson: str | None = None


RoutePoint = str | LonLat
"""A place named in the treaty's `places`, an ISO 3166 code (its label point), or [lon, lat]."""


class Corridor(_Model):
    route: tuple[RoutePoint, ...] = Field(min_length=2, description="Points along the route.")
    width_km: float = Field(gt=0, le=MAX_DISTANCE_KM,
                            description="Total width; half on each side of the route.")


class Area(Clause):
    """A territorial area. Its geometry: the union of `iso`, `geojson`, `corridor` and the
    `union` areas, intersected with the `intersect` areas, minus the `minus` areas, then
    grown (or shrunk, if negative) by `buffer_km`."""

    iso: tuple[str, ...] = Field((), description="ISO 3166-1 or 3166-2 codes (UA, UA-43).")
    geojson: str | None = Field(None, description="A GeoJSON file, relative to the treaty file.")
    versions: dict[Day, str] = Field(
        default_factory=dict,
        description="Time-dependent area: a GeoJSON file per date; the area as of D is the "
        "latest version dated on or before D.",
    )
    corridor: Corridor | None = None
    union: tuple[str, ...] = Field((), description="Other areas added to this one.")
    minus: tuple[str, ...] = Field((), description="Other areas taken out of this one.")
    intersect: tuple[str, ...] = ()
    buffer_km: float | None = Field(None, ge=-MAX_DISTANCE_KM, le=MAX_DISTANCE_KM,
                                    description="Grow (or, negative, shrink) by km.")
    readings: dict[str, AreaReading] = Field(
        default_factory=dict, description="Named readings of an area with no agreed border."
    )


# --- facts and custom act kinds -------------------------------------------------


class Fact(Clause):
    """A state of affairs recorded with a date (e.g. a pull-back of forces)."""

    description: str


class CustomActKind(Clause):
    description: str | None = None


# --- the rule language ------------------------------------------------------------


class Share(_Model):
    fraction: float = Field(gt=0, le=1)
    of: str = Field(description="A group; its size at the date in question.")


Threshold = int | Share


class CountSpec(_Model):
    instruments: tuple[str, ...] = Field(
        (CONSENT,), description="Act kinds that count; 'consent' = any consent instrument."
    )
    by: str = Field("parties", description="Only instruments of members of this group count.")
    excluding: tuple[str, ...] = Field(
        (), description="Party codes or groups whose instruments do not count ('forty other "
        "States signatory', NPT Art. IX(3): by signatories, excluding depositaries)."
    )
    at_least: Threshold | None = None
    more_than: Threshold | None = None

    @model_validator(mode="after")
    def _one_threshold(self) -> CountSpec:
        if (self.at_least is None) == (self.more_than is None):
            raise ValueError("give exactly one of at_least or more_than")
        return self


class Count(_Model):
    """At least / more than N instruments (or a fraction of a group)."""

    count: CountSpec


class IncludingSpec(_Model):
    instruments: tuple[str, ...] = (CONSENT,)
    parties: tuple[str, ...] = Field(description="Party codes or group names; all must act.")


class Including(_Model):
    """Every named party (or every member of a group) has deposited."""

    including: IncludingSpec


class WeightSpec(_Model):
    instruments: tuple[str, ...] = (CONSENT,)
    key: str = Field(description="Which of the parties' weights to add up.")
    by: str = "parties"
    at_least: float | Share = Field(
        description="A total weight, or {fraction, of}: that fraction of the total weight of "
        "a group's members ('at least 55 per cent of the total ... of the Parties included in "
        "Annex I').")


class Weight(_Model):
    """Parties with instruments together hold at least this weight."""

    weight: WeightSpec


class ReferendumSpec(_Model):
    party: str


def _referendum_shorthand(value: Any) -> Any:
    return {"party": value} if isinstance(value, str) else value


class Referendum(_Model):
    """The referendum held by this party approved the treaty."""

    referendum: Annotated[ReferendumSpec, BeforeValidator(_referendum_shorthand)]


class FactHolds(_Model):
    """A declared fact has been recorded as established."""

    fact: str


class AllOf(_Model):
    all: tuple[Condition, ...] = Field(min_length=1)


class AnyOf(_Model):
    any: tuple[Condition, ...] = Field(min_length=1)


class NotOf(_Model):
    not_: Condition = Field(alias="not")
    model_config = ConfigDict(populate_by_name=True)


CONDITION_KEYS = {
    "all": "all",
    "any": "any",
    "not": "not",
    "count": "count",
    "including": "including",
    "weight": "weight",
    "referendum": "referendum",
    "fact": "fact",
}


def _condition_tag(value: Any) -> str | None:
    if isinstance(value, dict) and len(value) == 1:
        key = next(iter(value))
        return CONDITION_KEYS.get(key)
    if isinstance(value, BaseModel):
        for tag, cls in _CONDITION_CLASSES.items():
            if isinstance(value, cls):
                return tag
    return None


Condition = Annotated[
    Annotated[AllOf, Tag("all")]
    | Annotated[AnyOf, Tag("any")]
    | Annotated[NotOf, Tag("not")]
    | Annotated[Count, Tag("count")]
    | Annotated[Including, Tag("including")]
    | Annotated[Weight, Tag("weight")]
    | Annotated[Referendum, Tag("referendum")]
    | Annotated[FactHolds, Tag("fact")],
    Discriminator(
        _condition_tag,
        custom_error_type="condition",
        custom_error_message="a condition is a mapping with exactly one of the keys "
        "all, any, not, count, including, weight, referendum, fact",
    ),
]

_CONDITION_CLASSES: dict[str, type[BaseModel]] = {
    "all": AllOf,
    "any": AnyOf,
    "not": NotOf,
    "count": Count,
    "including": Including,
    "weight": Weight,
    "referendum": Referendum,
    "fact": FactHolds,
}

# AllOf, AnyOf and NotOf name `Condition` before it is defined: their first use (deferred,
# see _Model) finds it, so they need no model_rebuild() here, which would build them now


# --- procedure -----------------------------------------------------------------------


class Approval(_Model):
    """When a referendum counts as approving the treaty."""

    yes_share_at_least: float = Field(0.5, gt=0, le=1)
    yes_share_strictly_more: bool = Field(
        True, description="True: more than the share (a majority); False: at least it."
    )
    turnout_at_least: float | None = Field(None, gt=0, le=1)


class ProcedureStep(Clause):
    """What one act kind means in this treaty."""

    requires: tuple[str, ...] = Field(
        (), description="Act kinds the same party must have made on or before this act."
    )
    definitive: bool = Field(
        False, description="signature only: binds without ratification (definitive signature)."
    )
    open_to: str | None = Field(
        None, description="'any_state' (any state may make this act without being declared), "
        "or a group; default: declared parties."
    )
    joins: tuple[str, ...] = Field((), description="accession only: groups the new party joins.")
    held_by: str | None = Field(None, description="referendum only: the party holding it.")
    approval: Approval | None = None
    preconditions: tuple[str, ...] = Field(
        (), description="Facts that must be established before this act counts."
    )
    only_when: Condition | None = Field(
        None, description="A condition that must hold on the day of the act for it to count."
    )
    notice: OffsetField | None = Field(
        None, description="denunciation/withdrawal: how long after notice it takes effect."
    )
    not_before: OffsetField | None = Field(
        None, description="denunciation/withdrawal: minimum time in force before notice."
    )
    not_before_from: Literal["entry_into_force", "entry_into_force_for_party"] = Field(
        "entry_into_force",
        description="denunciation/withdrawal: what `not_before` counts from: the treaty's own "
        "entry into force, or its entry into force for the party giving notice ('after three "
        "years from the date on which this Agreement has entered into force for a Party').",
    )
    later_date_allowed: bool = Field(
        False, description="denunciation/withdrawal: a notice may name a later date on which "
        "it takes effect ('or on such later date as may be specified in the notification'); "
        "the act's `effective` date is then used when it is later than the clause's.",
    )


LATE_TRIGGERS = ("conditions_met", "entry_into_force")
LATE_TRIGGER_MESSAGE = (
    "entry into force comes some time after the conditions are met (effective), and a late "
    "instrument takes effect some time after its deposit (late_instruments): say which "
    "instruments are late with late_instruments_after: conditions_met (the text says 'after "
    "the deposit of the Nth instrument' or 'after the conditions have been met') or "
    "late_instruments_after: entry_into_force (the text says 'subsequent to the entry into "
    "force of this Convention'); the two readings bind a state that deposits in between on "
    "different days"
)
LateTrigger = Literal["conditions_met", "entry_into_force"]
"""The point after which a consent instrument is late (see `EntryIntoForce`)."""


def _day_or_offset(value: Any) -> Any:
    # a deadline is either a calendar day or a period counted from the start
    if isinstance(value, date) or (
            isinstance(value, str) and value.strip()[:1].isdigit() and "-" in value):
        return _day(value)
    if not isinstance(value, str | int | dict | Offset) or isinstance(value, bool):
        raise ValueError(f"{_shown(value)} is neither a date (YYYY-MM-DD) nor a period "
                         "(e.g. '16 days')")
    return _offset(value)


DayOrOffset = Annotated[
    date | Offset,
    BeforeValidator(_day_or_offset),
    PlainSerializer(lambda v: v.describe() if isinstance(v, Offset) else v.isoformat(),
                    return_type=str),
    WithJsonSchema(
        {"anyOf": [{"type": "string", "description": "YYYY-MM-DD or a period, e.g. '16 days'"},
                   {"type": "integer", "minimum": 0, "description": "days after the start"},
                   {"type": "object"}]}
    ),
]

class EntryIntoForce(Clause):
    when: Condition
    effective: OffsetField = Field(
        Offset(), description="When, after the conditions are met, the treaty enters into force."
    )
    late_instruments: OffsetField = Field(
        Offset(),
        description="For a consent instrument deposited after the trigger point "
        "(`late_instruments_after`): when the treaty enters into force for that party, "
        "counted from its deposit.",
    )
    not_before: DayOrOffset | None = Field(
        None,
        description="A floor: 'but in no case earlier than two years after its opening for "
        "signature' (a period, counted from `adopted`) or 'on 1 January 2009, provided that "
        "... or, failing that, ...' (a date). The treaty enters into force on the later of "
        "this and the date `effective` gives.",
    )
    late_instruments_after: LateTrigger | None = Field(
        None,
        description="Which instruments are late: those deposited after the day the conditions "
        "were met ('after the deposit of the Nth instrument', 'after the conditions have been "
        "met': conditions_met) or after the treaty's entry into force ('subsequent to the entry "
        "into force': entry_into_force). Required when `effective` and `late_instruments` are "
        "both non-zero: the two readings then give different dates.",
    )

    def floor(self, adopted: date | None) -> date | None:
        """The earliest day of entry into force the clause allows, if it sets one."""
        if self.not_before is None or isinstance(self.not_before, date):
            return self.not_before
        return None if adopted is None else self.not_before.after(adopted)

    def in_force_from(self, conditions_met: date, adopted: date | None) -> date:
        """Entry into force for conditions met on `conditions_met`: `effective` after it,
        and never before the floor."""
        start = self.effective.after(conditions_met)
        floor = self.floor(adopted)
        return start if floor is None else max(start, floor)

    @model_validator(mode="after")
    def _late_trigger_named(self) -> EntryIntoForce:
        # the two readings of "late" give different dates only when entry into force comes
        # some time after the conditions are met and a late instrument takes effect some
        # time after its deposit; then the file must say which it means (no silent default)
        if (self.late_instruments_after is None and not self.effective.is_zero
                and not self.late_instruments.is_zero):
            raise PydanticCustomError("late_trigger", LATE_TRIGGER_MESSAGE)
        return self


class ProvisionalApplication(Clause):
    when: Condition
    applies_to: str = Field("signatories", description="Group that applies it provisionally.")


# --- provisions (evaluated by the norms engine) -------------------------------------


class Trigger(_Model):
    """What sets an obligation off: incidents of these kinds, by these actors, against this
    party, inside this area, while the treaty is in force for the bearer."""

    incidents: tuple[str, ...] = Field(
        ("armed_attack",), description="Incident kinds (see the incident vocabulary)."
    )
    actors: tuple[str, ...] = Field((), description="Only incidents by these actors (any: ()).")
    target: str | None = Field(None, description="Only incidents against this party.")
    area: str | None = Field(None, description="Only incidents inside this area.")
    window: OffsetField = Field(
        Offset(days=7),
        description="Incidents within this period of an occasion's first incident are the "
        "same occasion (one obligation, not one per incident).",
    )


class LaterWindow(_Model):
    """A window after the start, `days` long, beginning `from_day` days after the start's
    day (0: on it): one of a reduction's further windows."""

    from_day: int = Field(0, ge=0, le=MAX_WINDOW_DAYS,
                          description="Days from the start's day to the window's first day.")
    days: int = Field(gt=0, le=MAX_WINDOW_DAYS, description="Length in days.")


class MeasureWindow(_Model):
    """A window of whole days: `days` long next to the start (before it for a baseline,
    from it for the window after), or the explicit days `start` to `end` (both included)."""

    days: int | None = Field(None, gt=0, le=MAX_WINDOW_DAYS,
                             description="Length in days, next to the start.")
    start: Day | None = Field(None, description="First day of an explicit window.")
    end: Day | None = Field(None, description="Last day of an explicit window (included).")

    @model_validator(mode="after")
    def _days_or_dates(self) -> MeasureWindow:
        explicit = self.start is not None or self.end is not None
        if (self.days is None) == (not explicit):
            raise ValueError("give either days, or start and end")
        if explicit and (self.start is None or self.end is None):
            raise ValueError("an explicit window needs both start and end")
        if self.start is not None and self.end is not None and self.end < self.start:
            raise ValueError("the window ends before it starts")
        if (self.start is not None and self.end is not None
                and (self.end - self.start).days >= MAX_WINDOW_DAYS):
            raise ValueError(f"a window of more than {MAX_WINDOW_DAYS} days (100 years) is "
                             "not accepted")
        return self


def _window_shorthand(value: Any) -> Any:
    # `baseline: 14` reads as 14 days
    if isinstance(value, int) and not isinstance(value, bool):
        return {"days": value}
    return value


WindowField = Annotated[MeasureWindow, BeforeValidator(_window_shorthand)]


EXPECTATIONS = ("ceasefire", "reduction", "withdrawal_distance")

# which measure fields each expectation reads; any other given field is a mistake
_MEASURE_FIELDS: dict[str, frozenset[str]] = {
    "ceasefire": frozenset({"after", "baseline", "min_events"}),
    "reduction": frozenset({"after", "baseline", "at_least_pct", "min_events", "lag_days",
                            "weekly", "windows"}),
    "withdrawal_distance": frozenset({"distance_km", "line", "deadline", "weapons",
                                      "min_events"}),
}
_COMMON_FIELDS = frozenset({"expectation", "events", "actors", "count", "per", "highlight"})


class Measure(_Model):
    """How a commitment is measured on conflict-event data (see docs/language.md)."""

    expectation: Literal["ceasefire", "reduction", "withdrawal_distance"] = Field(
        description="ceasefire: no qualifying event after the start; reduction: the measure "
        "after the start at least at_least_pct below the baseline; withdrawal_distance: no "
        "qualifying event within distance_km of the line after the deadline."
    )
    events: tuple[str, ...] = Field(
        (), description="Incident kinds that count; () = every kind except 'other'."
    )
    actors: tuple[str, ...] = Field(
        (), description="Only events with one of these actor names, as the source writes them."
    )
    count: Literal["events", "fatalities"] = Field(
        "events", description="What is counted: events, or fatalities (the best estimate)."
    )
    per: Literal["day", "week"] = Field("day", description="Rates per day or per week.")
    baseline: WindowField | None = Field(
        None, description="The window before the start (default: 14 days before it)."
    )
    after: WindowField | None = Field(
        None, description="The window from the start (reduction default: 14 days; ceasefire "
        "default: from the start to the as-of date)."
    )
    at_least_pct: float | None = Field(
        None, gt=0, le=100, description="reduction: the promised fall, in per cent."
    )
    distance_km: float | None = Field(
        None, gt=0, le=MAX_DISTANCE_KM,
        description="withdrawal_distance: no event this close to the line."
    )
    line: str | None = Field(None, description="withdrawal_distance: the reference line (an area).")
    deadline: DayOrOffset | None = Field(
        None, description="withdrawal_distance: a date, or a period after the start's day."
    )
    weapons: str | None = Field(
        None, description="withdrawal_distance: the weapon classes the clause names, in words."
    )
    min_events: int | None = Field(
        None, ge=0, description="Fewer events than this in the baseline window: undetermined "
        "(default 10 for a reduction, 0 otherwise)."
    )
    highlight: tuple[str, ...] = Field(
        (), description="Areas to name in the listed incidents (e.g. a town's surroundings)."
    )
    lag_days: int | None = Field(
        None, ge=0, le=MAX_WINDOW_DAYS, description="reduction: days from the start left out "
        "before the after window begins (time to pass an order down); default 0."
    )
    weekly: int | None = Field(
        None, gt=0, le=52, description="reduction: also judge each of this many weeks from "
        "the start of the after window against the baseline, each with its own verdict."
    )
    windows: tuple[LaterWindow, ...] = Field(
        (), max_length=52, description="reduction: further windows after the start, each "
        "judged against the same baseline with its own verdict (e.g. days 1-14 and 15-28)."
    )

    @model_validator(mode="after")
    def _fields_fit_the_expectation(self) -> Measure:
        given = {name for name in self.model_fields_set}
        wrong = sorted(given - _COMMON_FIELDS - _MEASURE_FIELDS[self.expectation])
        if wrong:
            raise ValueError(f"{', '.join(wrong)} do(es) not apply to a {self.expectation} "
                             "measure")
        if self.lag_days and isinstance(self.after, MeasureWindow) and self.after.days is None:
            raise ValueError("lag_days applies to an after window given in days, not to one "
                             "with explicit start and end")
        if self.expectation == "reduction" and self.at_least_pct is None:
            raise ValueError("a reduction needs at_least_pct: the promised fall in per cent")
        if self.expectation == "withdrawal_distance":
            missing = [n for n in ("distance_km", "line", "deadline") if getattr(self, n) is None]
            if missing:
                raise ValueError(f"a withdrawal_distance needs {', '.join(missing)}")
        return self


class RequiredAct(_Model):
    kind: str
    by: tuple[str, ...] = Field((), description="Parties or groups; () = any party.")


class Provision(Clause):
    id: str
    kind: Literal["obligation", "prohibition", "commitment", "condition", "assurance"]
    title: str | None = None
    bearers: tuple[str, ...] = Field((), description="Party codes or group names.")
    beneficiary: str | None = None
    areas: tuple[str, ...] = Field((), description="Areas the provision applies to.")
    forbids: tuple[str, ...] = Field((), description="prohibition: act kinds forbidden.")
    trigger: Trigger | None = Field(None, description="obligation: what sets it off.")
    duty: str | None = Field(None, description="obligation: what is owed, in words.")
    fulfilled_by: tuple[str, ...] = Field(
        (), description="obligation: act kinds by the bearer that fulfil it."
    )
    deadline: OffsetField | None = None
    after: str | None = Field(
        None, description="obligation: due when the deadline of this other obligation ends."
    )
    decision_rule: Literal["individual", "unanimous"] | None = None
    governs: tuple[str, ...] = Field(
        (), description="condition: act kinds that may happen only after `requires_acts`."
    )
    requires_acts: tuple[RequiredAct, ...] = Field(
        (), description="condition: acts that must come first (on or before the same day)."
    )
    start: DayOrTimeField | None = None
    measure: Measure | None = Field(
        None, description="commitment: how it is measured on conflict-event data."
    )


# --- the treaty ----------------------------------------------------------------------


class Treaty(_Model):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]*$")
    title: str
    short_title: str | None = None
    adopted: Day | None = Field(None, description="Date the text was adopted or opened.")
    place: str | None = None
    depositary: tuple[str, ...] = Field(
        (), description="Codes of the depositary, each one of the declared parties.")
    languages: tuple[str, ...] = ()
    source: str | None = None
    hypothetical: bool = Field(False, description="True for a treaty that was never concluded.")
    legal_form: Literal["treaty", "political_commitment", "disputed"] = Field(
        "treaty",
        description="What 'bound' means here: a treaty binds in law; for a political commitment "
        "or a disputed form, 'bound' means committed under the instrument's own terms.",
    )
    legal_form_note: str | None = None
    note: str | None = None
    parties: tuple[Party, ...] = Field(min_length=1)
    open_to: Literal["all_states"] | None = Field(
        None, description="all_states: any state (an ISO 3166-1 code, or an ISO 3166-3 code of "
        "a former state) may sign and deposit instruments without being declared.")
    weights_table: str | None = Field(
        None, description="A CSV file, relative to the treaty file, of the parties' weights: "
        "a column 'party', then one column per weight key.")
    regional_organisations: dict[str, RegionalOrganisation] = Field(
        default_factory=dict, description="Declared organisation parties that are regional "
        "economic integration organisations, with their member states.")
    groups: dict[str, Group] = Field(default_factory=dict)
    areas: dict[str, Area] = Field(default_factory=dict)
    facts: dict[str, Fact] = Field(default_factory=dict)
    places: dict[str, LonLat] = Field(
        default_factory=dict, description="Named places as [longitude, latitude] (WGS 84)."
    )
    act_kinds: dict[str, CustomActKind] = Field(
        default_factory=dict, description="Treaty-specific act kinds beyond the vocabulary."
    )
    procedure: dict[str, ProcedureStep]
    referendums: dict[str, ReferendumDeclaration] = Field(
        default_factory=dict, description="The popular votes the procedure depends on, by name "
        "(see docs/language.md, Referendums).")
    entry_into_force: EntryIntoForce
    provisional_application: ProvisionalApplication | None = None
    provisions: tuple[Provision, ...] = ()

    _source: SourceMap | None = PrivateAttr(None)
    _base_dir: str | None = PrivateAttr(None)
    _table_weights: dict[str, dict[str, float]] = PrivateAttr(default_factory=dict)
    _table_keys: tuple[str, ...] = PrivateAttr(())

    @property
    def source_map(self) -> SourceMap | None:
        return self._source

    @property
    def base_dir(self) -> str | None:
        return self._base_dir

    def party(self, code: str) -> Party | None:
        return next((p for p in self.parties if p.code == code), None)

    def weight(self, code: str, key: str) -> float:
        """A party's weight named `key`: declared inline or in the weights table; 0 if none."""
        found = self.party(code)
        if found is not None and key in found.weights:
            return found.weights[key]
        return self._table_weights.get(code, {}).get(key, 0.0)

    def weight_keys(self) -> set[str]:
        """Every weight key some party has."""
        keys = {key for p in self.parties for key in p.weights}
        keys.update(self._table_keys)  # the table's columns, even if a row was wrong
        for weights in self._table_weights.values():
            keys.update(weights)
        return keys
