"""Deadline notices as the guarantors receive them, on SQLite and PostgreSQL: a real uvicorn
on 127.0.0.1 over the Istanbul ledger in force, the attack of 2023-10-03 on Kharkiv, and
the server's clock moved by the test: every guarantor bound is told of its consultations
due by 2023-10-06 and how to discharge them, reminded from 2023-10-06 00:00 UTC; the one
that deposits a consultation act (signed with its key) is told it is fulfilled, the others,
from 2023-10-07 00:00 UTC, that the deadline passed. A restarted server issues nothing
twice; webhooks deliver each party's notices to its receiver, signed by the depositary;
an officer reads its own notices only (the refusal logged); the Atom feed and the
server-sent events (resumed with Last-Event-ID) carry the same notices."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import feedparser
import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from cli_inprocess import run_cli_output
from deadline_scenario import ATTACK, ledger_in_force, obligations_source
from server_running import ServedLedger, SetClock, running_server
from test_server_notify_feeds import read_events
from test_server_notify_webhooks import FAST, verify
from treatyline.ledger.instruments import signed_instrument
from treatyline.norms import Obligation
from treatyline.server import create_app
from treatyline.server.deadlines import WatchOptions
from treatyline.server.routes.feeds import StreamOptions
from treatyline.server.webhooks import SubscriptionStore
from webhook_receiver import Receiver, receiving, wait_for

API = "/api/treaties/istanbul-2022"
WATCH = WatchOptions(tick_seconds=0.1)
CONSULTING = "GB"  # deposits its consultation act in time
SILENT = "TR"  # does not


@contextmanager
def serving(ledger: ServedLedger, clock: SetClock, folder: Path,
            asked: list[date]) -> Iterator[httpx.Client]:
    """The app with the attack's obligations as its source (each day asked for is added
    to `asked`)."""
    app = create_app(ledger.settings(), clock)
    app.state.delivery_options = FAST
    app.state.deadline_options = WATCH
    app.state.stream_options = StreamOptions(poll_seconds=0.05, stream_seconds=5)
    source = obligations_source(app, folder)

    async def counted(day: date) -> Sequence[Obligation]:
        asked.append(day)
        return await source(day)

    app.state.obligation_sources = {"istanbul-2022": counted}
    with running_server(app) as url, httpx.Client(base_url=url, timeout=60) as client:
        yield client


def token(capsys: pytest.CaptureFixture[str], db: str, *role: str) -> str:
    code, out, err = run_cli_output(capsys, "token", "new", "--db", db, "--role", *role)
    assert code == 0, err
    return out.strip()


def notices(client: httpx.Client, credential: str, **params: Any) -> list[dict[str, Any]]:
    response = client.get(f"{API}/notices", params={"limit": 1000} | params,
                          headers={"Authorization": f"Bearer {credential}"})
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()["notices"]
    return found


def consultation_kinds(found: list[dict[str, Any]]) -> dict[str, list[str]]:
    kinds: dict[str, list[str]] = {}
    for notice in found:
        if notice["provision"] == "consultation":
            kinds.setdefault(notice["bearer"], []).append(notice["kind"])
    return kinds


def until(client: httpx.Client, admin: str, what: str, condition: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []

    def holds() -> bool:
        found[:] = notices(client, admin)
        return bool(condition(consultation_kinds(found)))

    wait_for(holds, 60, what)
    return found


def hooks_of(receiver: Receiver, party: str) -> list[dict[str, Any]]:
    return [json.loads(r.body) for r in receiver.arrived()
            if r.path.endswith(f"/{party}") and r.answered == 200
            and not json.loads(r.body)["type"].startswith("ledger.")]


def test_deadline_notices_from_attack_to_deadline(ledger_db: str, tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    ledger = ledger_in_force(ledger_db, tmp_path)
    admin = token(capsys, ledger_db, "admin")
    officers = {p: token(capsys, ledger_db, "officer", "--party", p)
                for p in (CONSULTING, SILENT)}
    depositary_key = Ed25519PublicKey.from_public_bytes(
        ledger.keys["depositary"].public().public_key)
    clock = SetClock(datetime(2023, 10, 3, 18, tzinfo=UTC))
    asked: list[date] = []
    with receiving() as receiver:
        with SubscriptionStore(ledger_db) as store:
            for party in (CONSULTING, SILENT):
                store.add(party, f"{receiver.url}/{party}", 10**9, clock.now())
        receiver.fail_first = 1  # the first notice is refused once: tried again, logged
        with serving(ledger, clock, tmp_path, asked) as client:
            # the attack: every guarantor bound is told, by the deadline's day
            first = until(client, admin, "the triggered notices",
                          lambda k: CONSULTING in k and SILENT in k)
            bearers = set(consultation_kinds(first))
            assert {CONSULTING, SILENT} <= bearers and len(bearers) >= 5
            told = next(n for n in first if n["bearer"] == SILENT
                        and n["provision"] == "consultation")
            assert told["kind"] == "obligation_triggered"
            assert told["deadline"] == "2023-10-06" and told["incidents"] == [ATTACK]
            assert told["deadline_ends"] == "2023-10-07T00:00:00Z"
            assert told["discharge_by"] == ["consultation"]
            for words in ("Consultations", ATTACK, "2023-10-06",
                          "deposit a `consultation` act"):
                assert words in told["text"], words
            assert {k for kinds in consultation_kinds(first).values() for k in kinds} == {
                "obligation_triggered"}  # no reminder 30 hours before the end

            # midnight of the deadline day: 24 hours left, every bearer reminded
            clock.moment = datetime(2023, 10, 6, tzinfo=UTC)
            until(client, admin, "the reminders", lambda k: all(
                "deadline_reminder" in kinds for kinds in k.values()))

            # one guarantor consults in time, by an act signed with its key
            clock.moment = datetime(2023, 10, 6, 15, tzinfo=UTC)
            deposit = client.post(f"{API}/instruments", content=signed_instrument(
                ledger.keys[CONSULTING], "istanbul-2022", {
                    "date": "2023-10-06", "kind": "consultation", "party": CONSULTING,
                    "text": "Consultations with the other guarantors (test).",
                    "source": "test"}))
            assert deposit.status_code == 201 and deposit.json()["accepted"], deposit.text
            until(client, admin, "the fulfilment", lambda k: "obligation_fulfilled" in k[
                CONSULTING])

            # the deadline's end: the others are told it passed, the consulting one not
            clock.moment = datetime(2023, 10, 7, tzinfo=UTC)
            passed = until(client, admin, "the passed notices", lambda k: all(
                "deadline_passed" in kinds for bearer, kinds in k.items()
                if bearer != CONSULTING))
            kinds = consultation_kinds(passed)
            assert kinds[CONSULTING] == ["obligation_triggered", "deadline_reminder",
                                         "obligation_fulfilled"]
            assert kinds[SILENT] == ["obligation_triggered", "deadline_reminder",
                                     "deadline_passed"]
            assert [n["seq"] for n in passed] == list(range(1, len(passed) + 1))
            wait_for(lambda: len(hooks_of(receiver, SILENT)) >= len(notices(
                client, officers[SILENT])), 60, "the webhooks")
            check_reading(client, admin, officers, passed)
        # restarted a day later: the watcher looks again and issues nothing twice
        clock.moment = datetime(2023, 10, 8, tzinfo=UTC)
        asked.clear()
        with serving(ledger, clock, tmp_path, asked) as client:
            wait_for(lambda: asked.count(date(2023, 10, 8)) >= 3, 60, "the watcher's ticks")
            again = notices(client, admin)
        assert again[:len(passed)] == passed
        assert consultation_kinds(again) == consultation_kinds(passed)
        for party in (CONSULTING, SILENT):
            delivered = hooks_of(receiver, party)
            ids = [n["data"]["id"] for n in delivered]
            assert len(ids) == len(set(ids)) == len(
                [n for n in again if n["bearer"] == party])
            mine = [n for n in again if n["bearer"] == party]
            assert [d["data"] for d in delivered] == mine
            assert [d["type"] for d in delivered if d["data"]["provision"] == "consultation"
                    ] == (["obligation.triggered", "deadline.reminder", "obligation.fulfilled"]
                          if party == CONSULTING else
                          ["obligation.triggered", "deadline.reminder", "deadline.passed"])
        with SubscriptionStore(ledger_db) as store:
            attempts = store.notice_attempts()
        failed = [a for a in attempts if not a.delivered]
        assert len(failed) == 1 and failed[0].status == 500 and failed[0].attempt == 1
        assert [(a.attempt, a.delivered) for a in attempts if a.entry == failed[0].entry
                and a.subscription == failed[0].subscription] == [(1, False), (2, True)]
        assert sum(a.delivered for a in attempts) == len([
            n for n in again if n["bearer"] in (CONSULTING, SILENT)])
        # the command line shows the same: the notices' attempts and each cursor
        code, out, err = run_cli_output(capsys, "webhooks", "log", "--db", ledger_db, "--json")
        assert code == 0, err
        assert json.loads(out)["notice_attempts"] == [a.to_json() for a in attempts]
        code, out, err = run_cli_output(capsys, "webhooks", "list", "--db", ledger_db,
                                        "--json")
        assert code == 0, err
        for listed in json.loads(out)["subscriptions"]:
            own = [n["seq"] for n in again if n["bearer"] == listed["party"]]
            assert listed["next_notice"] > max(own) and listed["notice_failures"] == 0
        code, out, err = run_cli_output(capsys, "webhooks", "log", "--db", ledger_db)
        assert code == 0 and out.count(" notice ") == len(attempts), (out, err)
        for request in receiver.arrived():
            verify(depositary_key, request)  # raises unless the depositary signed it
            body = json.loads(request.body)
            if not body["type"].startswith("ledger."):
                assert request.headers["webhook-id"] == body["data"]["id"]
    assert Counter(n["id"] for n in again).most_common(1)[0][1] == 1


def auth(credential: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {credential}"}


def check_reading(client: httpx.Client, admin: str, officers: dict[str, str],
                  issued: list[dict[str, Any]]) -> None:
    """Who reads what, and the same notices as Atom and as server-sent events."""
    own = notices(client, officers[SILENT])
    assert own == [n for n in issued if n["bearer"] == SILENT]
    assert notices(client, admin, party=SILENT) == own
    other = client.get(f"{API}/notices", params={"party": CONSULTING},
                       headers=auth(officers[SILENT]))
    assert other.status_code == 403 and other.json()["error"]["place"] == "query.party"
    assert client.get(f"{API}/notices").status_code == 401
    refused = client.get(f"{API}/refusals", headers=auth(admin)).json()["refusals"]
    assert [(r["status"], r["route"]) for r in refused][-2:] == [
        (403, f"{API}/notices"), (401, f"{API}/notices")]
    bad = client.get(f"{API}/notices", params={"since": -1}, headers=auth(admin))
    assert bad.status_code == 422 and bad.json()["error"]["place"] == "query.since"

    feed = client.get(f"{API}/notices.atom", headers=auth(officers[SILENT]))
    parsed = feedparser.parse(feed.content)
    assert not parsed.bozo and len(parsed.entries) == len(own)
    assert [e.id for e in parsed.entries] == [
        f"tag:treatyline,2022-02-01:istanbul-2022/notices/{n['id']}" for n in reversed(own)]
    assert [e.content[0].value for e in parsed.entries] == [n["text"] for n in reversed(own)]

    with client.stream("GET", f"{API}/notices/events", params={"since": 0},
                        headers=auth(officers[SILENT])) as stream:
        events, _ = read_events(stream.iter_lines(), len(own))
    assert [int(e["id"]) for e in events] == [n["seq"] for n in own]
    assert [json.loads(e["data"]) for e in events] == own
    resumed_from = own[0]["seq"]
    with client.stream("GET", f"{API}/notices/events", headers=auth(officers[SILENT]) | {
            "Last-Event-ID": str(resumed_from)}) as stream:
        rest, _ = read_events(stream.iter_lines(), len(own) - 1)
    assert [json.loads(e["data"]) for e in rest] == own[1:]
    wrong = client.get(f"{API}/notices/events", headers=auth(admin) | {
        "Last-Event-ID": "seven"})
    assert wrong.status_code == 422
    assert wrong.json()["error"]["place"] == "header.last-event-id"
