"""Who may do what: the principal behind a request, and the dependencies routes require.

Roles (see docs/server.md, "Who may do what"): the depositary's `admin`, a party's
`officer`, a `monitor`, and the `public`. A request names its principal with one
credential, scoped to the treaty of its path (tokens and keys live in that treaty's
ledger database):

- `Authorization: Bearer TOKEN` — a token the administrator issued (`tokens.py`), not
  expired nor revoked at the server's time;
- an RFC 9421 signature (`http_signatures.py`) made with a key registered in the treaty's
  ledger and valid on the server's day (`keyid` = the ledger's key id, 8 hex digits): a
  party's key makes its officer, the depositary's key its administrator. `created` must be
  within `SIGNATURE_WINDOW_SECONDS` of the server's clock and the nonce is remembered in
  the database that long, so a replayed request is refused (by every worker);
- the same signature made with a monitor's key the administrator registered in the
  server's tables (`monitor_keys.py`; `keyid` = `m-` and 16 hex digits), not revoked: it
  makes that monitor (monitors are not parties and have no ledger keys).

No credential is the public. On a route that takes `principal` (a deposit, and the routes
that need a credential), a credential that does not hold is refused (401), even where the
public may act: a caller who meant to be someone is told they are not; the public reads
(status, entries, ...) do not look at credentials. Every refusal is logged
(`refusals.py`) before it is answered.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Annotated, NoReturn, ParamSpec, TypeVar

from fastapi import Depends, FastAPI, Request, Security
from fastapi.responses import JSONResponse
from fastapi.security import APIKeyHeader, HTTPBearer

from ..ledger.state import DEPOSITARY_PARTY
from ..ledger.store import StoreError
from .access_db import AccessDatabase, time_to_db
from .drafts import DraftStore
from .errors import ApiError, error_response
from .http_signatures import (
    RequestParts,
    SignatureError,
    check_content_digest,
    check_policy,
    parse_signature,
    signature_base,
    verify_ed25519,
)
from .ledgers import Treaties, TreatyLedger
from .monitor_keys import MONITOR_KEY_ID, MonitorKeyStore
from .refusals import Refusal, RefusalLog
from .routes.common import clock, ledger
from .settings import Clock
from .tokens import TOKEN_PREFIX, Role, TokenStore

__all__ = ["SIGNATURE_WINDOW_SECONDS", "Access", "AccessControl", "AccessRefusedError",
           "Admin", "Ledger", "Monitor", "Now", "Officer", "Principal", "TreatyAccess",
           "access_of", "install_access", "instrument_party", "principal", "refuse",
           "require"]

SIGNATURE_WINDOW_SECONDS = 300
"""How far a signed request's `created` may be from the server's clock, either way."""

T = TypeVar("T")
P = ParamSpec("P")
_KEY_ID = re.compile(r"[0-9a-f]{8}")

bearer_scheme = HTTPBearer(auto_error=False, scheme_name="token", description=(
    "A token issued by the depositary's administrator (`treatyline token new`, or "
    "POST /api/treaties/{treaty}/tokens): `Authorization: Bearer tlt_...`."))
signature_scheme = APIKeyHeader(name="Signature-Input", auto_error=False,
                                scheme_name="http-message-signature", description=(
    "An RFC 9421 HTTP message signature, alg ed25519, by a key registered in the treaty's "
    "ledger (keyid: its 8-hex-digit key id) or a monitor's key the administrator registered "
    "(keyid: m- and 16 hex digits), covering @method @authority @path @query "
    "(and content-digest with a body), with created (within 300 s of the server's clock) "
    "and a nonce never used before; `Signature-Input` and `Signature` headers."))


@dataclass(frozen=True, slots=True)
class Principal:
    """Who a request is from, as its credential shows."""

    role: Role
    party: str | None = None
    credential: str = "no credential"
    monitor: str | None = None
    """The monitor's name, when a monitor's registered key signed the request."""

    def describe(self) -> str:
        who = f"officer of {self.party}" if self.role == "officer" else self.role
        if self.monitor is not None:
            who = f"monitor {self.monitor}"
        return f"{who} ({self.credential})"


PUBLIC = Principal("public")


class AccessRefusedError(ApiError):
    """A refusal of the access rules; a 401 says how to authenticate."""


class TreatyAccess:
    """One treaty's tokens, nonces, refusal log and drafts, behind a thread of their own (a SQLite
    connection is used by one thread at a time)."""

    def __init__(self, db: str) -> None:
        self._broken = False
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="access")
        try:
            self.db = self._thread.submit(AccessDatabase, db).result()
        except BaseException:
            self._thread.shutdown()
            raise
        self.tokens = TokenStore(self.db)
        self.monitor_keys = MonitorKeyStore(self.db)
        self.refusals = RefusalLog(self.db)
        self.drafts = DraftStore(self.db)

    async def run(self, call: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """`call` in the tables' thread (a method of `tokens`, `refusals`, `drafts`)."""
        return await asyncio.get_running_loop().run_in_executor(
            self._thread, partial(self._guarded, partial(call, *args, **kwargs)))

    def _guarded(self, call: Callable[[], T]) -> T:
        """As the ledger's calls: after a lost connection (answered 503), the next call
        connects again."""
        if self._broken:
            self.db.reconnect()
            self._broken = False
        try:
            return call()
        except StoreError:
            self._broken = True
            raise

    def remember_nonce(self, key_id: str, nonce: str, until: datetime, now: datetime) -> bool:
        """Whether the nonce is new for this key (and now remembered until `until`)."""
        self.db.execute("DELETE FROM server_nonces WHERE expires < ?", (time_to_db(now),))
        _, added = self.db.execute("INSERT INTO server_nonces (key_id, nonce, expires) "
                                   "VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                                   (key_id, nonce, time_to_db(until)))
        return added == 1

    def close(self) -> None:
        self._thread.submit(self.db.close).result()
        self._thread.shutdown()


class AccessControl:
    """The access tables of every treaty a server holds, by treaty id."""

    def __init__(self, treaties: Treaties) -> None:
        self.by_id: dict[str, TreatyAccess] = {}
        try:
            for treaty_id, found in treaties.by_id.items():
                self.by_id[treaty_id] = TreatyAccess(found.settings.db)
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        for access in self.by_id.values():
            access.close()


def access_of(request: Request, found: Annotated[TreatyLedger, Depends(ledger)]
              ) -> TreatyAccess:
    control: AccessControl = request.app.state.access
    return control.by_id[found.treaty_id]


async def _access(request: Request, found: Annotated[TreatyLedger, Depends(ledger)]
                  ) -> TreatyAccess:
    # a coroutine: FastAPI runs a plain function dependency in its thread pool, a hand-off
    # to a thread and back for every request with a principal (deposits, status): ~40 of
    # the event loop's 1,244 samples under serve_bench's 100 clients
    return access_of(request, found)


Access = Annotated[TreatyAccess, Depends(_access)]
Ledger = Annotated[TreatyLedger, Depends(ledger)]
Now = Annotated[Clock, Depends(clock)]


async def refuse(request: Request, access: TreatyAccess, now: Clock, who: str, status: int,
                 code: str, reason: str, place: str | None = None) -> NoReturn:
    """Log the refusal, then answer it (in the error shape)."""
    await access.run(access.refusals.record, Refusal(
        now.now(), who, request.method, request.url.path, status, code, reason))
    raise AccessRefusedError(status, code, reason, place)


async def principal(
        request: Request, found: Ledger, access: Access, now: Now,
        _token: Annotated[object, Security(bearer_scheme)] = None,
        _signature: Annotated[object, Security(signature_scheme)] = None) -> Principal:
    """The principal of the request: its one credential's, or the public."""
    authorization = request.headers.get("authorization")
    signed = request.headers.get("signature-input")
    if authorization is not None and signed is not None:
        await refuse(request, access, now, "unknown (two credentials)", 401,
                     "invalid_credential", "give one credential: a token or a signature, "
                     "not both", "header.authorization")
    if authorization is not None:
        return await _token_principal(request, access, now, authorization)
    if signed is not None:
        return await _signed_principal(request, found, access, now, signed)
    return PUBLIC


async def _token_principal(request: Request, access: TreatyAccess, now: Clock,
                           authorization: str) -> Principal:
    scheme, _, token = authorization.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token.startswith(TOKEN_PREFIX):
        await refuse(request, access, now, "unknown (malformed credential)", 401,
                     "invalid_credential", "Authorization must be 'Bearer tlt_...', a token "
                     "the administrator issued", "header.authorization")
    record = await access.run(access.tokens.lookup, token)
    if record is None:
        await refuse(request, access, now, "unknown (a token not issued here)", 401,
                     "invalid_credential", "the token is not one issued for this treaty",
                     "header.authorization")
    problem = record.problem(now.now())
    who = Principal(record.role, record.party, f"token {record.id}")
    if problem is not None:
        await refuse(request, access, now, who.describe(), 401, "invalid_credential",
                     problem, "header.authorization")
    return who


async def _signed_principal(request: Request, found: TreatyLedger, access: TreatyAccess,
                            now: Clock, signature_input: str) -> Principal:
    moment = now.now()
    body = await request.body()
    try:
        signed, signature = parse_signature(signature_input,
                                            request.headers.get("signature", ""))
        key_id, nonce, created = check_policy(signed, moment, SIGNATURE_WINDOW_SECONDS,
                                              bool(body))
        if body:
            check_content_digest(request.headers.get("content-digest", ""), body)
        base = signature_base(signed, _parts(request))
    except SignatureError as error:
        await refuse(request, access, now, "unknown (a signature not taken)", 401,
                     "invalid_signature", error.message, error.place)
    key = (await access.run(_monitor_signing_key, access.monitor_keys, key_id, moment)
           if key_id.startswith("m-") else await found.run(_signing_key, found, key_id, moment))
    if isinstance(key, str):
        await refuse(request, access, now, f"key {key_id}", 401, "invalid_signature", key,
                     "header.signature-input")
    who, public_key = key
    if not verify_ed25519(public_key, base, signature):
        await refuse(request, access, now, f"unknown (claims key {key_id})", 401,
                     "invalid_signature", "the signature does not verify with the key "
                     f"{key_id} over the components it covers", "header.signature")
    until = datetime.fromtimestamp(created, moment.tzinfo) + timedelta(
        seconds=SIGNATURE_WINDOW_SECONDS)
    if not await access.run(access.remember_nonce, key_id, nonce, until, moment):
        await refuse(request, access, now, who.describe(), 401, "replayed_request",
                     f"the nonce {nonce!r} was used already with this key: a replayed "
                     "request (sign each request anew)", "header.signature-input")
    return who


def _monitor_signing_key(keys: MonitorKeyStore, key_id: str, moment: datetime
                         ) -> tuple[Principal, bytes] | str:
    """The monitor a registered monitor key makes, and the key; or why it may not sign."""
    if MONITOR_KEY_ID.fullmatch(key_id) is None:
        return f"keyid {key_id!r} is not a monitor key id ('m-' and 16 hex digits, lower case)"
    key = keys.get(key_id)
    if key is None:
        return f"no monitor key {key_id} is registered here"
    problem = key.problem(moment)
    if problem is not None:
        return problem
    return Principal("monitor", None, f"key {key_id}", key.name), key.public_key


def _signing_key(found: TreatyLedger, key_id: str, moment: datetime
                 ) -> tuple[Principal, bytes] | str:
    """The principal a ledger key makes, and the key; or why the key may not sign."""
    if _KEY_ID.fullmatch(key_id) is None:
        return (f"keyid {key_id!r} is neither a ledger key id (8 hex digits, lower case) "
                "nor a monitor's ('m-' and 16 hex digits)")
    state = found.fresh().state
    number = int(key_id, 16)
    depositary = state.depositary
    if depositary is not None and depositary.key_id == number:
        return (Principal("admin", None, f"the depositary's key {key_id}"),
                depositary.public_key)
    key = state.keys.get(number)
    if key is None:
        return f"no key {key_id} is registered in the ledger of {found.treaty_id}"
    if not key.valid_on(moment.date()):
        when = (f"revoked from {key.revoked_from}" if key.revoked_from is not None
                and key.revoked_from <= moment.date() else f"valid from {key.valid_from}")
        return f"the key {key_id} of {key.party} is not valid on {moment.date()} ({when})"
    return Principal("officer", key.party, f"key {key_id}"), key.public_key


def instrument_party(found: TreatyLedger, data: bytes) -> str | None:
    """The party whose registered key signed an instrument (the depositary's own key: the
    depositary), by the instrument's `key_id`; None when the bytes name no such key (the
    depositary's examination then rejects them, and logs it)."""
    try:
        key_id = json.loads(data).get("key_id")
    except (ValueError, RecursionError, AttributeError):
        return None
    if not isinstance(key_id, str) or _KEY_ID.fullmatch(key_id) is None:
        return None
    state = found.fresh().state
    number = int(key_id, 16)
    if state.depositary is not None and state.depositary.key_id == number:
        return DEPOSITARY_PARTY
    key = state.keys.get(number)
    return key.party if key is not None else None


def _parts(request: Request) -> RequestParts:
    headers: dict[str, list[str]] = {}
    for name, value in request.headers.raw:
        headers.setdefault(name.decode("latin-1").lower(), []).append(value.decode("latin-1"))
    raw_path = request.scope.get("raw_path") or request.url.path.encode()
    query = request.scope.get("query_string", b"").decode("latin-1")
    return RequestParts(request.method, request.url.scheme,
                        request.headers.get("host", ""),
                        raw_path.decode("latin-1"), query or None, headers)


def require(*roles: Role) -> Callable[..., Awaitable[Principal]]:
    """A dependency: the request's principal, if its role is one of `roles`; else 401 (no
    credential) or 403 (another role), logged."""

    async def allowed(request: Request, access: Access, now: Now,
                      who: Annotated[Principal, Depends(principal)]) -> Principal:
        if who.role in roles:
            return who
        wanted = " or ".join(roles)
        if who.role == "public":
            await refuse(request, access, now, who.describe(), 401, "credential_required",
                         f"this needs a credential of the {wanted} (a token or a signed "
                         "request)", "header.authorization")
        await refuse(request, access, now, who.describe(), 403, "forbidden",
                     f"this is for the {wanted}, not the {who.describe()}")

    return allowed


Monitor = Annotated[Principal, Depends(require("monitor"))]
"""The principal of a monitor's request (a monitor's token, or a request signed with a
monitor's registered key): the routes by which monitors submit incident reports take it.
Anyone else: 401 or 403, logged."""
Admin = Annotated[Principal, Depends(require("admin"))]
Officer = Annotated[Principal, Depends(require("officer"))]


async def _access_refused(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, AccessRefusedError)
    headers = ({"WWW-Authenticate": 'Bearer realm="treatyline", Signature'}
               if error.status == 401 else None)
    return error_response(error.status, error.code, error.message, error.place, headers)


def install_access(app: FastAPI, treaties: Treaties) -> AccessControl:
    """Open the access tables of every treaty held and answer refusals; the caller closes
    what this returns when the app stops."""
    control = AccessControl(treaties)
    app.state.access = control
    app.add_exception_handler(AccessRefusedError, _access_refused)
    return control
