"""The models of incident reports (what a monitor POSTs, validated here) and of the
incidents, obligations and commitments answers (the OpenAPI document's contract)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, Strict, field_validator

from ..calendar import check_day
from ..incident_kinds import KINDS
from .incident_store import IncidentReport
from .models import ErrorResponse

__all__ = ["MAX_BATCH", "CommitmentsModel", "IncidentBatchIn", "IncidentIn",
           "IncidentPage", "IncidentsRecorded", "ObligationsModel", "RejectedUpload"]

MAX_BATCH = 1000
"""The most incidents one request records."""

_NO_CONTROL = r"^[^\x00-\x1f\x7f]*$"


class IncidentIn(BaseModel):
    """One incident report: the columns of an event file (see the example's
    scenario-events.csv). Strings have no control characters."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1, max_length=200, pattern=r"^[^\x00-\x1f\x7f]+$",
                    description="The monitor's id of the event, unique in the treaty.")
    day: Annotated[dt.date, Strict()] = Field(alias="date", description="YYYY-MM-DD (UTC).")
    kind: str = Field(description="An incident kind.", json_schema_extra={"enum": list(KINDS)})
    actor: str = Field("", max_length=500, pattern=_NO_CONTROL)
    target: str = Field("", pattern=r"^([A-Z]{2})?$",
                        description="ISO 3166-1 alpha-2 code of the country it happened in.")
    longitude: float = Field(ge=-180, le=180, allow_inf_nan=False)
    latitude: float = Field(ge=-90, le=90, allow_inf_nan=False)
    location_precision_km: float | None = Field(None, ge=0, le=20_000, allow_inf_nan=False,
                                                description="The location's uncertainty "
                                                "radius in km (0: exact). Left out, the "
                                                "precision is unknown, as in an event file "
                                                "without it: the incident is never placed "
                                                "for sure in or out of an area, and a "
                                                "trigger with an area sets it aside as "
                                                "undetermined.")
    fatalities: float | None = Field(None, ge=0, le=10_000_000, allow_inf_nan=False)
    source: str = Field("", max_length=2000, pattern=_NO_CONTROL)
    note: str = Field("", max_length=4000, pattern=_NO_CONTROL)

    @field_validator("kind")
    @classmethod
    def _known_kind(cls, value: str) -> str:
        if value not in KINDS:
            raise ValueError(f"{value!r} is not an incident kind (one of: {', '.join(KINDS)})")
        return value

    @field_validator("day")
    @classmethod
    def _plausible_day(cls, value: dt.date) -> dt.date:
        return check_day(value)

    def report(self) -> IncidentReport:
        return IncidentReport(self.id, self.day, self.kind, self.actor, self.target,
                              self.longitude, self.latitude, self.location_precision_km,
                              self.fatalities, self.source, self.note)


class IncidentBatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    incidents: list[IncidentIn] = Field(min_length=1, max_length=MAX_BATCH)


class RecordedIncidentModel(BaseModel):
    seq: int = Field(description="Its place in the order received (1, 2, ...).")
    id: str
    date: str
    kind: str
    actor: str
    target: str
    longitude: float
    latitude: float
    location_precision_km: float | None
    fatalities: float | None
    source: str
    note: str
    submitted_by: str = Field(description="The monitor, as its credential shows it.")
    received: str = Field(description="The server's time of receipt (UTC).")
    sha256: str = Field(description="SHA-256 of the bytes submitted (body or file).")


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class ObligationModel(_Open):
    provision: str
    title: str
    clause: str | None
    bearer: str
    bearer_name: str
    occasion: str
    due_from: str
    deadline: str | None
    state: str = Field(description="pending, fulfilled, violated, discharged or blocked.")
    fulfilled_on: str | None
    fulfilling_act: str | None
    only_under_readings: list[str]
    because: list[dict[str, Any]]
    occasion_incidents: list[str] = Field(description="The incidents that set it off.")
    discharge: str = Field(description="How the bearer discharges it.")
    deadline_at: str | None = Field(description="Pending with a deadline: the end of the "
                                    "deadline day, UTC (the next day's 00:00:00Z).")
    seconds_left: int | None = Field(description="Pending with a deadline: seconds from "
                                     "the server's clock to deadline_at (negative: past).")


class IncidentsRecorded(BaseModel):
    treaty: str
    recorded: list[RecordedIncidentModel]
    as_of: str = Field(description="The server's day, as of which `obligations` are.")
    obligations: list[ObligationModel] = Field(
        description="The obligations new or changed because of these incidents.")


class IncidentPage(BaseModel):
    treaty: str
    since: int
    incidents: list[RecordedIncidentModel]
    next: int | None = Field(description="The `since` of the next page (null: no more).")


class SetAsideModel(_Open):
    provision: str
    reason: str
    count: int
    examples: list[str]


class ObligationsModel(BaseModel):
    treaty: str
    as_of: str
    known_on: str | None
    now: str = Field(description="The server's clock when answered.")
    incidents: int = Field(description="Incidents recorded (all are assessed).")
    obligations: list[ObligationModel]
    occasions: list[dict[str, Any]]
    set_aside: list[SetAsideModel]
    reading_dependent: list[str] = Field(description="Incidents whose coverage depends on "
                                         "the reading of a disputed area.")
    violations: list[dict[str, Any]]
    notes: list[str]


class CommitmentModel(_Open):
    provision: str
    title: str | None
    verdict: str
    summary: str | None = None


class CommitmentsModel(BaseModel):
    treaty: str
    as_of: str
    known_on: str | None
    commitments: list[CommitmentModel]


class RejectedRow(BaseModel):
    place: str | None
    message: str


class RejectedUpload(ErrorResponse):
    rejected: list[RejectedRow] = Field(default_factory=list, description=(
        "Every row the reader set aside (code rows_rejected)."))
