"""Limits on a request's line and headers, answered in the error shape.

No route reads a query of more than a few dates and numbers, nor needs large headers; a
request that brings kilobytes of them is refused before any route sees it: 414 for a
query string longer than `MAX_QUERY_BYTES`, 431 for headers larger than
`MAX_HEADER_BYTES` in all. (Past about 64 KiB of request head, uvicorn's HTTP parser
refuses the request itself, with a plain 400, before the application is called.)
"""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from .errors import error_response

__all__ = ["MAX_HEADER_BYTES", "MAX_QUERY_BYTES", "RequestLimits"]

MAX_QUERY_BYTES = 4096
MAX_HEADER_BYTES = 16384


class RequestLimits:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            query = len(scope.get("query_string", b""))
            headers = sum(len(name) + len(value) for name, value in scope.get("headers", ()))
            if query > MAX_QUERY_BYTES:
                await error_response(414, "query_too_long", f"the query string has {query:,} "
                                     f"bytes; this server reads at most {MAX_QUERY_BYTES:,}",
                                     "query")(scope, receive, send)
                return
            if headers > MAX_HEADER_BYTES:
                await error_response(431, "headers_too_large", f"the headers have {headers:,} "
                                     f"bytes in all; this server reads at most "
                                     f"{MAX_HEADER_BYTES:,}", "header")(scope, receive, send)
                return
        await self.app(scope, receive, send)
