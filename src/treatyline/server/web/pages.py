"""The web pages: server-rendered HTML under `/` (the JSON API stays under /api).

    /                                   the treaties held
    /treaties/{treaty}?as_of=&known_on= its dashboard: status, who is bound, what is
                                        pending, the report's map and timeline
    /treaties/{treaty}/log?start=       the log, each entry with its inclusion proof
    /treaties/{treaty}/notifications    the depositary's notifications
    /treaties/{treaty}/officer          an officer's page: sign or upload an instrument
    /login, /logout                     an officer's session (see session.py)

A page's refusal (no such treaty, a date that is not one) is an HTML page with the error's
status and message, as the API's error shape says it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.routing import APIRoute
from jinja2 import Environment, PackageLoader, StrictUndefined

from ...calendar import day_of
from ..access import AccessControl
from ..errors import ApiError
from ..ledgers import Treaties, TreatyLedger
from ..obligations import ObligationsBook
from ..routes.common import query_day, query_day_or_time
from ..settings import Clock
from ..views import treaty_summary
from .builders import act_kinds, current_record, dashboard, log_page
from .security import CSRF_FIELD, csrf_matches, csrf_token, remember_csrf
from .session import (
    OFFICER,
    Officer,
    OfficerTokens,
    SessionKeys,
    end_session,
    signed_in,
    start_session,
)
from .signin_limit import FAILED, LIMITED, record_signin_refusal, signin_retry_after

__all__ = ["ENVIRONMENT", "router"]

log = logging.getLogger("treatyline.server.web")


ENVIRONMENT = Environment(loader=PackageLoader("treatyline.server.web", "templates"),
                          autoescape=True, undefined=StrictUndefined, trim_blocks=True,
                          lstrip_blocks=True)
"""Autoescape on for every template: any value put in a page is escaped unless a
template marks it safe — only the report's sections, which build their HTML from escaped
parts."""

LOG_PAGE = 20
MAX_FORM_BYTES = 4096


def _now(request: Request) -> datetime:
    clock: Clock = request.app.state.clock
    return clock.now()


def _officer(request: Request) -> Officer | None:
    keys: SessionKeys = request.app.state.session_keys
    return signed_in(request, keys, _now(request))


def render(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    """The page `template` with `context`, the signed-in officer and a CSRF token for its
    forms (the cookie set when the browser has none yet)."""
    token = csrf_token(request)
    html = ENVIRONMENT.get_template(template).render(
        officer=_officer(request), here=request.url.path, csrf=token, csrf_field=CSRF_FIELD,
        **context)
    response = HTMLResponse(html, status_code=status)
    remember_csrf(response, request, token)
    return response


def error_page(request: Request, error: ApiError) -> HTMLResponse:
    return render(request, "error.html", status=error.status, error=error)


def _ledger(request: Request, treaty: str) -> TreatyLedger:
    treaties: Treaties = request.app.state.treaties
    return treaties.get(treaty)


class PageRoute(APIRoute):
    """A page's route: its refusal is an HTML error page (the API's are JSON)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        answer = super().get_route_handler()

        async def shown(request: Request) -> Response:
            try:
                return await answer(request)
            except ApiError as error:
                return error_page(request, error)

        return shown


router = APIRouter(include_in_schema=False, route_class=PageRoute)


def _count(text: str | None, place: str, default: int) -> int:
    if text is None or text == "":
        return default
    if not text.isdigit() or len(text) > 18:
        raise ApiError(422, "invalid_parameter", f"{place.split('.')[-1]} must be a whole "
                       f"number from 0, not {text!r}", place)
    return int(text)


@router.get("/", response_class=HTMLResponse)
async def treaty_list(request: Request) -> Response:
    treaties: Treaties = request.app.state.treaties
    return render(request, "treaties.html", treaties=[
        treaty_summary(t.depositary.treaty) for t in treaties.by_id.values()])


@router.get("/treaties/{treaty}", response_class=HTMLResponse)
async def treaty_dashboard(request: Request, treaty: str, as_of: str | None = None,
                           known_on: str | None = None) -> Response:
    found = _ledger(request, treaty)
    day = (_now(request).date() if not as_of else query_day_or_time(as_of, "query.as_of"))
    known = query_day(known_on or None, "query.known_on")
    treaty_now, record = await found.run(current_record, found)
    book: ObligationsBook = request.app.state.obligation_books[found.treaty_id]
    view, incidents = await book.map_view(day_of(day), known)
    board = await asyncio.to_thread(dashboard, treaty_now, record, day, known, view,
                                    incidents)
    return render(request, "dashboard.html", treaty=treaty_summary(found.depositary.treaty),
                  as_of=str(day), known_on=known_on or "", board=board)


@router.get("/treaties/{treaty}/log", response_class=HTMLResponse)
async def treaty_log(request: Request, treaty: str, start: str | None = None) -> Response:
    found = _ledger(request, treaty)
    page = await found.run(log_page, found, _count(start, "query.start", 0), LOG_PAGE)
    return render(request, "log.html", treaty=treaty_summary(found.depositary.treaty),
                  page=page, previous=max(0, page["start"] - LOG_PAGE)
                  if page["start"] > 0 else None)


@router.get("/treaties/{treaty}/notifications", response_class=HTMLResponse)
async def treaty_notifications(request: Request, treaty: str,
                               since: str | None = None) -> Response:
    found = _ledger(request, treaty)
    page = await found.run(found.notifications, _count(since, "query.since", 0), 1000)
    officer = _officer(request)
    return render(request, "notifications.html", treaty=treaty_summary(found.depositary.treaty),
                  page=page, items=list(reversed(page["notifications"])),
                  own=officer.party if officer else None)


@router.get("/treaties/{treaty}/officer", response_class=HTMLResponse)
async def officer_page(request: Request, treaty: str) -> Response:
    found = _ledger(request, treaty)
    officer = _officer(request)
    if officer is None:
        return RedirectResponse(f"/login?next={quote(request.url.path)}", status_code=303)
    return render(request, "officer.html", treaty=treaty_summary(found.depositary.treaty),
                  kinds=act_kinds(found), today=_now(request).date().isoformat(),
                  party=officer.party)


@router.get("/login", response_class=HTMLResponse)
async def login_form(request: Request, next: str = "/") -> Response:
    return render(request, "login.html", next=_local(next), problem=None)


async def _form(request: Request) -> dict[str, str]:
    """An urlencoded form's fields (the first value of each); a larger body is refused."""
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            raise ApiError(413, "body_too_large", "the form is too large", "body")
    try:
        fields = parse_qs(body.decode("utf-8"), max_num_fields=10)
    except (UnicodeDecodeError, ValueError):
        raise ApiError(400, "bad_request", "the form could not be read", "body") from None
    return {name: values[0] for name, values in fields.items()}


def _local(target: str) -> str:
    """Where to go after signing in: a path of this server only (never another site)."""
    return target if target.startswith("/") and not target.startswith("//") \
        and "\\" not in target else "/"


def _client(request: Request) -> str:
    return request.client.host if request.client else "an unknown address"


def _csrf_refused(request: Request) -> HTMLResponse:
    log.warning("%s %s from %s refused: the form's CSRF token does not match its cookie",
                request.method, request.url.path, _client(request))
    return error_page(request, ApiError(
        403, "csrf_refused", "the form's security token does not match this browser's "
        "(reload the form and send it again)", "body.csrf"))


@router.post("/login", response_class=HTMLResponse)
async def login(request: Request) -> Response:
    form = await _form(request)
    if not csrf_matches(request, form.get(CSRF_FIELD)):
        return _csrf_refused(request)
    target = _local(form.get("next", "/"))
    now = _now(request)
    wait = await signin_retry_after(request, now)
    if wait is not None:
        problem = (f"too many failed sign-ins from this address: try again in {wait} "
                   "seconds")
        await record_signin_refusal(request, now, 429, LIMITED, problem)
        limited = render(request, "login.html", status=429, next=target, problem=problem)
        limited.headers["Retry-After"] = str(wait)
        return limited
    tokens: OfficerTokens = request.app.state.officer_tokens
    token = form.get("token", "").strip()
    officer = tokens.check(token) or await _officer_of_issued_token(request, token)
    if officer is None:
        problem = ("this token is not valid: not an officer's token of this server, "
                   "revoked or expired")
        await record_signin_refusal(request, now, 401, FAILED, problem)
        return render(request, "login.html", status=401, next=target, problem=problem)
    log.info("the officer of %s signed in from %s", officer.party, _client(request))
    response = RedirectResponse(target, status_code=303)
    start_session(response, request, request.app.state.session_keys, officer, _now(request))
    return response


async def _officer_of_issued_token(request: Request, token: str) -> Officer | None:
    """The officer a token issued by the administrator (`treatyline token new`, or the
    admin route; stored hashed in a treaty's ledger database) names, while it is valid.
    A session is the party's on this server: any treaty's token of an officer opens it."""
    if not token:
        return None
    now = _now(request)
    control: AccessControl = request.app.state.access
    for access in control.by_id.values():
        record = await access.run(access.tokens.lookup, token)
        if (record is not None and record.role == OFFICER and record.party is not None
                and record.problem(now) is None):
            return Officer(record.party)
    return None


@router.post("/logout", response_class=HTMLResponse)
async def logout(request: Request) -> Response:
    form = await _form(request)
    if not csrf_matches(request, form.get(CSRF_FIELD)):
        return _csrf_refused(request)
    response = RedirectResponse("/", status_code=303)
    end_session(response, request)
    return response
