"""Webhook registration over HTTP, against a real uvicorn on 127.0.0.1 and a SQLite
ledger: an officer registers, lists, reads the delivery log of and removes its own
party's webhooks (a real receiver gets the deposits' notifications); another party's
webhook is a 404 as if absent; the administrator acts for any party; a bad URL is a 422
naming body.url; and by default (no --allow-private-webhooks) addresses that are or
resolve to loopback, private, link-local or other non-public addresses are refused."""

from __future__ import annotations

import ipaddress
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from cli_inprocess import run_cli_output
from server_running import ServedLedger, SetClock, make_ledger, running_server
from treatyline.ledger.instruments import signed_instrument
from treatyline.server import create_app
from treatyline.server.webhooks.public_hosts import non_public_reason
from webhook_receiver import receiving, wait_for

API = "/api/treaties/istanbul-2022"
CLOCK = datetime(2022, 4, 20, 12, tzinfo=UTC)


def _tokens(capsys: pytest.CaptureFixture[str], client: httpx.Client, db: str
            ) -> dict[str, str]:
    code, out, err = run_cli_output(capsys, "token", "new", "--db", db, "--role", "admin")
    assert code == 0, err
    tokens = {"admin": out.strip()}
    for party in ("UA", "RU"):
        answer = client.post(f"{API}/tokens", json={"role": "officer", "party": party},
                             headers=_bearer(tokens["admin"]))
        assert answer.status_code == 201, answer.text
        tokens[party] = answer.json()["token"]
    return tokens


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _error(answer: httpx.Response, status: int, place: str | None) -> dict[str, Any]:
    assert answer.status_code == status, answer.text
    error: dict[str, Any] = answer.json()["error"]
    assert error["status"] == status and error["place"] == place and error["message"]
    return error


def _served(tmp_path: Path) -> ServedLedger:
    return make_ledger(str(tmp_path / "ledger.db"), tmp_path, ["UA", "RU"])


def test_officers_own_their_webhooks(tmp_path: Path,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    ledger = _served(tmp_path)
    app = create_app(ledger.settings(allow_private_webhooks=True), SetClock(CLOCK))
    with (receiving() as receiver, running_server(app) as url,
          httpx.Client(base_url=url, timeout=30) as client):
        tokens = _tokens(capsys, client, ledger.db)
        ua, ru, admin = (_bearer(tokens[k]) for k in ("UA", "RU", "admin"))
        hooks = f"{API}/webhooks"
        # no credential: 401; a bad URL: 422 at body.url
        _error(client.post(hooks, json={"url": receiver.url}), 401, "header.authorization")
        for bad in ("ftp://example.org/x", "http://user:pw@example.org/", "not a url"):
            _error(client.post(hooks, json={"url": bad}, headers=ua), 422, "body.url")
        _error(client.post(hooks, json={}, headers=ua), 422, "body.url")
        # an officer registers for itself only; naming another party is refused, logged
        _error(client.post(hooks, json={"url": receiver.url, "party": "RU"}, headers=ua),
               403, "body.party")
        mine = client.post(hooks, json={"url": receiver.url}, headers=ua)
        assert mine.status_code == 201, mine.text
        registered = mine.json()
        assert registered["party"] == "UA" and registered["signing_key"].startswith("whpk_")
        # the administrator names a party, which must be one of the treaty's
        _error(client.post(hooks, json={"url": receiver.url}, headers=admin), 422,
               "body.party")
        _error(client.post(hooks, json={"url": receiver.url, "party": "XX"},
                           headers=admin), 422, "body.party")
        theirs = client.post(hooks, json={"url": receiver.url + "/ru", "party": "RU"},
                             headers=admin).json()
        # a monitor may not; a start past the log's end is refused
        monitor = client.post(f"{API}/tokens", json={"role": "monitor"}, headers=admin)
        _error(client.get(hooks, headers=_bearer(monitor.json()["token"])), 403, None)
        _error(client.post(hooks, json={"url": receiver.url, "since": 10**6}, headers=ua),
               422, "body.since")

        # a deposit is delivered to both; each officer sees its own state only
        answer = client.post(f"{API}/instruments", content=signed_instrument(
            ledger.keys["UA"], "istanbul-2022", {
                "date": date(2022, 4, 1).isoformat(), "kind": "statement", "party": "UA",
                "text": "On the talks (test).", "source": "test"}))
        assert answer.status_code == 201, answer.text
        index = answer.json()["index"]
        wait_for(lambda: len(receiver.arrived()) == 2, what="both webhooks delivered")

        def listed(headers: dict[str, str]) -> dict[str, dict[str, Any]]:
            answer = client.get(hooks, headers=headers)
            assert answer.status_code == 200, answer.text
            return {w["id"]: w for w in answer.json()["webhooks"]}

        wait_for(lambda: listed(ua)[registered["id"]]["next_index"] == index + 1)
        assert set(listed(ua)) == {registered["id"]}
        assert set(listed(ru)) == {theirs["id"]}
        assert set(listed(admin)) == {registered["id"], theirs["id"]}
        log = client.get(f"{hooks}/{registered['id']}/attempts", headers=ua).json()
        assert [(a["entry"], a["delivered"], a["status"]) for a in log["attempts"]] == [
            (index, True, 200)]

        # another party's webhook is absent to an officer: the same 404 as a made-up id
        for target in (theirs["id"], "wh_0000000000000000"):
            _error(client.get(f"{hooks}/{target}/attempts", headers=ua), 404, "path.webhook")
            _error(client.delete(f"{hooks}/{target}", headers=ua), 404, "path.webhook")
        assert client.delete(f"{hooks}/{registered['id']}", headers=ua).status_code == 200
        assert listed(ua) == {}
        assert client.delete(f"{hooks}/{theirs['id']}", headers=admin).status_code == 200
        refusals = client.get(f"{API}/refusals", headers=admin).json()["refusals"]
        assert [(r["status"], r["route"]) for r in refusals] == [
            (401, f"{API}/webhooks"), (403, f"{API}/webhooks"), (403, f"{API}/webhooks")]


NON_PUBLIC = [
    "http://127.0.0.1:9/hook", "http://localhost/hook", "http://10.1.2.3/hook",
    "https://192.168.0.10/hook", "http://169.254.169.254/latest/meta-data/",
    "http://[::1]/hook", "http://[::ffff:127.0.0.1]/hook", "http://[fe80::1]/hook",
    "http://0.0.0.0/hook", "http://100.64.0.1/hook", "http://224.0.0.1/hook",
    "http://no-such-host.invalid/hook"]


def test_private_addresses_are_refused_by_default(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    ledger = _served(tmp_path)
    with (running_server(create_app(ledger.settings(), SetClock(CLOCK))) as base,
          httpx.Client(base_url=base, timeout=30) as client):
        tokens = _tokens(capsys, client, ledger.db)
        for url in NON_PUBLIC:
            refused = _error(client.post(f"{API}/webhooks", json={"url": url},
                                         headers=_bearer(tokens["UA"])), 422, "body.url")
            assert refused["code"] == "invalid_webhook_url", url
        assert client.get(f"{API}/webhooks", headers=_bearer(tokens["UA"])).json() == {
            "webhooks": []}
        # a public address is taken (nothing is delivered: no entry comes after it)
        public = client.post(f"{API}/webhooks", json={"url": "https://93.184.215.14/hook"},
                             headers=_bearer(tokens["UA"]))
        assert public.status_code == 201, public.text


def test_non_public_reasons() -> None:
    assert non_public_reason(ipaddress.ip_address("8.8.8.8")) is None
    assert non_public_reason(ipaddress.ip_address("2001:4860:4860::8888")) is None
    assert non_public_reason(ipaddress.ip_address("127.0.0.2")) == "a loopback address"
    assert non_public_reason(ipaddress.ip_address("::ffff:10.0.0.1")) == "a private address"
    assert non_public_reason(ipaddress.ip_address("169.254.169.254")) is not None
