"""The HTML report of a treaty, generated on request from the ledger's record."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse

from ..ledgers import TreatyLedger
from ..settings import Clock
from ..web.security import POLICY, self_contained_policy
from .common import (
    ERRORS_BESIDE_TEXT,
    AsOfQuery,
    KnownOnQuery,
    clock,
    ledger,
    query_day,
    query_day_or_time,
)

__all__ = ["router"]

router = APIRouter(prefix="/api/treaties", tags=["treaties"])


@router.get(
    "/{treaty}/report", response_class=HTMLResponse,
    summary="The HTML report: status, map, procedure timeline, obligations, commitments",
    description="The page `treatyline report` writes (one self-contained HTML document), "
    "from the ledger's record as known on `known_on`, as of `as_of`. Generated on the "
    "first request and kept for the next ones asking the same of the same record.",
    responses={200: {"content": {"text/html": {"schema": {"type": "string"}}},
                     "description": "The report."}, **ERRORS_BESIDE_TEXT})
async def get_report(found: Annotated[TreatyLedger, Depends(ledger)],
                     now: Annotated[Clock, Depends(clock)], as_of: AsOfQuery = None,
                     known_on: KnownOnQuery = None) -> HTMLResponse:
    day = now.now().date() if as_of is None else query_day_or_time(as_of, "query.as_of")
    known = query_day(known_on, "query.known_on")
    page = await found.report_answer(day, known)
    # the page is made to be read offline, its script and style inline: its own policy
    # allows exactly those (the server's strict policy would block them)
    return HTMLResponse(page, headers={POLICY: self_contained_policy(page)})
