"""What the routers share: the treaty a path names, dates in the query, the error
responses each route declares, and the clock."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import Path, Query, Request

from ...calendar import DayOrTime, check_day, day_of, parse_day, parse_day_or_time
from ..errors import ApiError
from ..ledgers import Treaties, TreatyLedger
from ..models import ErrorResponse
from ..settings import Clock

__all__ = [
    "ERRORS",
    "ERRORS_BESIDE_TEXT",
    "AsOfQuery",
    "KnownOnQuery",
    "TreatyPath",
    "asked_day",
    "clock",
    "ledger",
    "query_day",
    "query_day_or_time",
]

TreatyPath = Annotated[str, Path(description="The treaty's id, e.g. istanbul-2022.")]


def _error(description: str) -> dict[str, Any]:
    return {"model": ErrorResponse, "description": description}


ERRORS: dict[int | str, dict[str, Any]] = {
    404: _error("No such treaty, entry or checkpoint (or route)."),
    422: _error("A request parameter is not valid (the place names it)."),
    500: _error("An unexpected failure (logged on the server)."),
    503: _error("The ledger's database cannot be reached."),
}

ERRORS_BESIDE_TEXT: dict[int | str, dict[str, Any]] = {
    status: {"description": found["description"], "content": {"application/json": {
        "schema": {"$ref": "#/components/schemas/ErrorResponse"}}}}
    for status, found in ERRORS.items()}
"""The same, for a route whose own answer is text (FastAPI would declare its errors as
text too)."""


# The dependencies are coroutines: FastAPI runs a plain function in a thread pool, two
# thread hops per request for a dictionary look-up.
async def ledger(request: Request, treaty: TreatyPath) -> TreatyLedger:
    """The ledger of the treaty the path names; 404 when the server holds no such treaty."""
    treaties: Treaties = request.app.state.treaties
    return treaties.get(treaty)


async def clock(request: Request) -> Clock:
    found: Clock = request.app.state.clock
    return found


def query_day_or_time(text: str, place: str) -> DayOrTime:
    """A day (YYYY-MM-DD) or an instant with its timezone, as the command line reads
    --as-of; 422 naming `place` otherwise."""
    try:
        value = parse_day_or_time(text)
        check_day(day_of(value))
    except ValueError as error:
        raise ApiError(422, "invalid_date", str(error), place) from None
    return value


def asked_day(clock: Clock, as_of: str | None) -> DayOrTime:
    """The day (or instant) a status is asked as of: `as_of` read as `query_day_or_time`
    reads it, or today on the server's clock."""
    return clock.now().date() if as_of is None else query_day_or_time(as_of, "query.as_of")


def query_day(text: str | None, place: str) -> date | None:
    """A day (YYYY-MM-DD), as the command line reads --known-on; 422 naming `place`."""
    if text is None:
        return None
    try:
        return check_day(parse_day(text))
    except ValueError as error:
        raise ApiError(422, "invalid_date", str(error), place) from None


AsOfQuery = Annotated[str | None, Query(
    description="The day asked about, YYYY-MM-DD (or an ISO 8601 time with its timezone); "
    "default: today on the server's clock.", examples=["2023-06-08"])]
KnownOnQuery = Annotated[str | None, Query(
    description="The record as the depositary knew it at the end of this day, YYYY-MM-DD: "
    "only the instruments received on or before it count.", examples=["2023-06-07"])]
