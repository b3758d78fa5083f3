"""The obligations the treaty's provisions and the monitors' incidents give rise to, and
the commitments' verdicts, as of a day, from the record as known on a day."""

from __future__ import annotations

from datetime import UTC, date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from ...calendar import day_of
from ..incident_models import CommitmentsModel, ObligationsModel
from ..obligation_views import obligation_views
from ..settings import Clock
from .common import ERRORS, AsOfQuery, KnownOnQuery, clock, query_day, query_day_or_time
from .incidents import Book

__all__ = ["router"]

router = APIRouter(prefix="/api/treaties", tags=["obligations"], responses=ERRORS)

Now = Annotated[Clock, Depends(clock)]


def _days(now: Clock, as_of: str | None, known_on: str | None) -> tuple[date, date | None]:
    day = now.now().date() if as_of is None else day_of(query_day_or_time(as_of,
                                                                          "query.as_of"))
    return day, query_day(known_on, "query.known_on")


@router.get("/{treaty}/obligations", response_model=ObligationsModel,
            summary="Obligations: bearer, deadline, state, countdown",
            description="Every obligation set off by the incidents recorded, as of a day "
            "(default: the server's day), from the record as known on a day: its bearer, "
            "the incidents of its occasion, its deadline and state, how to discharge it; "
            "when pending with a deadline, `deadline_at` (the end of the deadline day, "
            "UTC) and `seconds_left` on the server's clock. With the occasions, the "
            "incidents set aside and why, and the incidents whose coverage depends on "
            "the reading of a disputed area.")
async def get_obligations(book: Book, now: Now, as_of: AsOfQuery = None,
                          known_on: KnownOnQuery = None,
                          bearer: Annotated[str | None, Query(
                              max_length=64, description="Only this party's.")] = None,
                          state: Annotated[str | None, Query(
                              pattern="^(pending|fulfilled|violated|discharged|blocked)$",
                              description="Only those in this state.")] = None
                          ) -> dict[str, Any]:
    day, known = _days(now, as_of, known_on)
    assessment = await book.assessment(day, known)
    chosen = [o for o in assessment.obligations
              if (bearer is None or o.bearer == bearer) and (state is None or o.state == state)]
    moment = now.now()
    return {"treaty": book.ledger.treaty_id, "as_of": day.isoformat(),
            "known_on": known.isoformat() if known else None,
            "now": moment.astimezone(UTC).isoformat().replace("+00:00", "Z"),
            "incidents": book.revision,
            "obligations": obligation_views(book.ledger.depositary.treaty, assessment,
                                            chosen, moment),
            "occasions": [o.to_json() for o in assessment.occasions],
            "set_aside": [s.to_json() for s in assessment.set_aside],
            "reading_dependent": list(assessment.reading_dependent),
            "violations": [v.to_json() for v in assessment.violations],
            "notes": list(assessment.notes)}


@router.get("/{treaty}/commitments", response_model=CommitmentsModel,
            summary="Commitments and their verdicts",
            description="Every commitment measured on the incidents recorded, as of a day, "
            "from the record as known on a day (as `treatyline assess` measures them).")
async def get_commitments(book: Book, now: Now, as_of: AsOfQuery = None,
                          known_on: KnownOnQuery = None) -> dict[str, Any]:
    day, known = _days(now, as_of, known_on)
    assessment = await book.assessment(day, known)
    return {"treaty": book.ledger.treaty_id, "as_of": day.isoformat(),
            "known_on": known.isoformat() if known else None,
            "commitments": [c.to_json() for c in assessment.commitments]}


