"""Helpers for the server tests: a real uvicorn server on 127.0.0.1 (a free port) in a
thread, a clock the test sets, and a small ledger of the Istanbul example to serve."""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import uvicorn

from treatyline.ledger.depositary import Depositary
from treatyline.ledger.keys import PartyKey, generate_party_key, save_party_key
from treatyline.ledger.state import DEPOSITARY_PARTY
from treatyline.ledger.store import init_store
from treatyline.server import LedgerSettings, Settings, create_app
from treatyline.server.http_protocol import JSON_ERRORS_HTTP
from treatyline.spec.load import load_treaty

__all__ = ["ISTANBUL", "ServedLedger", "SetClock", "make_ledger", "running_server", "serve"]

ISTANBUL = Path(__file__).resolve().parents[1] / "src" / "treatyline" / "examples" / (
    "istanbul-2022")
START = datetime(2022, 2, 1, 9, tzinfo=UTC)


class SetClock:
    """A clock that says what the test set it to."""

    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def now(self) -> datetime:
        return self.moment


@dataclass(frozen=True)
class ServedLedger:
    db: str
    depositary_key_file: Path
    keys: dict[str, PartyKey]

    def settings(self, **options: int) -> Settings:
        return Settings((LedgerSettings(ISTANBUL, self.db),), self.depositary_key_file,
                        **options)


def make_ledger(db: str, folder: Path, parties: list[str],
                valid_from: date = date(2022, 2, 1)) -> ServedLedger:
    """A new ledger of the Istanbul example at `db` with a key registered for each party
    (and the depositary's key written to `folder`)."""
    spec = ISTANBUL / "treaty.yaml"
    treaty = load_treaty(spec)
    keys = {code: generate_party_key(code, f"{code}/test") for code in
            (DEPOSITARY_PARTY, *parties)}
    key_file = folder / "depositary.key"
    save_party_key(keys[DEPOSITARY_PARTY], key_file)
    store = init_store(db)
    try:
        depositary = Depositary.create(store, treaty, hashlib.sha256(spec.read_bytes())
                                       .hexdigest(), keys[DEPOSITARY_PARTY], START)
        for code in parties:
            depositary.register_key(keys[code].public(), valid_from, "full powers (test)",
                                    START, keys[DEPOSITARY_PARTY])
    finally:
        store.close()
    return ServedLedger(db, key_file, keys)


@contextmanager
def running_server(app: object, http: str = JSON_ERRORS_HTTP) -> Iterator[str]:
    """Serve `app` with uvicorn on 127.0.0.1 (a port the system picks) until the block
    ends; its base URL. `http`: uvicorn's protocol class (by default the one `serve`
    uses)."""
    server = uvicorn.Server(uvicorn.Config(app,  # type: ignore[arg-type]
                                           host="127.0.0.1", port=0, log_level="warning",
                                           http=http))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(20)


@contextmanager
def serve(ledger: ServedLedger, clock: SetClock, **options: int) -> Iterator[str]:
    """The app over `ledger`, served; its base URL."""
    with running_server(create_app(ledger.settings(**options), clock)) as url:
        yield url
