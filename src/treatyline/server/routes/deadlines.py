"""The deadline notices for their bearers: JSON pages by sequence number, an Atom feed and
server-sent events (resumable with Last-Event-ID).

Who may read: a party's officer reads its own party's notices (asking for another party's
is refused, 403, and logged); the depositary's administrator reads every bearer's, or
one's with `party`. Anyone else is refused (401 or 403, logged). The obligations
themselves are public elsewhere; a notice is the depositary's word to one bearer.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import Response, StreamingResponse
from pydantic import BaseModel, Field

from ...ledger.depositary import default_origin
from ..access import Access, Ledger, Now, Principal, refuse, require
from ..deadlines.feeds import notice_event, notices_atom
from ..deadlines.store import NoticeStore
from ..deadlines.watcher import NoticeTables
from ..errors import ApiError
from ..feeds import ATOM_TYPE, EVENT_STREAM_TYPE, FeedSource, keep_alive
from ..ledgers import TreatyLedger
from .admin import ACCESS_ERRORS
from .common import ERRORS, ERRORS_BESIDE_TEXT
from .feeds import StreamOptions, resumed_after, stream_options
from .log import MAX_SIZE

__all__ = ["router"]

router = APIRouter(prefix="/api/treaties", tags=["deadlines"])
Reader = Annotated[Principal, Depends(require("admin", "officer"))]
PartyQuery = Annotated[str | None, Query(
    max_length=32, description="The bearer whose notices to read (a party code): the "
    "administrator's choice (default: every bearer); an officer may name only its own.")]
PAGE = 100  # notices read at a time by a stream


class NoticeModel(BaseModel):
    seq: int = Field(description="The notice's sequence number (1, 2, ...).")
    issued: str = Field(description="The server's time of issue, RFC 3339 UTC.")
    id: str = Field(description="Stable: ntc_ and a digest of (treaty, provision, bearer, "
                    "occasion, kind); the webhook-id of its webhook.")
    kind: str = Field(description="obligation_triggered, deadline_reminder, deadline_passed "
                      "or obligation_fulfilled.")
    treaty: str
    provision: str
    title: str
    clause: str | None
    bearer: str
    bearer_name: str
    occasion: str
    incidents: list[str]
    due_from: date
    deadline: date | None
    deadline_ends: str | None = Field(description="24:00 UTC of the deadline day.")
    state: str
    discharge_by: list[str] = Field(description="The act kinds that discharge it.")
    fulfilled_on: date | None
    fulfilling_act: str | None
    text: str


class NoticePage(BaseModel):
    treaty: str
    party: str | None
    since: int
    notices: list[NoticeModel]
    next: int = Field(description="The `since` to ask next time.")


def _tables(request: Request, found: TreatyLedger) -> NoticeTables:
    tables: dict[str, NoticeTables] | None = getattr(request.app.state, "notice_tables", None)
    if tables is None or found.treaty_id not in tables:
        raise ApiError(503, "unavailable", "the deadline notices are not being kept (the "
                       "server is starting or stopping)")
    return tables[found.treaty_id]


async def _bearer(request: Request, access: Access, now: Now, who: Reader,
                  party: PartyQuery = None) -> str | None:
    """Whose notices the request may read: an officer's own party; the administrator's
    choice (None: all)."""
    if who.role == "admin":
        return party
    if party is not None and party != who.party:
        await refuse(request, access, now, who.describe(), 403, "forbidden",
                     f"an officer of {who.party} reads the notices of {who.party}, not of "
                     f"{party}", "query.party")
    return who.party


Bearer = Annotated[str | None, Depends(_bearer)]


@router.get("/{treaty}/notices", response_model=NoticePage, responses=ERRORS | ACCESS_ERRORS,
            summary="Deadline notices from `since` on (officer: its own; admin: all)")
async def list_notices(
        request: Request, found: Ledger, party: Bearer,
        since: Annotated[int, Query(ge=0, le=MAX_SIZE, description="The first sequence "
                                    "number: 0, then the last answer's `next`.")] = 0,
        limit: Annotated[int, Query(ge=1, le=1000, description="At most this many.")] = 100,
) -> dict[str, Any]:
    notices = await _tables(request, found).run(NoticeStore.page, since, limit, party)
    return {"treaty": found.treaty_id, "party": party, "since": since,
            "notices": [n.to_json() for n in notices],
            "next": notices[-1].seq + 1 if notices else since}


def _feed_source(found: TreatyLedger, feed_url: str, page_url: str) -> FeedSource:
    depositary = found.fresh()
    origin = depositary.state.origin or default_origin(depositary.treaty)
    return FeedSource(found.treaty_id, depositary.treaty.title, origin,
                      depositary.store.entry(0).received, feed_url, page_url)


@router.get("/{treaty}/notices.atom", response_class=Response,
            responses=ERRORS_BESIDE_TEXT | ACCESS_ERRORS | {200: {"content": {ATOM_TYPE: {}}}},
            summary="The latest deadline notices as an Atom feed")
async def atom_notices(
        request: Request, found: Ledger, party: Bearer,
        limit: Annotated[int, Query(ge=1, le=1000, description="How many of the latest "
                                    "notices.")] = 100,
) -> Response:
    base = f"{request.url.scheme}://{request.url.netloc}/api/treaties/{found.treaty_id}"
    source = await found.run(_feed_source, found, f"{base}/notices.atom", f"{base}/notices")
    notices = await _tables(request, found).run(NoticeStore.latest, limit, party)
    return Response(notices_atom(source, party, notices), media_type=ATOM_TYPE)


@router.get("/{treaty}/notices/events", response_class=StreamingResponse,
            responses=ERRORS_BESIDE_TEXT | ACCESS_ERRORS | {
                200: {"content": {EVENT_STREAM_TYPE: {}}}},
            summary="Deadline notices as server-sent events, as they are issued")
async def notice_events(
        request: Request, found: Ledger, party: Bearer,
        options: Annotated[StreamOptions, Depends(stream_options)],
        since: Annotated[int | None, Query(ge=0, le=MAX_SIZE, description="The first "
                                           "sequence number to send; default: the notices "
                                           "issued from now on.")] = None,
        last_event_id: Annotated[str | None, Header(
            alias="Last-Event-ID", description="The last event received (a notice's "
            "sequence number): the stream goes on after it. Wins over `since`.")] = None,
) -> StreamingResponse:
    tables = _tables(request, found)
    start = resumed_after(last_event_id, "a notice's sequence number", since)
    if start is None:
        start = await tables.run(NoticeStore.last_seq) + 1
    return StreamingResponse(_events(tables, party, start, options),
                             media_type=EVENT_STREAM_TYPE,
                             headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})


async def _events(tables: NoticeTables, party: str | None, start: int,
                  options: StreamOptions) -> AsyncIterator[str]:
    yield f"retry: {options.retry_milliseconds}\n\n"
    next_seq, last_sent = start, time.monotonic()
    end = last_sent + options.stream_seconds
    while time.monotonic() < end:
        notices = await tables.run(NoticeStore.page, next_seq, PAGE, party)
        for issued in notices:
            yield notice_event(issued)
            next_seq = issued.seq + 1
        if notices:
            last_sent = time.monotonic()
        elif time.monotonic() - last_sent >= options.keep_alive_seconds:
            yield keep_alive()
            last_sent = time.monotonic()
        if len(notices) < PAGE:
            await asyncio.sleep(options.poll_seconds)
