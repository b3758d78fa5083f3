"""The web interface's test server: the Istanbul example's ledger with every act received
before a given moment deposited over the API (the example's HYPOTHETICAL scenario
included, as its replay script does), served by a real uvicorn on 127.0.0.1, with officer
tokens for some parties."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import httpx

from server_running import ISTANBUL, ServedLedger, SetClock, make_ledger, running_server
from test_server_istanbul import receipt_time
from treatyline.bundle import load_bundle
from treatyline.ledger.instruments import act_fields, signed_instrument
from treatyline.server import create_app
from treatyline.server.web.session import OfficerTokens

__all__ = ["API", "TOKENS", "WebServer", "web_server"]

API = "/api/treaties/istanbul-2022"
TOKENS = {"token-of-the-ua-officer-0123456789": "UA", "token-of-the-tr-officer-9876543210": "TR"}


@dataclass(frozen=True)
class WebServer:
    url: str
    ledger: ServedLedger
    clock: SetClock


@contextmanager
def web_server(db: str, folder: Path, before: datetime) -> Iterator[WebServer]:
    """The server over a new ledger holding the example's acts received before `before`;
    its clock is then set to `before`."""
    acts = sorted(load_bundle(ISTANBUL, scenario=True).record.acts,
                  key=lambda a: (receipt_time(a), a.sort_key))
    parties = sorted({a.party for a in acts if a.party is not None})
    ledger = make_ledger(db, folder, parties, valid_from=acts[0].day)
    clock = SetClock(receipt_time(acts[0]))
    app = create_app(ledger.settings(), clock)
    app.state.officer_tokens = OfficerTokens.of_tokens(TOKENS)
    with running_server(app) as url, httpx.Client(base_url=url, timeout=60) as client:
        for act in (a for a in acts if receipt_time(a) < before):
            clock.moment = receipt_time(act)
            response = client.post(f"{API}/instruments", content=signed_instrument(
                ledger.keys[act.party or "depositary"], "istanbul-2022", act_fields(act)))
            assert response.status_code == 201, response.text
        clock.moment = before
        yield WebServer(url, ledger, clock)
