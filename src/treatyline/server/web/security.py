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

import base64
import hashlib
import hmac
import re
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


POLICY = "content-security-policy"
_INLINE = re.compile(r"<(script|style)>(.*?)</\1>", re.S)


def self_contained_policy(page: str) -> str:
    """The Content-Security-Policy of a self-contained page (the report, made to be read
    offline: its script and style are inline): exactly its inline scripts and styles,
    allowed by their SHA-256 (CSP Level 3 hash sources), images from data: URLs only,
    nothing fetched, framed or submitted."""
    sources: dict[str, list[str]] = {"script": [], "style": []}
    for tag, body in _INLINE.findall(page):
        digest = base64.b64encode(hashlib.sha256(body.encode("utf-8")).digest()).decode()
        sources[tag].append(f"'sha256-{digest}'")
    scripts = " ".join(sources["script"]) or "'none'"
    styles = " ".join(sources["style"]) or "'none'"
    return (f"default-src 'none'; script-src {scripts}; style-src {styles}; "
            "img-src data:; base-uri 'none'; frame-ancestors 'none'; form-action 'none'")


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
                given = message.get("headers", [])
                # an answer with a policy of its own keeps it (the report page's: its
                # inline script and style allowed by their hashes, nothing else)
                own = {k.decode("latin-1").lower() for k, _ in given} & {POLICY}
                headers = [(k, v) for k, v in given
                           if k.decode("latin-1").lower() not in SECURITY_HEADERS
                           or k.decode("latin-1").lower() in own]
                headers += [(k.encode(), v.encode()) for k, v in SECURITY_HEADERS.items()
                            if k not in own]
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
