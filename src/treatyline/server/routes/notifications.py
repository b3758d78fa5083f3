"""The depositary's notifications, kept with the entries they notify."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from ..ledgers import TreatyLedger
from ..models import NotificationPage
from .common import ERRORS, ledger
from .log import MAX_SIZE

__all__ = ["router"]

router = APIRouter(prefix="/api/treaties", tags=["notifications"], responses=ERRORS)


@router.get("/{treaty}/notifications", response_model=NotificationPage,
            summary="The notifications of the entries from `since` on")
async def list_notifications(
        found: Annotated[TreatyLedger, Depends(ledger)],
        since: Annotated[int, Query(ge=0, le=MAX_SIZE, description="The first entry to "
                                    "look at: 0, then the last answer's `next`.")] = 0,
        limit: Annotated[int, Query(ge=1, le=1000, description="How many entries to look "
                                    "at (not all have a notification).")] = 100,
) -> dict[str, Any]:
    return await found.run(found.notifications, since, limit)
