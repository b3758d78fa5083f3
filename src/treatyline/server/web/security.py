"""The web pages' defences: security headers on every answer, and CSRF tokens on forms.

Content-Security-Policy: everything from this server only, no inline script (the pages'
scripts are static files of the app), no framing, forms posted back here only. With
autoescaping in the templates, a text that slipped through unescaped still could not run.

CSRF: a double-submit cookie. A page with a form sets a random token in a cookie
(SameSite=Strict, HttpOnly) and writes the same token into the form; a POST is taken only
when the two agree. Another site can make a browser post to this one, but it can neither
read the cookie nor set it, so it cannot put the right token in the form. Being stateless,
it holds across worker processes. The JSON API needs none of this: a deposit is
authenticated by the instrument's Ed25519 signature, not by any cookie, so a forged
cross-site request carries nothing it could not send itself.
"""

from __future__ import annotations

import hmac
import secrets

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .session import is_loopback

__all__ = ["CSRF_COOKIE", "CSRF_FIELD", "SECURITY_HEADERS", "SecurityHeaders", "csrf_matches",
           "csrf_token", "remember_csrf"]

CSRF_COOKIE = "treatyline_csrf"
CSRF_FIELD = "csrf"

SECURITY_HEADERS: dict[str, str] = {
    "content-security-policy": "default-src 'self'; script-src 'self'; style-src 'self'; "
    "img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'; form-action 'self'",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
}


UNPOLICED = ("/docs", "/redoc")
"""FastAPI's own API explorers, which load their scripts from a CDN: no policy there
(they hold no form and no data of their own)."""


class SecurityHeaders:
    """Add SECURITY_HEADERS to every HTTP answer (pages, static files, the API, errors)
    but FastAPI's API explorers."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or str(scope.get("path", "")).startswith(UNPOLICED):
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", [])
                           if k.decode("latin-1").lower() not in SECURITY_HEADERS]
                headers += [(k.encode(), v.encode()) for k, v in SECURITY_HEADERS.items()]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)


def csrf_token(request: Request) -> str:
    """The token of the request's CSRF cookie, or a new one (set it with
    `remember_csrf`)."""
    found = request.cookies.get(CSRF_COOKIE, "")
    return found if len(found) >= 32 else secrets.token_urlsafe(32)


def remember_csrf(response: Response, request: Request, token: str) -> None:
    response.set_cookie(CSRF_COOKIE, token, path="/", httponly=True, samesite="strict",
                        secure=not is_loopback(request))


def csrf_matches(request: Request, submitted: str | None) -> bool:
    """Whether the form's token is the cookie's (both present)."""
    cookie = request.cookies.get(CSRF_COOKIE, "")
    return bool(cookie) and submitted is not None and hmac.compare_digest(
        cookie.encode(), submitted.encode())
