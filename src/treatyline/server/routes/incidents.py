"""Incident reports: monitors POST them (JSON, one or a batch) or upload an event file;
anyone reads them, in the order received. Each answer of a POST names the obligations the
new incidents made or changed, as of the server's day."""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Callable, Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from ..access import Monitor, Principal
from ..errors import ApiError
from ..incident_models import (
    MAX_BATCH,
    IncidentBatchIn,
    IncidentIn,
    IncidentPage,
    IncidentsRecorded,
    RejectedUpload,
)
from ..incident_store import DuplicateIncidentError, IncidentReport
from ..ledgers import TreatyLedger
from ..models import ErrorResponse
from ..obligation_views import obligation_views
from ..obligations import ObligationsBook
from ..settings import Clock
from ..uploads import read_upload
from .common import ERRORS, clock, ledger

__all__ = ["book_of", "router"]

router = APIRouter(prefix="/api/treaties", tags=["incidents"], responses=ERRORS)

_MONITOR_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorResponse, "description": "No credential, or one that does not hold."},
    403: {"model": ErrorResponse, "description": "A credential other than a monitor's."},
    409: {"model": ErrorResponse, "description": "An incident id recorded already (named); "
          "nothing of the request is recorded."},
    413: {"model": ErrorResponse, "description": "The body is larger than the server's "
          "upload limit; nothing is recorded."},
}
_ONE_REPORT = IncidentIn.model_json_schema()  # flat: no references to resolve
_REPORT_BODY = {
    "required": True,
    "description": f"One incident, or {{\"incidents\": [...]}} with up to {MAX_BATCH}.",
    "content": {"application/json": {"schema": {"anyOf": [_ONE_REPORT, {
        "type": "object", "required": ["incidents"], "additionalProperties": False,
        "properties": {"incidents": {"type": "array", "items": _ONE_REPORT, "minItems": 1,
                                     "maxItems": MAX_BATCH}}}]}}},
}
_FILE_BODY = {
    "required": True,
    "description": "The event file: multipart/form-data (`events`, and `mapping` for a "
    "CSV), or the file itself with `?format=`.",
    "content": {
        "multipart/form-data": {"schema": {
            "type": "object", "required": ["events"],
            "properties": {"events": {"type": "string", "format": "binary"},
                           "mapping": {"type": "string", "format": "binary"}}}},
        "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
}


async def book_of(request: Request, found: Annotated[TreatyLedger, Depends(ledger)]
                  ) -> ObligationsBook:
    books: dict[str, ObligationsBook] = request.app.state.obligation_books
    return books[found.treaty_id]


Book = Annotated[ObligationsBook, Depends(book_of)]
Now = Annotated[Clock, Depends(clock)]


def _place(location: Sequence[int | str]) -> str:
    """pydantic's error location as the shape's place: body.incidents[3].longitude."""
    text = "body"
    for part in location:
        text += f"[{part}]" if isinstance(part, int) else f".{part}"
    return text


def _body_id(_index: int) -> str:
    return "body.id"


def _whole_body(_index: int) -> str:
    return "body"


def _validated(data: bytes) -> tuple[list[IncidentReport], bool]:
    """The reports of a JSON body, and whether it is a batch; 422 naming the first field
    at fault."""
    try:
        value = json.loads(data)
    except (ValueError, RecursionError):
        raise ApiError(422, "invalid_json", "the body is not JSON (one incident, or "
                       "{\"incidents\": [...]})", "body") from None
    batch = isinstance(value, dict) and "incidents" in value
    try:
        if batch:
            return [i.report() for i in IncidentBatchIn.model_validate_json(data).incidents], True
        return [IncidentIn.model_validate_json(data).report()], False
    except ValidationError as error:
        first = error.errors()[0]
        place = _place(first["loc"])
        raise ApiError(422, "invalid_incident", f"{place}: {first['msg']} ({error.error_count()}"
                       " problem(s) in all); nothing was recorded", place) from None


async def _record(request: Request, book: ObligationsBook, now: Clock, who: Principal,
                  reports: list[IncidentReport], data: bytes,
                  id_place: Callable[[int], str]) -> dict[str, Any]:
    """Record the reports; the answer with the obligations they made or changed.
    `id_place` names the place of the id of the report at an index (for a 409). The
    treaty's deadline watcher is woken, so that the bearers' notices of the obligations
    the reports set off go out now rather than at its next tick."""
    moment = now.now()
    day = moment.date()
    before = await book.obligations(day)
    try:
        recorded = await book.record(reports, who.describe(), moment,
                                     hashlib.sha256(data).hexdigest())
    except DuplicateIncidentError as error:
        index = [r.id for r in reports].index(error.incident_id)
        raise ApiError(409, "duplicate_incident", str(error), id_place(index)) from None
    watchers = getattr(request.app.state, "deadline_watchers", {})
    if book.ledger.treaty_id in watchers:
        watchers[book.ledger.treaty_id].wake()
    after = await book.assessment(day)
    old = {(o.provision, o.bearer, o.occasion): o for o in before}
    changed = tuple(o for o in after.obligations
                    if old.get((o.provision, o.bearer, o.occasion)) != o)
    return {"treaty": book.ledger.treaty_id, "recorded": [r.to_json() for r in recorded],
            "as_of": day.isoformat(),
            "obligations": obligation_views(book.ledger.depositary.treaty, after, changed,
                                            moment)}


@router.post("/{treaty}/incidents", status_code=201, response_model=IncidentsRecorded,
             summary="Report incidents (monitors)",
             description="A monitor reports one incident or a batch (all recorded, or none: "
             "a field at fault is answered 422 with its place, e.g. "
             "body.incidents[3].longitude; an id recorded already 409). Each is kept with "
             "who sent it, the server's time of receipt and the SHA-256 of the body. The "
             "answer names the obligations these incidents made or changed, as of the "
             "server's day.",
             responses=_MONITOR_ERRORS, openapi_extra={"requestBody": _REPORT_BODY})
async def report_incidents(request: Request, book: Book, now: Now, who: Monitor
                           ) -> dict[str, Any]:
    data = b"".join([chunk async for chunk in request.stream()])
    reports, batch = _validated(data)
    return await _record(request, book, now, who, reports, data,
                         (lambda i: f"body.incidents[{i}].id") if batch else _body_id)


@router.post("/{treaty}/incidents/file", status_code=201, response_model=IncidentsRecorded,
             summary="Upload an event file (monitors)",
             description="An event file read as `treatyline assess --events` reads it: "
             "multipart/form-data with the part `events` (a .csv, .geojson or .parquet "
             "file) and, for a CSV, the part `mapping` (its mapping YAML); or the file as "
             "the raw body with `?format=csv|geojson|parquet`. All or nothing: when the "
             "reader sets a row aside, nothing is recorded and the answer (422) lists "
             "every such row with its place (file:line).",
             responses=_MONITOR_ERRORS | {422: {"model": RejectedUpload, "description":
                                                "The file, or rows of it, cannot be read."}},
             openapi_extra={"requestBody": _FILE_BODY})
async def upload_incidents(request: Request, book: Book, now: Now, who: Monitor,
                           format: Annotated[str | None, Query(
                               description="The raw body's format: csv, geojson, parquet."
                           )] = None) -> Any:
    data = b"".join([chunk async for chunk in request.stream()])
    # read in a thread of its own: a large file must not hold up the loop or the ledger
    upload = await asyncio.to_thread(read_upload, data,
                                     request.headers.get("content-type", ""), format)
    if upload.rejected:
        first = upload.rejected[0]
        body = {"error": {"status": 422, "code": "rows_rejected", "message": (
            f"the reader set aside {len(upload.rejected)} row(s) of the file, first "
            f"{first.place}: {first.message}; nothing was recorded"),
            "place": first.place},
            "rejected": [{"place": r.place, "message": r.message} for r in upload.rejected]}
        return JSONResponse(body, status_code=422)
    if not upload.reports:
        raise ApiError(422, "no_incidents", "the file holds no incident", "body")
    if len(upload.reports) > MAX_BATCH * 100:
        raise ApiError(422, "too_many_incidents", f"at most {MAX_BATCH * 100} incidents a "
                       "file", "body")
    return await _record(request, book, now, who, upload.reports, data, _whole_body)


@router.get("/{treaty}/incidents", response_model=IncidentPage,
            summary="The incidents recorded, in the order received")
async def list_incidents(book: Book,
                         since: Annotated[int, Query(ge=0, le=2**62, description=(
                             "The last seq already read (0: from the first)."))] = 0,
                         limit: Annotated[int, Query(ge=1, le=1000)] = 100
                         ) -> dict[str, Any]:
    found = await book.incidents(since, limit + 1)
    page = found[:limit]
    return {"treaty": book.ledger.treaty_id, "since": since,
            "incidents": [r.to_json() for r in page],
            "next": page[-1].seq if len(found) > limit else None}
