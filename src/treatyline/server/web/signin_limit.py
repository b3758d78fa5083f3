"""Sign-in rate limiting: after `MAX_FAILED_SIGNINS` failed sign-ins from one client
address within `WINDOW`, the sign-in answers 429 with Retry-After until the oldest of
them leaves the window. The time is the server's injected clock.

The failures are not counted in memory: each failed sign-in is a refusal in the refusal
log (`server_refusals`, code `signin_failed`, principal "unknown (sign-in from ADDRESS)"),
and the count is read from there, so every worker process of a server shares it and a
restart does not reset it. A session is server-wide (any treaty's officer token opens
it), so the sign-in's refusals go to one treaty's tables: the first by id, the same in
every worker. A refused attempt (429) is logged too, with its own code, and does not
lengthen the wait.

The client's address is the connection's, or the one a trusted proxy forwards (uvicorn
trusts X-Forwarded-For from --forwarded-allow-ips, 127.0.0.1 by default)."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from starlette.requests import Request

from ..access import AccessControl, TreatyAccess
from ..access_db import time_from_db, time_to_db
from ..refusals import Refusal

__all__ = ["FAILED", "LIMITED", "MAX_FAILED_SIGNINS", "WINDOW", "record_signin_refusal",
           "signin_retry_after"]

MAX_FAILED_SIGNINS = 10
WINDOW = timedelta(minutes=5)
FAILED = "signin_failed"
LIMITED = "signin_rate_limited"


def _client(request: Request) -> str:
    return request.client.host if request.client else "an unknown address"


def _who(request: Request) -> str:
    return f"unknown (sign-in from {_client(request)})"


def _home(request: Request) -> TreatyAccess:
    """The tables that keep the sign-in's refusals (see the module's docstring)."""
    control: AccessControl = request.app.state.access
    return control.by_id[min(control.by_id)]


def _failures(access: TreatyAccess, who: str, after: datetime) -> list[datetime]:
    rows, _ = access.db.execute(
        "SELECT time FROM server_refusals WHERE code = ? AND principal = ? AND time > ? "
        "ORDER BY time", (FAILED, who, time_to_db(after)))
    return [time_from_db(time) for (time,) in rows]


async def signin_retry_after(request: Request, now: datetime) -> int | None:
    """Seconds until this client may try to sign in again; None if it may now."""
    access = _home(request)
    failures = await access.run(_failures, access, _who(request), now - WINDOW)
    if len(failures) < MAX_FAILED_SIGNINS:
        return None
    # allowed again once fewer than the most remain in the window
    free_at = failures[-MAX_FAILED_SIGNINS] + WINDOW
    return max(1, math.ceil((free_at - now).total_seconds()))


async def record_signin_refusal(request: Request, now: datetime, status: int, code: str,
                                reason: str) -> None:
    """Log a refused sign-in (a failure counted by `signin_retry_after`, or a 429)."""
    access = _home(request)
    await access.run(access.refusals.record, Refusal(
        now, _who(request), request.method, request.url.path, status, code, reason))
