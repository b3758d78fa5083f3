"""A webhook registered over HTTP is checked again at delivery: a host that passed at
registration and now resolves to the server's loopback (DNS rebinding, a re-pointed name;
here `localhost`) is refused, the attempt logged as failed and retried with the backoff;
a server that allows private webhooks delivers; one registered with the depositary's CLI
is trusted and delivered. The connection goes to the address that was checked, https
keeping the name for TLS and the Host header. Older
subscriptions are taken as registered over HTTP. On SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import ipaddress
import json
import ssl
import threading
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpcore
import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from cli_inprocess import run_cli_output
from server_running import ServedLedger, SetClock, make_ledger, running_server
from treatyline.ledger.instruments import signed_instrument
from treatyline.server import create_app
from treatyline.server.ledger_tables import LedgerTables
from treatyline.server.routes import webhooks as webhook_routes
from treatyline.server.webhooks import DeliveryOptions, SubscriptionStore, pinned
from webhook_receiver import receiving, wait_for

API = "/api/treaties/istanbul-2022"
FAST = DeliveryOptions(poll_seconds=0.05, timeout_seconds=5)
START = datetime(2022, 6, 1, 12, tzinfo=UTC)


def _deposit(client: httpx.Client, ledger: ServedLedger, number: int) -> None:
    answer = client.post(f"{API}/instruments", content=signed_instrument(
        ledger.keys["UA"], "istanbul-2022",
        {"date": (date(2022, 3, 1) + timedelta(days=number)).isoformat(),
         "kind": "statement", "party": "UA", "text": f"statement {number}",
         "source": "test"}))
    assert answer.status_code == 201, answer.text


def _admin(capsys: pytest.CaptureFixture[str], db: str) -> dict[str, str]:
    code, out, err = run_cli_output(capsys, "token", "new", "--db", db, "--role", "admin")
    assert code == 0, err
    return {"Authorization": f"Bearer {out.strip()}"}


def _register(client: httpx.Client, admin: dict[str, str], url: str) -> dict[str, Any]:
    answer = client.post(f"{API}/webhooks", json={"url": url, "party": "UA"}, headers=admin)
    assert answer.status_code == 201, answer.text
    found: dict[str, Any] = answer.json()
    return found


def _by_name(url: str) -> str:
    """The receiver's URL with its host written as a name that resolves to loopback."""
    return url.replace("127.0.0.1", "localhost")


async def _passes(url: str) -> None:
    """Registration's check passed: the name was public then (it is re-pointed later)."""


def test_a_host_re_pointed_to_loopback_is_refused_at_delivery_and_retried(
        ledger_db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    ledger = make_ledger(ledger_db, tmp_path, ["UA"])
    clock = SetClock(START)
    app = create_app(ledger.settings(), clock)  # private webhooks not allowed
    app.state.delivery_options = FAST
    monkeypatch.setattr(webhook_routes, "check_public_host", _passes)
    with (receiving() as receiver, running_server(app) as url,
          httpx.Client(base_url=url, timeout=30) as client):
        rebound = _register(client, _admin(capsys, ledger_db), _by_name(receiver.url))
        assert rebound["over_http"] is True
        # the depositary's own registration of the same receiver, by address: trusted
        code, out, err = run_cli_output(capsys, "webhooks", "add", "--db", ledger_db,
                                        "--party", "UA", "--url", receiver.url, "--json")
        assert code == 0, err
        trusted = json.loads(out)
        _deposit(client, ledger, 0)
        with SubscriptionStore(ledger_db) as store:
            wait_for(lambda: bool(store.attempts(rebound["id"])), what="the refused attempt")
            wait_for(lambda: len(receiver.arrived()) == 1, what="the trusted delivery")
            [first] = store.attempts(rebound["id"])
            assert not first.delivered and first.status is None
            assert first.error is not None
            assert first.error.startswith("address not public: ")
            assert first.error.endswith(" (loopback)")
            # retried with the backoff, on the server's clock: refused again
            assert first.next_attempt is not None
            assert 2.5 <= (first.next_attempt - first.at).total_seconds() <= 5
            clock.moment = first.next_attempt
            wait_for(lambda: len(store.attempts(rebound["id"])) == 2, what="the retry")
            second = store.attempts(rebound["id"])[1]
            assert (second.attempt, second.delivered) == (2, False)
            assert second.error == first.error
            assert [a.delivered for a in store.attempts(trusted["id"])] == [True]
    # the receiver heard from the trusted subscription only
    [arrived] = receiver.arrived()
    assert arrived.answered == 200


def test_a_server_that_allows_private_webhooks_delivers_to_them(
        ledger_db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ledger = make_ledger(ledger_db, tmp_path, ["UA"])
    app = create_app(ledger.settings(allow_private_webhooks=True), SetClock(START))
    app.state.delivery_options = FAST
    with (receiving() as receiver, running_server(app) as url,
          httpx.Client(base_url=url, timeout=30) as client):
        registered = _register(client, _admin(capsys, ledger_db), _by_name(receiver.url))
        assert registered["over_http"] is True
        _deposit(client, ledger, 0)
        wait_for(lambda: len(receiver.arrived()) == 1, what="the delivery")
        with SubscriptionStore(ledger_db) as store:
            wait_for(lambda: bool(store.attempts(registered["id"])), what="the log")
            assert [(a.delivered, a.status) for a in store.attempts(registered["id"])] == [
                (True, 200)]


class _Recording(httpcore.AsyncNetworkBackend):
    """A network backend that records where it was asked to connect, and connects
    nowhere."""

    def __init__(self) -> None:
        self.hosts: list[str] = []

    async def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                          local_address: str | None = None,
                          socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
                          ) -> httpcore.AsyncNetworkStream:
        self.hosts.append(host)
        raise httpcore.ConnectError("nothing listens here")


def test_the_connection_goes_to_the_address_that_was_checked(
        monkeypatch: pytest.MonkeyPatch) -> None:
    answers = {"rebinding.example": [ipaddress.ip_address("1.1.1.1"),
                                     ipaddress.ip_address("8.8.8.8")],
               "inside.example": [ipaddress.ip_address("8.8.8.8"),
                                  ipaddress.ip_address("10.0.0.5")]}

    async def resolve(host: str) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
        return list(answers[host])

    monkeypatch.setattr(pinned, "resolve", resolve)
    inner = _Recording()
    backend = pinned.PublicOnlyBackend(inner)
    # each checked address is tried, by address: never the name, resolved again
    with pytest.raises(httpcore.ConnectError, match="nothing listens"):
        asyncio.run(backend.connect_tcp("rebinding.example", 443))
    assert inner.hosts == ["1.1.1.1", "8.8.8.8"]
    # one address not public refuses the host, before any connection
    with pytest.raises(pinned.NotPublicAddress,
                       match=r"^address not public: 10\.0\.0\.5 \(private\)$"):
        asyncio.run(backend.connect_tcp("inside.example", 443))
    assert inner.hosts == ["1.1.1.1", "8.8.8.8"]


# the subscriptions' table before the way they were registered was recorded
OLDER_SUBSCRIPTIONS = """CREATE TABLE webhook_subscriptions (
    id TEXT PRIMARY KEY, party TEXT NOT NULL, url TEXT NOT NULL, created TEXT NOT NULL,
    next_index BIGINT NOT NULL, failures INTEGER NOT NULL, next_attempt TEXT,
    next_notice BIGINT NOT NULL DEFAULT 0, notice_failures INTEGER NOT NULL DEFAULT 0,
    notice_next_attempt TEXT)"""


def test_older_subscriptions_are_taken_as_registered_with_the_command_line(
        ledger_db: str, tmp_path: Path) -> None:
    make_ledger(ledger_db, tmp_path, ["GB"])
    old = LedgerTables(ledger_db, [OLDER_SUBSCRIPTIONS], "the older webhooks")
    with old._writing() as cursor:
        cursor.execute("INSERT INTO webhook_subscriptions (id, party, url, created, "
                       "next_index, failures, next_attempt) VALUES (?, ?, ?, ?, ?, ?, ?)",
                       ("wh_old", "GB", "http://127.0.0.1:9/hook", START.isoformat(), 7, 0,
                        None))
    old.close()
    for _ in range(2):  # migrated once; opened again, nothing more to do
        with SubscriptionStore(ledger_db) as store:
            [found] = store.subscriptions()
            assert (found.id, found.next_index, found.over_http) == ("wh_old", 7, False)
    with SubscriptionStore(ledger_db) as store:
        store.add("FR", "http://127.0.0.1:9/fr", 3, START)
        store.add("DE", "http://127.0.0.1:9/de", 3, START, over_http=True)
        assert sorted((s.party, s.over_http) for s in store.subscriptions()) == [
            ("DE", True), ("FR", False), ("GB", False)]


def _certificate(name: str, folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for `name` and its key, as PEM files."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.now(UTC)
    certificate = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject)
                   .public_key(key.public_key()).serial_number(x509.random_serial_number())
                   .not_valid_before(now - timedelta(days=1))
                   .not_valid_after(now + timedelta(days=1))
                   .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]),
                                  critical=False)
                   .add_extension(x509.BasicConstraints(ca=True, path_length=None),
                                  critical=True)
                   .sign(key, hashes.SHA256()))
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_file, key_file


def test_https_to_the_checked_address_keeps_the_host_name_for_tls_and_host(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The socket goes to the address checked, but TLS is the name's: the server name
    sent (SNI), the certificate verified for the name, and the Host header."""
    name = "hooks.example"
    cert_file, key_file = _certificate(name, tmp_path)
    seen: dict[str, str | None] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            seen["host"] = self.headers["Host"]
            self.rfile.read(int(self.headers["Content-Length"]))
            self.send_response(204)
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass

    def server_name(connection: ssl.SSLObject | ssl.SSLSocket, sent: str | None,
                    context: ssl.SSLContext) -> None:
        seen["sni"] = sent

    server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_context.load_cert_chain(cert_file, key_file)
    server_context.sni_callback = server_name
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.socket = server_context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]

    async def resolve(host: str) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
        assert host == name  # the name is what is resolved and checked
        return [ipaddress.ip_address("127.0.0.1")]

    monkeypatch.setattr(pinned, "resolve", resolve)
    # the tests' receiver stands for a public host: the check itself is tested above
    monkeypatch.setattr(pinned, "non_public_kind", lambda address: None)
    trusted = ssl.create_default_context(cafile=str(cert_file))

    async def post() -> int:
        async with httpx.AsyncClient(
                transport=pinned.public_only_transport(trusted)) as client:
            answer = await client.post(f"https://{name}:{port}/hook", content=b"{}")
            return answer.status_code

    try:
        assert asyncio.run(post()) == 204
    finally:
        server.shutdown()
        server.server_close()
    assert seen == {"sni": name, "host": f"{name}:{port}"}
