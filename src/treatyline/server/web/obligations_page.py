"""The obligations page: every obligation the monitors' incidents set off, as of a day,
with a live countdown to each pending deadline (static/countdown.js: it counts down from
the server's `seconds_left`, so the page agrees with the server's clock, not the
browser's).

    /treaties/{treaty}/obligations?as_of=&known_on=
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from ...calendar import day_of
from ..ledgers import Treaties
from ..obligation_views import obligation_views
from ..obligations import ObligationsBook
from ..routes.common import query_day, query_day_or_time
from ..settings import Clock
from ..views import treaty_summary
from .pages import PageRoute, render

__all__ = ["router"]

router = APIRouter(include_in_schema=False, route_class=PageRoute)


@router.get("/treaties/{treaty}/obligations", response_class=HTMLResponse)
async def obligations_page(request: Request, treaty: str, as_of: str | None = None,
                           known_on: str | None = None) -> Response:
    treaties: Treaties = request.app.state.treaties
    found = treaties.get(treaty)
    book: ObligationsBook = request.app.state.obligation_books[found.treaty_id]
    clock: Clock = request.app.state.clock
    now = clock.now()
    day = now.date() if not as_of else day_of(query_day_or_time(as_of, "query.as_of"))
    known = query_day(known_on or None, "query.known_on")
    assessment = await book.assessment(day, known)
    return render(request, "obligations.html", treaty=treaty_summary(found.depositary.treaty),
                  as_of=day.isoformat(), known_on=known_on or "", incidents=book.revision,
                  obligations=obligation_views(found.depositary.treaty, assessment,
                                               assessment.obligations, now),
                  set_aside=[s.to_json() for s in assessment.set_aside],
                  reading_dependent=list(assessment.reading_dependent))
