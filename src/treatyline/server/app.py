"""The app factory: `create_app(settings, clock)` opens the treaties' ledgers and returns
the FastAPI application over them; `app_from_environment` is the factory uvicorn's worker
processes call (`treatyline serve --workers N`)."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.metadata import version

from fastapi import FastAPI

from ..cli_ledger_common import depositary_key
from .access import install_access
from .deadlines import watching_deadlines
from .errors import UPLOAD_PATHS, BodyLimit, install_error_handlers
from .fast_reads import FastReads
from .ledgers import Treaties, TreatyLedger
from .limits import RequestLimits
from .obligations import ObligationsBook
from .routes import (
    admin,
    cosignatures,
    deadlines,
    feeds,
    incidents,
    instruments,
    log,
    monitor_keys,
    notifications,
    obligations,
    report,
    treaties,
    webhooks,
)
from .settings import SETTINGS_ENV, Clock, Settings, SystemClock
from .threads import share_the_lock_often
from .web import OfficerTokens, install_web
from .webhooks import delivering_webhooks

__all__ = ["app_from_environment", "create_app"]

DESCRIPTION = """The depositary's ledger of a treaty over HTTP: the treaty, its status and
timeline as of a day and as known on a day, deposits of signed instruments (each with its
receipt: the entry's inclusion proof and a signed checkpoint), the log's entries, checkpoints
and consistency proofs, and the depositary's notifications (JSON, Atom, server-sent events;
webhooks to the addresses the parties register). Every error has one shape:
`{"error": {"status", "code", "message", "place"}}`. See docs/server.md."""


def create_app(settings: Settings, clock: Clock | None = None) -> FastAPI:
    """The application over the ledgers of `settings`, opened now (a ledger that cannot be
    opened, or a key that is not its depositary's, is an error here, before serving)."""
    signer = depositary_key(settings.depositary_key, "--depositary-key")
    officers = OfficerTokens.from_environment()  # a bad table is a message, before opening
    opened: list[TreatyLedger] = []
    try:
        for ledger in settings.ledgers:
            opened.append(TreatyLedger(ledger, signer))
    except BaseException:
        Treaties(opened).close()
        raise
    held = Treaties(opened)
    books: dict[str, ObligationsBook] = {}
    try:  # the incidents' table of each ledger, and the obligations computed from it
        for treaty_id, found in held.by_id.items():
            books[treaty_id] = ObligationsBook(found)
    except BaseException:
        _close_books(books)
        held.close()
        raise

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        try:
            # each ledger's webhook worker and deadline watcher (whose obligations are
            # app.state.obligation_books[treaty], or app.state.obligation_sources[treaty])
            async with delivering_webhooks(app, signer), watching_deadlines(app):
                yield
        finally:
            access.close()
            _close_books(books)
            held.close()

    app = FastAPI(title="treatyline", version=version("treatyline"), description=DESCRIPTION,
                  lifespan=lifespan)
    app.state.treaties = held
    app.state.obligation_books = books
    app.state.clock = clock or SystemClock()
    app.state.allow_private_webhooks = settings.allow_private_webhooks
    install_error_handlers(app)
    try:
        access = install_access(app, held)  # tokens, nonces, refusals: who may do what
    except BaseException:
        _close_books(books)
        held.close()
        raise
    app.add_middleware(FastReads)  # innermost: status and timeline before the routing
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes,
                       upload_bytes=settings.max_upload_bytes, upload_paths=UPLOAD_PATHS)
    app.add_middleware(RequestLimits)
    for module in (treaties, instruments, log, notifications, feeds, admin, cosignatures,
                   report, webhooks, deadlines, incidents, obligations, monitor_keys):
        app.include_router(module.router)
    install_web(app, signer, officers)  # the pages under / (issue 12 §4)
    return app


def _close_books(books: dict[str, ObligationsBook]) -> None:
    for book in books.values():
        book.close()


def app_from_environment() -> FastAPI:
    """The app of a worker process: its settings from TREATYLINE_SERVER_SETTINGS."""
    share_the_lock_often()
    return create_app(Settings.from_environment(os.environ[SETTINGS_ENV]))
