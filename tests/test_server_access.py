"""Who may do what on the server, over real HTTP (a uvicorn server on 127.0.0.1), on
SQLite and PostgreSQL: the administrator's token made by `treatyline token new`, officers'
and a monitor's tokens issued over HTTP, requests signed with party keys (RFC 9421);
a party cannot deposit for another, read another's restricted draft, or use a revoked key
or token; a replayed or narrowly signed request is refused; every refusal is in the
refusal log; tokens are stored hashed."""

from __future__ import annotations

import hashlib
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cli_inprocess import run_cli_output
from server_running import SetClock, make_ledger, running_server, serve
from signed_requests import signed_headers, table_rows
from treatyline.ledger.cosignature import Cosigner
from treatyline.ledger.instruments import signed_instrument
from treatyline.ledger.keys import PartyKey, generate_party_key
from treatyline.ledger.notes import parse_note
from treatyline.server import create_app
from treatyline.server.access import Monitor, Principal

API = "/api/treaties/istanbul-2022"
DRAFT = {"id": "2022-04-15", "title": "Draft treaty on Ukraine's permanent neutrality and "
         "security guarantees (bracketed)", "dated": "2022-04-15", "parties": ["UA", "RU"],
         "text": "Ukraine would be permanently neutral and outside military blocs. "
         "[Caps on the armed forces: Russia proposed 85,000 troops; Ukraine 250,000.] "
         "Guarantors named: US, UK, China, France, Russia."}


def statement(key: PartyKey, day: date) -> bytes:
    return signed_instrument(key, "istanbul-2022", {
        "date": day.isoformat(), "kind": "statement", "party": key.party,
        "text": "On the talks (test).", "source": "test"})


class Session:
    """A client of the served ledger, keeping the refusals the test expects logged."""

    def __init__(self, url: str, clock: SetClock) -> None:
        self.url, self.clock = url, clock
        self.client = httpx.Client(base_url=url, timeout=60)
        self.refusals: list[tuple[int, str]] = []

    def call(self, method: str, path: str, *, token: str | None = None,
             key: PartyKey | None = None, json_body: Any = None, content: bytes = b"",
             status: int, code: str | None = None, **signing: Any) -> httpx.Response:
        body = httpx.Request("POST", "http://x", json=json_body).content if (
            json_body is not None) else content
        headers = {"Content-Type": "application/json"} if body else {}
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        if key is not None:
            headers |= signed_headers(key, method, self.url + path, body,
                                      created=int(self.clock.moment.timestamp()), **signing)
        response = self.client.request(method, path, content=body, headers=headers)
        assert response.status_code == status, response.text
        if status >= 400:
            error = response.json()["error"]
            assert error["status"] == status and error["message"]
            if code is not None:
                assert error["code"] == code, error
            if status in (401, 403) or code == "draft_not_found":
                self.refusals.append((status, error["code"]))
            if status == 401:
                assert "Bearer" in response.headers["www-authenticate"]
        return response

    def size(self) -> int:
        return int(self.client.get(f"{API}/entries?limit=1").json()["tree_size"])


@pytest.fixture
def served(ledger_db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
           ) -> Any:
    ledger = make_ledger(ledger_db, tmp_path, ["UA", "RU", "TR"])
    code, out, err = run_cli_output(capsys, "token", "new", "--db", ledger_db, "--role",
                                    "admin", "--note", "the depositary's administrator")
    assert code == 0, err
    admin = out.strip()
    assert admin.startswith("tlt_") and out.count("\n") == 1 and "admin" in err
    clock = SetClock(datetime(2022, 4, 20, 12, tzinfo=UTC))
    with serve(ledger, clock) as url:
        session = Session(url, clock)
        try:
            yield ledger, session, admin
        finally:
            session.client.close()


def test_who_may_do_what(served: Any, ledger_db: str) -> None:
    ledger, s, admin = served
    keys = ledger.keys
    # the administrator issues officers' tokens and a monitor's; no one else may
    tokens = {party: s.call("POST", f"{API}/tokens", token=admin, status=201, json_body={
        "role": "officer", "party": party, "note": f"{party}'s officer"}).json()["token"]
        for party in ("UA", "RU", "TR")}
    monitor = s.call("POST", f"{API}/tokens", token=admin, status=201,
                     json_body={"role": "monitor"}).json()["token"]
    s.call("POST", f"{API}/tokens", token=tokens["UA"], status=403, code="forbidden",
           json_body={"role": "admin"})
    s.call("POST", f"{API}/tokens", status=401, code="credential_required",
           json_body={"role": "admin"})
    s.call("POST", f"{API}/tokens", token=admin, status=422, json_body={
        "role": "officer", "party": "XX"})

    # a restricted draft: its negotiating parties' officers read it; others learn nothing
    s.call("POST", f"{API}/drafts", token=admin, json_body=DRAFT, status=201)
    s.call("POST", f"{API}/drafts", token=tokens["RU"], json_body=DRAFT, status=403)
    draft = f"{API}/drafts/2022-04-15"
    assert s.call("GET", draft, token=tokens["UA"], status=200).json()["text"] == DRAFT["text"]
    assert s.call("GET", draft, key=keys["RU"], status=200).json()["parties"] == ["UA", "RU"]
    outside = s.call("GET", draft, token=tokens["TR"], status=404, code="draft_not_found")
    s.refusals.pop()  # an unknown draft is answered alike, and is no refusal:
    unknown = s.call("GET", f"{API}/drafts/2022-04-16", token=tokens["TR"], status=404)
    assert outside.json()["error"]["message"].replace("2022-04-15", "X") == (
        unknown.json()["error"]["message"].replace("2022-04-16", "X"))
    s.refusals.append((404, "draft_not_found"))  # the refusal of the draft TR is outside
    assert s.call("GET", f"{API}/drafts", token=tokens["TR"], status=200).json() == {
        "drafts": []}
    assert [d["id"] for d in s.call("GET", f"{API}/drafts", token=admin,
                                    status=200).json()["drafts"]] == ["2022-04-15"]
    s.call("GET", draft, token=monitor, status=403, code="forbidden")
    s.call("GET", draft, status=401, code="credential_required")

    # deposits: the signature authenticates; an officer's credential binds to its party
    size = s.size()
    s.call("POST", f"{API}/instruments", token=tokens["UA"], status=403, code="forbidden",
           content=statement(keys["RU"], date(2022, 4, 19)))
    s.call("POST", f"{API}/instruments", key=keys["UA"], status=403, code="forbidden",
           content=statement(keys["RU"], date(2022, 4, 19)))
    assert s.size() == size  # nothing received
    s.call("POST", f"{API}/instruments", token=tokens["UA"], status=201,
           content=statement(keys["UA"], date(2022, 4, 19)))
    s.call("POST", f"{API}/instruments", status=201,  # the public, with a signed instrument
           content=statement(keys["RU"], date(2022, 4, 19)))

    # signed requests: replayed, too old, covering too little, by an unknown key
    path = f"{API}/drafts"
    headers = signed_headers(keys["UA"], "GET", s.url + path,
                             created=int(s.clock.moment.timestamp()))
    assert s.client.get(path, headers=headers).status_code == 200
    replay = s.client.get(path, headers=headers)
    assert (replay.status_code, replay.json()["error"]["code"]) == (401, "replayed_request")
    s.refusals.append((401, "replayed_request"))
    s.call("GET", path, key=keys["UA"], status=401, code="invalid_signature",
           components=["@method", "@path"])
    old = int((s.clock.moment - timedelta(minutes=6)).timestamp())
    stale = s.client.get(path, headers=signed_headers(keys["UA"], "GET", s.url + path,
                                                      created=old))
    assert stale.status_code == 401 and "more than 300 s" in stale.text
    s.refusals.append((401, "invalid_signature"))
    s.call("GET", path, key=generate_party_key("UA", "UA/unknown"), status=401,
           code="invalid_signature")
    forged = signed_headers(keys["TR"], "GET", s.url + path,
                            created=int(s.clock.moment.timestamp()))
    forged["Signature-Input"] = forged["Signature-Input"].replace(
        f"{keys['TR'].key_id:08x}", f"{keys['UA'].key_id:08x}")
    assert s.client.get(path, headers=forged).status_code == 401
    s.refusals.append((401, "invalid_signature"))
    # the depositary's own key signs as the administrator
    assert s.call("GET", f"{API}/tokens", key=keys["depositary"], status=200).json()["tokens"]

    # a key revoked over the admin route may sign neither requests nor instruments
    ua_key = f"{keys['UA'].key_id:08x}"
    revoked = s.call("POST", f"{API}/keys/{ua_key}/revocation", token=admin, status=201,
                     json_body={"revoked_from": "2022-04-20", "reason": "compromised (test)"})
    assert revoked.json()["accepted"]
    s.call("POST", f"{API}/keys/{ua_key}/revocation", key=keys["UA"], status=401,
           json_body={"revoked_from": "2022-04-20", "reason": "by itself"})
    s.call("GET", path, key=keys["UA"], status=401, code="invalid_signature")
    rejected = s.call("POST", f"{API}/instruments", status=422, code="instrument_rejected",
                      content=statement(keys["UA"], date(2022, 4, 20)))
    assert not rejected.json()["receipt"]["accepted"]
    second = generate_party_key("UA", "UA/second")
    s.call("POST", f"{API}/keys", token=tokens["UA"], status=403, json_body={
        "public_key": second.public().to_pem().decode(), "valid_from": "2022-04-20",
        "full_powers": "new full powers"})
    s.call("POST", f"{API}/keys", token=admin, status=201, json_body={
        "public_key": second.public().to_pem().decode(), "valid_from": "2022-04-20",
        "full_powers": "new full powers"})
    s.call("POST", f"{API}/keys", token=admin, status=422, json_body={
        "public_key": "not a key", "valid_from": "2022-04-20", "full_powers": "x"})
    assert s.call("GET", draft, key=second, status=200).json()["id"] == "2022-04-15"

    # tokens: revoked, expired, unknown, malformed
    listed = s.call("GET", f"{API}/tokens", token=admin, status=200).json()["tokens"]
    ua_token = next(t["id"] for t in listed if t["party"] == "UA")
    s.call("DELETE", f"{API}/tokens/{ua_token}", token=admin, status=200)
    s.call("GET", draft, token=tokens["UA"], status=401, code="invalid_credential")
    s.call("GET", draft, token="tlt_" + "A" * 43, status=401, code="invalid_credential")
    s.client.headers["Authorization"] = "Basic dXNlcjpwYXNz"
    assert s.client.get(draft).status_code == 401
    del s.client.headers["Authorization"]
    s.refusals.append((401, "invalid_credential"))
    short = s.call("POST", f"{API}/tokens", token=admin, status=201, json_body={
        "role": "officer", "party": "RU", "valid_days": 1}).json()["token"]
    s.call("GET", draft, token=short, status=200)
    s.clock.moment += timedelta(days=1, seconds=1)
    s.call("GET", draft, token=short, status=401, code="invalid_credential")

    # cosignatures: a witness's, from an officer of its party only
    note = s.client.get(f"{API}/checkpoint").text
    head = parse_note(note.encode())
    line = Cosigner(keys["TR"].name, keys["TR"].private_key).cosign(
        head.text, int(s.clock.moment.timestamp())).line()
    size = int(head.text.splitlines()[1])
    s.call("POST", f"{API}/cosignatures", token=tokens["RU"], status=422,
           code="invalid_cosignature", json_body={"tree_size": size, "cosignature": line})
    s.call("POST", f"{API}/cosignatures", token=monitor, status=403,
           json_body={"tree_size": size, "cosignature": line})
    s.call("POST", f"{API}/cosignatures", key=keys["TR"], status=201,
           json_body={"tree_size": size, "cosignature": line})
    s.call("POST", f"{API}/cosignatures", token=tokens["TR"], status=409,
           json_body={"tree_size": size, "cosignature": line})

    # every refusal is in the refusal log, in order, with who was refused and why
    logged = table_rows(ledger_db, "SELECT status, code, principal, method, route, reason "
                                   "FROM server_refusals ORDER BY id")
    assert [(status, code) for status, code, *_ in logged] == s.refusals
    assert all(reason and route.startswith(API) for *_, route, reason in logged)
    assert ("officer of UA (token " in logged[0][2] and logged[0][4] == f"{API}/tokens")
    shown = s.call("GET", f"{API}/refusals", token=admin, status=200).json()["refusals"]
    assert [(r["status"], r["code"]) for r in shown] == s.refusals

    # tokens are stored as their SHA-256 only
    stored = table_rows(ledger_db, "SELECT * FROM server_tokens")
    text = repr(stored)
    for token in (admin, monitor, short, *tokens.values()):
        assert token not in text and token.removeprefix("tlt_") not in text
        assert hashlib.sha256(token.encode()).hexdigest() in text


def test_the_openapi_document_declares_the_security_schemes(tmp_path: Path) -> None:
    ledger = make_ledger(str(tmp_path / "ledger.db"), tmp_path, [])
    with serve(ledger, SetClock(datetime(2022, 4, 20, tzinfo=UTC))) as url:
        document = httpx.get(f"{url}/openapi.json", timeout=60).json()
    schemes = document["components"]["securitySchemes"]
    assert schemes["token"] == {"type": "http", "scheme": "bearer",
                                "description": schemes["token"]["description"]}
    assert schemes["http-message-signature"]["in"] == "header"
    assert "RFC 9421" in schemes["http-message-signature"]["description"]
    drafts = document["paths"]["/api/treaties/{treaty}/drafts/{draft_id}"]["get"]
    assert {"token": []} in drafts["security"]
    assert {"401", "403"} <= set(drafts["responses"])


def test_the_token_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = str(tmp_path / "ledger.db")
    make_ledger(db, tmp_path, ["UA"])
    code, out, _ = run_cli_output(capsys, "token", "new", "--db", db, "--role", "officer",
                                  "--party", "UA", "--days", "7")
    assert code == 0
    token = out.strip()
    code, out, _ = run_cli_output(capsys, "token", "list", "--db", db)
    assert code == 0 and token not in out and '"party": "UA"' in out
    token_id = table_rows(db, "SELECT id FROM server_tokens")[0][0]
    assert run_cli_output(capsys, "token", "revoke", "--db", db, token_id)[0] == 0
    assert table_rows(db, "SELECT revoked FROM server_tokens")[0][0] is not None
    for args, message in ((["--role", "officer"], "--party"),
                          (["--role", "king"], "--role"),
                          (["--role", "officer", "--party", "ZZ"], "'ZZ' is not a party")):
        code, _, err = run_cli_output(capsys, "token", "new", "--db", db, *args)
        assert code == 1 and message in err
    (tmp_path / "other.db").write_bytes(b"")
    for other, message in (("none.db", "no ledger"), ("other.db", "not a treatyline ledger")):
        code, _, err = run_cli_output(capsys, "token", "new", "--db", str(tmp_path / other),
                                      "--role", "admin")
        assert code == 1 and message in err and "Traceback" not in err


def test_the_access_tables_connect_again_after_a_lost_connection(postgres_url: str,
                                                                 tmp_path: Path) -> None:
    """PostgreSQL ends the tables' connection: that call fails as a StoreError (the server
    answers 503), and the next one is served on a new connection."""
    import asyncio

    import psycopg

    from treatyline.ledger.store import StoreError
    from treatyline.server.access import TreatyAccess

    make_ledger(postgres_url, tmp_path, [])
    access = TreatyAccess(postgres_url)
    now = datetime(2022, 4, 20, tzinfo=UTC)
    try:
        token, record = asyncio.run(access.run(access.tokens.issue, "monitor", None, "test",
                                               now, timedelta(days=1)))
        with psycopg.connect(postgres_url, autocommit=True) as admin:
            ended = [pid for (pid,) in admin.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid()").fetchall()]
            admin.execute("SELECT pg_terminate_backend(pid) FROM unnest(%s::int[]) AS pid",
                          (ended,))
            deadline = time.monotonic() + 20
            while admin.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = "
                                "ANY(%s::int[])", (ended,)).fetchone() != (0,):
                assert time.monotonic() < deadline, "the backends did not end"
                time.sleep(0.01)
        with pytest.raises(StoreError):
            asyncio.run(access.run(access.tokens.lookup, token))
        assert asyncio.run(access.run(access.tokens.lookup, token)) == record
    finally:
        access.close()


def test_the_monitor_dependency_lets_monitors_only(tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    """No route of the server takes monitors yet (incidents are to come): the dependency is
    tried on a route of the test's own, on the server's app."""
    db = str(tmp_path / "ledger.db")
    ledger = make_ledger(db, tmp_path, ["UA"])
    tokens = {role: run_cli_output(capsys, "token", "new", "--db", db, "--role", role,
                                   *(["--party", "UA"] if role == "officer" else []))[1]
              .strip() for role in ("monitor", "officer", "admin")}
    app = create_app(ledger.settings(), SetClock(datetime(2022, 4, 20, tzinfo=UTC)))

    @app.post("/api/treaties/{treaty}/test-incidents")
    async def incident(who: Monitor) -> dict[str, str]:
        assert isinstance(who, Principal)
        return {"from": who.describe()}

    with running_server(app) as url:
        path = f"{url}{API}/test-incidents"
        answered = {role: httpx.post(path, headers={"Authorization": f"Bearer {token}"},
                                     timeout=60) for role, token in tokens.items()}
        public = httpx.post(path, timeout=60)
    assert answered["monitor"].status_code == 200, answered["monitor"].text
    assert answered["monitor"].json()["from"].startswith("monitor (token ")
    assert (answered["officer"].status_code, answered["admin"].status_code,
            public.status_code) == (403, 403, 401)
    assert [row[0] for row in table_rows(db, "SELECT status FROM server_refusals "
                                             "ORDER BY id")] == [403, 403, 401]


# printable ASCII; HTTP clients refuse to send a value with surrounding spaces (RFC 9110
# §5.5: a field value does not include them), and an empty one is no credential at all
_HEADER_TEXT = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E),
                       max_size=120).map(str.strip).filter(bool)


def test_any_credential_text_is_refused_in_the_error_shape_and_logged(tmp_path: Path) -> None:
    """Whatever a request puts in Authorization or in the signature headers, it is
    refused with 401 in the error shape naming the header — never a 500 — and logged."""
    db = str(tmp_path / "ledger.db")
    ledger = make_ledger(db, tmp_path, ["UA"])
    refused = 0
    with serve(ledger, SetClock(datetime(2022, 4, 20, tzinfo=UTC))) as url, httpx.Client(
            base_url=url, timeout=60) as client:

        @settings(max_examples=60, deadline=None,
                  suppress_health_check=[HealthCheck.function_scoped_fixture])
        @given(st.sampled_from(["authorization", "signature"]), _HEADER_TEXT, _HEADER_TEXT)
        def answered(kind: str, first: str, second: str) -> None:
            nonlocal refused
            headers = ({"Authorization": first} if kind == "authorization" else
                       {"Signature-Input": first, "Signature": second})
            response = client.get(f"{API}/drafts", headers=headers)
            assert response.status_code == 401, response.text
            error = response.json()["error"]
            assert error["place"].startswith("header.") and error["message"]
            refused += 1

        answered()
    assert refused > 0
    assert table_rows(db, "SELECT count(*) FROM server_refusals") == [(refused,)]


def test_workers_starting_together_create_the_tables_once(ledger_db: str,
                                                          tmp_path: Path) -> None:
    """Several workers open the server's tables of a new ledger at once (`serve --workers`):
    each opens them, none fails on another's CREATE TABLE."""
    from concurrent.futures import ThreadPoolExecutor

    from treatyline.server.access_db import AccessDatabase

    make_ledger(ledger_db, tmp_path, [])
    with ThreadPoolExecutor(6) as pool:
        opened = list(pool.map(lambda _: AccessDatabase(ledger_db), range(6)))
    for database in opened:
        assert database.execute("SELECT count(*) FROM server_tokens")[0] == [(0,)]
        database.close()
