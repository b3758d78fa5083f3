"""The notifications as an Atom feed and as a stream of server-sent events.

The stream reads the log at a short interval (`StreamOptions.poll_seconds`): an entry
appended by any worker process, or by another server on the same database, is sent as
soon as it is read; a comment every `keep_alive_seconds` keeps idle connections open
through proxies. Each stream ends after `stream_seconds` with a `retry:` delay, and the
client (an EventSource) reconnects with `Last-Event-ID`: so a server that stops never
waits long on open streams, and nothing is missed.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import Response, StreamingResponse

from ...ledger.depositary import default_origin
from ..errors import ApiError
from ..feeds import (
    ATOM_TYPE,
    EVENT_STREAM_TYPE,
    FeedSource,
    atom_feed,
    keep_alive,
    notification_event,
    notification_item,
)
from ..ledgers import TreatyLedger
from .common import ERRORS_BESIDE_TEXT, ledger
from .log import MAX_SIZE

__all__ = ["StreamOptions", "resumed_after", "router", "stream_options"]

router = APIRouter(prefix="/api/treaties", tags=["notifications"],
                   responses=ERRORS_BESIDE_TEXT)

PAGE = 100  # entries read at a time by a stream


@dataclass(frozen=True, slots=True)
class StreamOptions:
    """How often a stream reads the log, comments when idle, and how long it lasts."""

    poll_seconds: float = 0.5
    keep_alive_seconds: float = 15.0
    stream_seconds: float = 60.0
    retry_milliseconds: int = 1000


def stream_options(request: Request) -> StreamOptions:
    found: StreamOptions = getattr(request.app.state, "stream_options", StreamOptions())
    return found


def resumed_after(last_event_id: str | None, what: str, since: int | None) -> int | None:
    """Where a stream resumes: after the `Last-Event-ID` a client sends back (`what` the
    id is, for the error), else at `since`; 422 naming the header for an id that is no
    such number."""
    if last_event_id is None or not last_event_id.strip():
        return since
    text = last_event_id.strip()
    if not text.isascii() or not text.isdigit() or int(text) >= MAX_SIZE:
        raise ApiError(422, "invalid_parameter", f"Last-Event-ID must be {what} (the id of "
                       f"an event of this stream), not {text!r}", "header.last-event-id")
    return int(text) + 1


def _latest(found: TreatyLedger, limit: int,
            base: str) -> tuple[FeedSource, list[dict[str, Any]]]:
    """The feed's source (`base`: the treaty's address on this server) and the
    notifications of the last `limit` entries, newest first (run in the ledger's thread)."""
    depositary = found.fresh()
    store = depositary.store
    size = store.size()
    items = [item for entry in reversed(store.entries(max(0, size - limit), size))
             if (item := notification_item(found.treaty_id, entry)) is not None]
    origin = depositary.state.origin or default_origin(depositary.treaty)
    source = FeedSource(found.treaty_id, depositary.treaty.title, origin,
                        store.entry(0).received, f"{base}/notifications.atom",
                        f"{base}/entries")
    return source, items


def _since(found: TreatyLedger, start: int) -> tuple[list[dict[str, Any]], int]:
    """The notifications of the entries from `start` on (a page), and where to go on."""
    store = found.depositary.store
    entries = store.entries(start, start + PAGE)
    items = [item for entry in entries
             if (item := notification_item(found.treaty_id, entry)) is not None]
    return items, start + len(entries)


@router.get("/{treaty}/notifications.atom", response_class=Response,
            summary="The notifications of the latest entries as an Atom feed (RFC 4287)",
            responses={200: {"content": {ATOM_TYPE: {}}}})
async def atom_notifications(
        request: Request, found: Annotated[TreatyLedger, Depends(ledger)],
        limit: Annotated[int, Query(ge=1, le=1000, description="How many of the latest "
                                    "entries to look at (not all have a notification).")]
        = 100,
) -> Response:
    base = f"{request.url.scheme}://{request.url.netloc}/api/treaties/{found.treaty_id}"
    source, items = await found.run(_latest, found, limit, base)
    return Response(atom_feed(source, items), media_type=ATOM_TYPE)


@router.get("/{treaty}/notifications/stream", response_class=StreamingResponse,
            summary="The notifications as server-sent events, as entries are appended",
            responses={200: {"content": {EVENT_STREAM_TYPE: {}}}})
async def stream_notifications(
        found: Annotated[TreatyLedger, Depends(ledger)],
        options: Annotated[StreamOptions, Depends(stream_options)],
        since: Annotated[int | None, Query(ge=0, le=MAX_SIZE, description="The first entry "
                                           "to send; default: the entries appended from "
                                           "now on.")] = None,
        last_event_id: Annotated[str | None, Header(
            alias="Last-Event-ID", description="The last event received (an entry's "
            "index): the stream goes on after it. Wins over `since`.")] = None,
) -> StreamingResponse:
    start = resumed_after(last_event_id, "the index of an entry", since)
    if start is None:
        start = await found.run(lambda: found.depositary.store.size())
    return StreamingResponse(_events(found, start, options), media_type=EVENT_STREAM_TYPE,
                             headers={"Cache-Control": "no-cache",
                                      "X-Accel-Buffering": "no"})


async def _events(found: TreatyLedger, start: int,
                  options: StreamOptions) -> AsyncIterator[str]:
    yield f"retry: {options.retry_milliseconds}\n\n"
    next_index, last_sent = start, time.monotonic()
    end = last_sent + options.stream_seconds
    while time.monotonic() < end:
        items, next_index = await found.run(_since, found, next_index)
        for item in items:
            yield notification_event(item)
        if items:
            last_sent = time.monotonic()
        elif time.monotonic() - last_sent >= options.keep_alive_seconds:
            yield keep_alive()
            last_sent = time.monotonic()
        if not items:
            await asyncio.sleep(options.poll_seconds)
