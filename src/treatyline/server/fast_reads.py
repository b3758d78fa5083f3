"""The public reads asked most under load, answered before FastAPI's routing.

`GET /api/treaties/{treaty}/status` and `.../timeline` take no credential and their
answers are cached as JSON bytes (`answers.py`); under load most of a status request's
cost in the server's interpreter was FastAPI's — the route's matching, the dependencies'
resolution, the query's validation — not the answer, and that interpreter is the one
deposits need. This layer, innermost of the middleware (after the limits on the request
and its body, inside the security headers), answers such a request itself: the same
ledger call the route makes, the same `Response` (same bytes and headers). Anything it
does not answer for sure (another path or method, an unknown treaty, a date that is not
valid, a failure of the ledger) goes on to FastAPI, which answers it as before (its 404,
422, 503 and 405 in the error shape).
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Awaitable

from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from .errors import ApiError
from .ledgers import Treaties, TreatyLedger
from .routes.common import asked_day, query_day

__all__ = ["FastReads"]

_PATH = re.compile(r"/api/treaties/([^/]+)/(status|timeline)")


class FastReads:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "GET":
            matched = _PATH.fullmatch(scope["path"])
            if matched is not None:
                answer = self._answer(scope, matched[1], matched[2])
                if answer is not None:
                    try:
                        body = await answer
                    except Exception as error:  # the ledger's: answered by the app's handler
                        await _handled(scope, receive, send, error)
                        return
                    await Response(body, media_type="application/json")(scope, receive, send)
                    return
        await self.app(scope, receive, send)

    def _answer(self, scope: Scope, treaty: str, what: str) -> Awaitable[bytes] | None:
        """The ledger's answer to await, or None for FastAPI to answer (with its error)."""
        state = scope["app"].state
        treaties: Treaties = state.treaties
        found: TreatyLedger | None = treaties.by_id.get(treaty)
        if found is None:
            return None
        query = QueryParams(scope.get("query_string", b""))
        try:  # the route's own readings of the query
            known = query_day(query.get("known_on"), "query.known_on")
            if what == "timeline":
                return found.timeline_answer(known)
            day = asked_day(state.clock, query.get("as_of"))
        except ApiError:  # the route answers it (its 422, in the error shape)
            return None
        return found.status_answer(day, known)


async def _handled(scope: Scope, receive: Receive, send: Send, error: Exception) -> None:
    """Answer `error` as the route's would be: by the app's handler of its class (a lost
    database: 503), else raised, to the server's 500 as an unexpected one."""
    # Starlette's lookup: the class's MRO; the handler of Exception is the outermost
    # layer's, which answers and raises the error again (logged by uvicorn)
    handlers = scope["app"].exception_handlers
    handler = next((handlers[cls] for cls in type(error).__mro__
                    if cls in handlers and cls is not Exception), None)
    if handler is None:
        raise error
    response = handler(Request(scope, receive), error)
    await (await response if inspect.isawaitable(response) else response)(scope, receive, send)

