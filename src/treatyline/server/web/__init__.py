"""The web interface of the server: pages for people (issue 12 §4), beside the JSON API.

`install_web(app, depositary_key, officers)` adds the pages, their static files (CSS and the small
scripts: no inline script, nothing from another site), the security headers on every
answer and the officers' sessions. See docs/server.md, "The web interface"."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.responses import PlainTextResponse
from fastapi.staticfiles import StaticFiles

from ...ledger.keys import PartyKey
from ...report.page import CSS, ZOOM
from . import obligations_page
from .pages import router
from .security import SecurityHeaders
from .session import OfficerTokens, SessionKeys

__all__ = ["OfficerTokens", "install_web"]


def install_web(app: FastAPI, depositary_key: PartyKey, officers: OfficerTokens) -> None:
    """Add the pages to `app`; `officers` is the token table of the sign-in (see
    session.py: the server's access control takes its place)."""
    app.state.session_keys = SessionKeys(depositary_key)
    app.state.officer_tokens = officers

    # The report's own stylesheet and map zoom, served as files rather than copied: the
    # pages' policy allows no inline style or script.
    @app.get("/static/report.css", include_in_schema=False)
    async def report_css() -> PlainTextResponse:
        return PlainTextResponse(CSS, media_type="text/css")

    @app.get("/static/report-map.js", include_in_schema=False)
    async def report_map_js() -> PlainTextResponse:
        return PlainTextResponse(ZOOM, media_type="text/javascript")

    app.mount("/static", StaticFiles(packages=[("treatyline.server.web", "static")]),
              name="static")
    app.include_router(router)
    app.include_router(obligations_page.router)
    app.add_middleware(SecurityHeaders)
