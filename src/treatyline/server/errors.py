"""One JSON shape for every error the server answers, and the request body limit.

    {"error": {"status": 422, "code": "invalid_date", "message": "...", "place": "query.as_of"}}

`place` names the part of the request at fault ("query.as_of", "path.index", "body"), or
is null. FastAPI's and Starlette's own errors (an unknown route, a wrong method, a request
parameter that fails validation) are given this shape by the handlers installed here; an
unexpected exception becomes a 500 in this shape, its trace logged on the server only.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..ledger.store import StoreError

__all__ = ["UPLOAD_PATHS", "ApiError", "BodyLimit", "error_json", "error_response",
           "install_error_handlers"]

log = logging.getLogger("treatyline.server")

UPLOAD_PATHS = re.compile(r"/api/treaties/[^/]+/incidents(/file)?")
"""The paths whose bodies may be as large as `Settings.max_upload_bytes` (monitors'
incident reports and event files); every other body is held to `max_body_bytes`."""

_STATUS_CODES = {400: "bad_request", 404: "not_found", 405: "method_not_allowed",
                 413: "body_too_large", 415: "unsupported_media_type", 422: "invalid_request",
                 500: "internal_error", 503: "ledger_unavailable"}


class ApiError(Exception):
    """A refusal the routes raise: the error shape's four fields."""

    def __init__(self, status: int, code: str, message: str, place: str | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.place = status, code, message, place


def error_json(status: int, code: str, message: str, place: str | None) -> dict[str, Any]:
    return {"error": {"status": status, "code": code, "message": message, "place": place}}


def error_response(status: int, code: str, message: str, place: str | None = None,
                   headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(error_json(status, code, message, place), status_code=status,
                        headers=headers)


def _place(location: Sequence[int | str]) -> str | None:
    """FastAPI's error location ("query", "as_of") as the shape's place ("query.as_of")."""
    return ".".join(str(part) for part in location) or None


def _validation_message(errors: Sequence[Any]) -> str:
    parts = [f"{_place(e.get('loc', ())) or 'request'}: {e.get('msg', 'invalid')}"
             for e in errors]
    return "; ".join(parts) or "the request is not valid"


async def _api_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, ApiError)
    return error_response(error.status, error.code, error.message, error.place)


async def _http_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, StarletteHTTPException)
    status = error.status_code
    message = str(error.detail)
    if status == 404 and message == "Not Found":
        message = f"there is no resource at {request.url.path}"
    elif status == 405:
        allowed = (error.headers or {}).get("Allow") or (error.headers or {}).get("allow")
        message = (f"{request.method} is not allowed on {request.url.path}"
                   + (f" (allowed: {allowed})" if allowed else ""))
    headers = dict(error.headers) if error.headers else None
    return error_response(status, _STATUS_CODES.get(status, f"http_{status}"), message,
                          "body" if status == 413 else None, headers=headers)


async def _validation_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    errors = list(error.errors())
    place = _place(errors[0].get("loc", ())) if errors else None
    return error_response(422, "invalid_parameter", _validation_message(errors), place)


async def _store_error(request: Request, error: Exception) -> JSONResponse:
    log.error("ledger store error on %s %s: %s", request.method, request.url.path, error)
    return error_response(503, "ledger_unavailable", "the ledger's database cannot be read "
                          "or written now (the failure is logged on the server); try again")


async def _unexpected(request: Request, error: Exception) -> JSONResponse:
    log.exception("unexpected error on %s %s", request.method, request.url.path)
    return error_response(500, "internal_error", "the server failed to answer this request; "
                          "the failure is logged on the server")


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StoreError, _store_error)
    app.add_exception_handler(Exception, _unexpected)


class BodyLimit:
    """Refuse a request body larger than `max_bytes` with 413: at once when its
    Content-Length says so, else as soon as the bytes received pass the limit (a chunked
    body, or a Content-Length that lies, is counted as it streams in)."""

    def __init__(self, app: ASGIApp, max_bytes: int, upload_bytes: int | None = None,
                 upload_paths: re.Pattern[str] | None = None) -> None:
        self.app, self.max_bytes = app, max_bytes
        self.upload_bytes, self.upload_paths = upload_bytes, upload_paths

    def _limit(self, scope: Scope) -> int:
        if (self.upload_bytes is not None and self.upload_paths is not None
                and self.upload_paths.fullmatch(scope.get("path", ""))):
            return self.upload_bytes
        return self.max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self._limit(scope)
        declared = dict(scope.get("headers", ())).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            await self._refuse(scope, receive, send, limit)
            return
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise StarletteHTTPException(413, self._message(limit))
            return message

        await self.app(scope, counted, send)

    def _message(self, limit: int) -> str:
        what = ("an upload of incidents" if limit != self.max_bytes
                else "an instrument")
        return (f"the request body is larger than {limit:,} bytes, the most this "
                f"server reads ({what} is at most that)")

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        await error_response(413, "body_too_large", self._message(limit), "body")(
            scope, receive, send)
