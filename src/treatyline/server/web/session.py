"""Who is signed in to the web pages: an officer's token checked once, then a session
cookie. Everything that makes or reads the cookie is in this module, so that the server's
access control (issue 12 §2: tokens issued by the administrator, stored hashed, with
roles) can take over the token check without touching the pages.

The sign-in (`pages.login`) takes an officer's token issued by access control
(`server/tokens.py`), or one of `OfficerTokens`: a table of the SHA-256 of tokens and the
parties whose officers hold them, read from the file that TREATYLINE_OFFICER_TOKENS names,
one `PARTY SHA256HEX` a line (tests set it on `app.state.officer_tokens`). A token is never
kept, only its hash.

The session cookie holds the party, the role and an expiry, with an HMAC whose key is
derived from the depositary's private key: every worker process of one server derives the
same key (so a session started on one worker is valid on all), and nobody without the
depositary's key can forge one. HttpOnly (no script reads it), SameSite=Strict (no other
site's page sends it), and Secure except on the loopback address, where the browser would
refuse a Secure cookie over plain HTTP.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
from starlette.requests import Request
from starlette.responses import Response

from ...errors import UsageError
from ...ledger.keys import PartyKey

__all__ = ["SESSION_COOKIE", "TOKENS_ENV", "Officer", "OfficerTokens", "SessionKeys",
           "end_session", "is_loopback", "signed_in", "start_session", "token_hash"]

SESSION_COOKIE = "treatyline_session"
TOKENS_ENV = "TREATYLINE_OFFICER_TOKENS"
SESSION_HOURS = 8
OFFICER = "officer"


@dataclass(frozen=True, slots=True)
class Officer:
    """A signed-in user: the party whose officer they are, and their role."""

    party: str
    role: str = OFFICER


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class OfficerTokens:
    """The minimal token check (see the module's docstring): hashed tokens → officers."""

    def __init__(self, hashed: dict[str, Officer] | None = None) -> None:
        self._hashed = dict(hashed or {})

    @classmethod
    def of_tokens(cls, tokens: dict[str, str]) -> OfficerTokens:
        """From plain tokens (token → party), hashed at once (tests, the token tool)."""
        return cls({token_hash(token): Officer(party) for token, party in tokens.items()})

    @classmethod
    def from_environment(cls) -> OfficerTokens:
        """The table of the file TREATYLINE_OFFICER_TOKENS names; empty when unset."""
        path = os.environ.get(TOKENS_ENV)
        if not path:
            return cls()
        try:
            text = Path(path).read_text("utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise UsageError(f"{TOKENS_ENV}: cannot read the officers' token file {path} "
                             f"({error})") from None
        hashed: dict[str, Officer] = {}
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip() or line.startswith("#"):
                continue
            party, _, digest = line.strip().partition(" ")
            digest = digest.strip().lower()
            if not party or len(digest) != 64 or set(digest) - set("0123456789abcdef"):
                raise UsageError(f"{path}, line {number}: expected 'PARTY SHA256HEX' (the "
                                 "SHA-256 of the officer's token, in hex)")
            hashed[digest] = Officer(party)
        return cls(hashed)

    def __len__(self) -> int:
        return len(self._hashed)

    def check(self, token: str) -> Officer | None:
        """The officer holding `token`, or None. Compared hash to hash in constant time,
        so that the time taken says nothing of how close a guess came."""
        wanted = token_hash(token)
        found = None
        for digest, officer in self._hashed.items():
            if hmac.compare_digest(digest, wanted):
                found = officer
        return found


class SessionKeys:
    """The HMAC key of the session cookies, derived from the depositary's key."""

    def __init__(self, depositary: PartyKey) -> None:
        raw = depositary.private_key.private_bytes(Encoding.Raw, PrivateFormat.Raw,
                                                   NoEncryption())
        self._key = hmac.new(raw, b"treatyline web session cookie", hashlib.sha256).digest()

    def seal(self, officer: Officer, expires: datetime) -> str:
        body = base64.urlsafe_b64encode(json.dumps(
            {"party": officer.party, "role": officer.role,
             "expires": int(expires.timestamp())}, sort_keys=True).encode()).decode()
        return f"{body}.{self._mac(body)}"

    def open(self, value: str, now: datetime) -> Officer | None:
        body, _, mac = value.partition(".")
        if not hmac.compare_digest(mac, self._mac(body)):
            return None
        try:
            found = json.loads(base64.urlsafe_b64decode(body.encode()))
            officer = Officer(str(found["party"]), str(found["role"]))
            expires = int(found["expires"])
        except (ValueError, KeyError, TypeError):
            return None
        return officer if now.timestamp() < expires else None

    def _mac(self, body: str) -> str:
        return hmac.new(self._key, body.encode(), hashlib.sha256).hexdigest()


def is_loopback(request: Request) -> bool:
    return (request.url.hostname or "") in ("127.0.0.1", "localhost", "::1")


def start_session(response: Response, request: Request, keys: SessionKeys,
                  officer: Officer, now: datetime) -> None:
    """Set the session cookie of `officer` on `response` (the only place it is set)."""
    response.set_cookie(SESSION_COOKIE, keys.seal(officer, now + timedelta(hours=SESSION_HOURS)),
                        max_age=SESSION_HOURS * 3600, path="/", httponly=True,
                        samesite="strict", secure=not is_loopback(request))


def end_session(response: Response, request: Request) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="strict",
                           secure=not is_loopback(request))


def signed_in(request: Request, keys: SessionKeys, now: datetime) -> Officer | None:
    """The officer whose valid session cookie the request carries, if any."""
    value = request.cookies.get(SESSION_COOKIE)
    return keys.open(value, now) if value else None
