"""Webhooks as a party receives them: deposits over HTTP to a real uvicorn on 127.0.0.1,
notifications POSTed to a receiver on 127.0.0.1, each signed as Standard Webhooks signs
with an Ed25519 key (checked against the specification's published vector, and verified
here with `cryptography` and the depositary's public key alone); failures retried on the
server's clock with a growing, jittered backoff, and logged; one deliverer when two
servers share the database. On SQLite and PostgreSQL."""

from __future__ import annotations

import base64
import json
import random
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from hypothesis import given
from hypothesis import strategies as st

from cli_inprocess import run_cli_output
from server_running import ServedLedger, SetClock, make_ledger, running_server
from treatyline.ledger.instruments import signed_instrument
from treatyline.server import create_app
from treatyline.server.webhooks import (
    DeliveryOptions,
    SubscriptionStore,
    check_webhook_url,
    retry_delay,
    webhook_signature,
)
from webhook_receiver import Received, receiving, wait_for

API = "/api/treaties/istanbul-2022"
FAST = DeliveryOptions(poll_seconds=0.05, timeout_seconds=5)


def statement(number: int, text: str | None = None) -> dict[str, Any]:
    return {"date": (date(2022, 3, 1) + timedelta(days=number)).isoformat(),
            "kind": "statement", "party": "UA", "text": text or f"statement {number}",
            "source": "test"}


def deposit(client: httpx.Client, ledger: ServedLedger, number: int) -> dict[str, Any]:
    response = client.post(f"{API}/instruments", content=signed_instrument(
        ledger.keys["UA"], "istanbul-2022", statement(number)))
    assert response.status_code == 201, response.text
    found: dict[str, Any] = response.json()
    return found


@contextmanager
def serving(ledger: ServedLedger, clock: SetClock,
            options: DeliveryOptions = FAST) -> Iterator[httpx.Client]:
    app = create_app(ledger.settings(), clock)
    app.state.delivery_options = options
    with running_server(app) as url, httpx.Client(base_url=url, timeout=30) as client:
        yield client


def subscribe(capsys: pytest.CaptureFixture[str], db: str, url: str,
              *options: str) -> dict[str, Any]:
    code, out, err = run_cli_output(capsys, "webhooks", "add", "--db", db, "--party", "UA",
                                    "--url", url, "--json", *options)
    assert code == 0, err
    found: dict[str, Any] = json.loads(out)
    return found


def cli_json(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, Any]:
    code, out, err = run_cli_output(capsys, "webhooks", *args, "--json")
    assert code == 0, err
    found: dict[str, Any] = json.loads(out)
    return found


def verify(public: Ed25519PublicKey, request: Received) -> None:
    """Standard Webhooks' asymmetric check, written from the specification: the Ed25519
    signature of id.timestamp.body (raises InvalidSignature)."""
    version, _, signature = request.headers["webhook-signature"].partition(",")
    assert version == "v1a"
    signed = (f"{request.headers['webhook-id']}.{request.headers['webhook-timestamp']}."
              .encode() + request.body)
    public.verify(base64.b64decode(signature, validate=True), signed)


def test_the_signature_is_standard_webhooks_published_vector() -> None:
    # the Go library's asymmetric signing test of the standard-webhooks repository
    # (libraries/go/webhook_asymmetric_test.go, TestAsymmetricWebhookSign)
    seed = base64.b64decode("VEVTVFNJR05JTkdLRVlET05PVFVTRVRISVNGT1JBTlk=")
    key = Ed25519PrivateKey.from_private_bytes(seed)
    assert webhook_signature(key.sign, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330,
                             b'{"test": 2432232314}') == (
        "v1a,tQ9V2XOqn7jL/DQenEFpqIugdBVtiMmER5mhSkXBNwM0mkATuDe6KYYUuxqtaiHeYGb7KaaBRdM5Wqye"
        "FiL8Ag==")
    with pytest.raises(ValueError, match=r"no '\.'"):
        webhook_signature(key.sign, "a.b", 1, b"{}")


@pytest.mark.parametrize(("url", "problem"), [
    ("ftp://example.org/hook", "not ftp:"),
    ("/hook", "relative URL"),
    ("https://user:secret@example.org/hook", "user name or password"),
    ("https://user@example.org/hook", "user name or password"),
    ("http:///hook", "names no host"),
    ("http://example.org:99999/", "not a URL"),
    ("http://example.org/a b", "no spaces"),
    ("http://example.org/" + "a" * 2100, "at most 2048"),
])
def test_webhook_urls_refused(url: str, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        check_webhook_url(url)
    assert check_webhook_url("https://example.org:8443/hook?x=1") == (
        "https://example.org:8443/hook?x=1")


@given(st.integers(1, 80), st.integers(0, 2**32))
def test_retry_delays_double_with_jitter_up_to_the_cap(failures: int, seed: int) -> None:
    options = DeliveryOptions(first_retry_seconds=5, max_retry_seconds=3600)
    full = min(3600.0, 5.0 * 2 ** (failures - 1))
    delay = retry_delay(failures, options, random.Random(seed)).total_seconds()
    assert full / 2 <= delay <= full


def test_deposits_are_delivered_signed_in_order(ledger_db: str, tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    ledger = make_ledger(ledger_db, tmp_path, ["UA"])
    clock = SetClock(datetime(2022, 6, 1, 12, tzinfo=UTC))
    with receiving() as receiver:
        added = subscribe(capsys, ledger_db, receiver.url)
        # the key as the depositary gives it to the receivers (Standard Webhooks' whpk_)
        public = Ed25519PublicKey.from_public_bytes(base64.b64decode(
            added["signing_key"].removeprefix("whpk_"), validate=True))
        assert public.public_bytes_raw() == ledger.keys["depositary"].public().public_key
        assert added["next_index"] == 2  # the genesis and UA's key are not delivered
        with serving(ledger, clock) as client:
            receipts = [deposit(client, ledger, n) for n in range(3)]
            wait_for(lambda: len(receiver.arrived()) == 3, what="three webhooks")
            notes = client.get(f"{API}/notifications").json()["notifications"]
        arrived = receiver.arrived()
    assert [r.answered for r in arrived] == [200] * 3
    for request, receipt, note in zip(arrived, receipts, notes, strict=True):
        verify(public, request)
        with pytest.raises(InvalidSignature):  # the check can fail: one byte changed
            verify(public, Received(request.path, request.headers, request.body + b" "))
        body = json.loads(request.body)
        assert body == {"type": "ledger.notification", "timestamp": note["received"],
                        "data": {"treaty": "istanbul-2022", **note}}
        assert body["data"]["notification"] == receipt["notification"]
        assert request.headers["webhook-id"] == f"msg_istanbul-2022_{receipt['index']}"
        assert request.headers["webhook-timestamp"] == str(int(clock.moment.timestamp()))
        assert request.headers["content-type"] == "application/json"
    listed = cli_json(capsys, "list", "--db", ledger_db)["subscriptions"]
    assert [(s["id"], s["next_index"], s["failures"]) for s in listed] == [(added["id"], 5, 0)]
    attempts = cli_json(capsys, "log", "--db", ledger_db)["attempts"]
    assert [(a["entry"], a["attempt"], a["delivered"], a["status"]) for a in attempts] == [
        (2, 1, True, 200), (3, 1, True, 200), (4, 1, True, 200)]


def test_failures_are_retried_on_the_server_clock_then_delivered_once(
        ledger_db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ledger = make_ledger(ledger_db, tmp_path, ["UA"])
    start = datetime(2022, 6, 1, 12, tzinfo=UTC)
    clock = SetClock(start)
    with receiving() as receiver, serving(ledger, clock) as client:
        receiver.fail_first = 2
        added = subscribe(capsys, ledger_db, receiver.url)
        deposit(client, ledger, 0)
        wait_for(lambda: len(receiver.arrived()) == 1, what="the first attempt")
        with SubscriptionStore(ledger_db) as store:
            for failures, (low, high) in ((1, (2.5, 5)), (2, (5, 10))):
                wait_for(lambda f=failures: store.subscriptions()[0].failures == f,  # type: ignore[misc]
                         what=f"failure {failures} recorded")
                retry_at = store.subscriptions()[0].next_attempt
                assert retry_at is not None
                assert low <= (retry_at - clock.moment).total_seconds() <= high
                clock.moment = retry_at - timedelta(milliseconds=1)  # not yet
                time.sleep(0.3)  # several of the worker's ticks: it does not try early
                assert len(receiver.arrived()) == failures
                clock.moment = retry_at
                wait_for(lambda f=failures: len(receiver.arrived()) == f + 1,  # type: ignore[misc]
                         what=f"attempt {failures + 1}")
            wait_for(lambda: store.subscriptions()[0].next_index == 3, what="the cursor")
            attempts = store.attempts(added["id"])
    arrived = receiver.arrived()
    assert [r.answered for r in arrived] == [500, 500, 200]
    assert len({r.headers["webhook-id"] for r in arrived}) == 1  # one message, three tries
    assert [int(r.headers["webhook-timestamp"]) for r in arrived] == [
        int(a.at.timestamp()) for a in attempts]
    assert [(a.attempt, a.delivered, a.status, a.error) for a in attempts] == [
        (1, False, 500, "HTTP 500 Internal Server Error"),
        (2, False, 500, "HTTP 500 Internal Server Error"), (3, True, 200, None)]
    assert attempts[0].at == start and attempts[1].at == attempts[0].next_attempt
    assert attempts[2].at == attempts[1].next_attempt and attempts[2].next_attempt is None


def test_an_unreachable_receiver_is_logged_as_a_connection_error(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ledger = make_ledger(str(tmp_path / "ledger.db"), tmp_path, ["UA"])
    clock = SetClock(datetime(2022, 6, 1, 12, tzinfo=UTC))
    with receiving() as receiver:
        closed = receiver.url  # no one listens there once the receiver is gone
    subscribe(capsys, ledger.db, closed)
    with serving(ledger, clock) as client:
        deposit(client, ledger, 0)
        with SubscriptionStore(ledger.db) as store:
            wait_for(lambda: bool(store.attempts()), what="an attempt")
            attempt = store.attempts()[0]
    assert not attempt.delivered and attempt.status is None
    assert attempt.error is not None and attempt.error.startswith("connection error: ")


def test_a_receiver_that_does_not_answer_in_time_is_logged_as_a_timeout(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ledger = make_ledger(str(tmp_path / "ledger.db"), tmp_path, ["UA"])
    clock = SetClock(datetime(2022, 6, 1, 12, tzinfo=UTC))
    with receiving() as receiver:
        receiver.release.clear()  # holds every request unanswered
        subscribe(capsys, ledger.db, receiver.url)
        options = DeliveryOptions(poll_seconds=0.05, timeout_seconds=0.3)
        with serving(ledger, clock, options) as client:
            deposit(client, ledger, 0)
            with SubscriptionStore(ledger.db) as store:
                wait_for(lambda: bool(store.attempts()), what="an attempt")
                attempt = store.attempts()[0]
                assert store.subscriptions()[0].next_index == 2  # not delivered
    assert (attempt.delivered, attempt.status, attempt.error) == (False, None, "timeout")


def test_two_servers_on_one_database_deliver_each_notification_once(
        ledger_db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ledger = make_ledger(ledger_db, tmp_path, ["UA"])
    clock = SetClock(datetime(2022, 6, 1, 12, tzinfo=UTC))
    with receiving() as receiver, ExitStack() as stack:
        subscribe(capsys, ledger_db, receiver.url)
        first, second = (stack.enter_context(serving(ledger, clock)) for _ in range(2))
        for number in range(6):
            deposit(first if number % 2 else second, ledger, number)
        wait_for(lambda: len(receiver.arrived()) >= 6, what="six webhooks")
        time.sleep(0.3)  # time for a second deliverer, were there one, to repeat them
        arrived = receiver.arrived()
    assert sorted(r.headers["webhook-id"] for r in arrived) == sorted(
        f"msg_istanbul-2022_{i}" for i in range(2, 8))


def test_the_webhooks_command_refuses_with_messages(tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    ledger = make_ledger(str(tmp_path / "ledger.db"), tmp_path, ["UA"])
    for args, message in (
            (("add", "--party", "UA", "--url", "https://u:p@example.org/"), "--url: "),
            (("add", "--party", "XX", "--url", "https://example.org/"), "--party: 'XX' is not"),
            (("add", "--party", "UA", "--url", "https://example.org/", "--since", "9"),
             "--since: the log has 2 entries"),
            (("remove", "wh_nothing"), "there is no webhook 'wh_nothing'")):
        code, _, err = run_cli_output(capsys, "webhooks", *args, "--db", ledger.db)
        assert code == 1 and message in err, err
        assert "Traceback" not in err
    added = subscribe(capsys, ledger.db, "https://example.org/hook", "--since", "0")
    assert added["next_index"] == 0
    code, out, _ = run_cli_output(capsys, "webhooks", "list", "--db", ledger.db)
    assert code == 0 and added["id"] in out and "https://example.org/hook" in out
    code, out, _ = run_cli_output(capsys, "webhooks", "remove", added["id"], "--db", ledger.db)
    assert code == 0 and cli_json(capsys, "list", "--db", ledger.db) == {"subscriptions": []}


def test_the_worker_reconnects_when_postgresql_drops_its_connection(
        postgres_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import psycopg

    ledger = make_ledger(postgres_url, tmp_path, ["UA"])
    database = urlsplit(postgres_url).path.lstrip("/")
    clock = SetClock(datetime(2022, 6, 1, 12, tzinfo=UTC))
    with receiving() as receiver, serving(ledger, clock) as client:
        subscribe(capsys, postgres_url, receiver.url)
        deposit(client, ledger, 0)
        wait_for(lambda: len(receiver.arrived()) == 1, what="the first webhook")
        with psycopg.connect(postgres_url, autocommit=True) as admin:
            ended = admin.execute("SELECT count(pg_terminate_backend(pid)) FROM "
                                  "pg_stat_activity WHERE datname = %s AND pid <> "
                                  "pg_backend_pid()", (database,)).fetchone()
        assert ended is not None and ended[0] >= 2  # the ledger's and the worker's
        response = client.post(f"{API}/instruments", content=signed_instrument(
            ledger.keys["UA"], "istanbul-2022", statement(1)))
        if response.status_code == 503:  # the ledger's own connection: opened again next
            response = client.post(f"{API}/instruments", content=signed_instrument(
                ledger.keys["UA"], "istanbul-2022", statement(1)))
        assert response.status_code == 201, response.text
        wait_for(lambda: len(receiver.arrived()) == 2, what="the webhook after reconnecting")
    assert [r.headers["webhook-id"] for r in receiver.arrived()] == [
        "msg_istanbul-2022_2", "msg_istanbul-2022_3"]
