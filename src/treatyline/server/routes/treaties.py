"""The treaties, their status and their timeline, read from the depositary's ledger."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response

from ..ledgers import Treaties, TreatyLedger
from ..models import StatusModel, TimelineModel, TreatyList, TreatyModel
from ..settings import Clock
from ..views import treaty_summary
from .common import ERRORS, AsOfQuery, KnownOnQuery, asked_day, clock, ledger, query_day

__all__ = ["router"]

router = APIRouter(prefix="/api/treaties", tags=["treaties"], responses=ERRORS)

Ledger = Annotated[TreatyLedger, Depends(ledger)]


@router.get("", response_model=TreatyList, summary="The treaties this server holds")
async def list_treaties(request: Request) -> dict[str, Any]:
    treaties: Treaties = request.app.state.treaties
    return {"treaties": [treaty_summary(t.depositary.treaty) for t in treaties.by_id.values()]}


@router.get("/{treaty}", response_model=TreatyModel,
            summary="A treaty: parties, and each clause's text beside its logic")
async def get_treaty(found: Ledger) -> dict[str, Any]:
    return await found.run(found.treaty)


# exclude_unset: the fields the engine writes only when they apply (known_on, recorded) are
# left out when it leaves them out, as in the command's JSON
@router.get("/{treaty}/status", response_model=StatusModel, response_model_exclude_unset=True,
            summary="Who is bound and since when, as of a day, as known on a day")
async def get_status(found: Ledger, now: Annotated[Clock, Depends(clock)],
                     as_of: AsOfQuery = None, known_on: KnownOnQuery = None) -> Response:
    day = asked_day(now, as_of)
    known = query_day(known_on, "query.known_on")
    # the answer's bytes as cached (the model above documents them; FastAPI sends a
    # Response as it is)
    return Response(await found.status_answer(day, known), media_type="application/json")


@router.get("/{treaty}/timeline", response_model=TimelineModel,
            response_model_exclude_unset=True,
            summary="Every day on which anything changed, as known on a day")
async def get_timeline(found: Ledger, known_on: KnownOnQuery = None) -> Response:
    return Response(await found.timeline_answer(query_day(known_on, "query.known_on")),
                    media_type="application/json")
