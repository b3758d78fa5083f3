"""The web pages over real HTTP (uvicorn on 127.0.0.1), without a browser: every answer's
security headers, the escaping of what parties send, the CSRF check on forms, the officer's
session cookie, and refusals as pages with their status. (The browser's view is in
test_server_browser.py.)"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from treatyline.errors import UsageError
from treatyline.ledger.instruments import signed_instrument
from treatyline.server.web.security import CSRF_COOKIE, SECURITY_HEADERS
from treatyline.server.web.session import SESSION_COOKIE, Officer, SessionKeys
from web_served import API, TOKENS, WebServer, web_server

PAGES = ["/", "/treaties/istanbul-2022", "/treaties/istanbul-2022?as_of=2022-12-01",
         "/treaties/istanbul-2022/log", "/treaties/istanbul-2022/log?start=2",
         "/treaties/istanbul-2022/notifications", "/login"]
UA_TOKEN = next(t for t, p in TOKENS.items() if p == "UA")


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebServer]:
    folder = tmp_path_factory.mktemp("web")
    with web_server(str(folder / "ledger.db"), folder,
                    datetime(2022, 11, 24, 12, tzinfo=UTC)) as server:
        yield server


@pytest.fixture
def client(served: WebServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=served.url, timeout=60) as found:
        yield found


def form_token(client: httpx.Client, path: str = "/login") -> str:
    """The CSRF token a page writes into its form (its cookie is now in the client)."""
    page = client.get(path)
    found = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert found is not None and client.cookies.get(CSRF_COOKIE) == found.group(1)
    return found.group(1)


def sign_in(client: httpx.Client, token: str = UA_TOKEN, target: str = "/") -> httpx.Response:
    return client.post("/login", data={"csrf": form_token(client), "token": token,
                                       "next": target})


@pytest.mark.parametrize("path", [*PAGES, "/treaties/nowhere", "/static/officer.js",
                                  "/static/report.css", f"{API}/status", "/no/such/page"])
def test_every_answer_has_the_security_headers(client: httpx.Client, path: str) -> None:
    response = client.get(path)
    for name, value in SECURITY_HEADERS.items():
        assert response.headers[name] == value
    policy = response.headers["content-security-policy"]
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "form-action 'self'" in policy and "unsafe-inline" not in policy


@pytest.mark.parametrize("path", PAGES)
def test_pages_have_no_inline_script_and_nothing_from_elsewhere(client: httpx.Client,
                                                                path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    html = response.text
    assert all('src="/static/' in tag for tag in re.findall(r"<script[^>]*>", html))
    assert re.findall(r"<script[^>]*>\s*[^<\s]", html) == []  # no script body inline
    assert re.findall(r'(?:src|href)="(?:https?:)?//', html) == []
    assert " style=" not in html and "<style" not in html and " on" + "click=" not in html


def test_the_dashboard_says_who_is_bound_and_what_is_pending(client: httpx.Client) -> None:
    before = client.get("/treaties/istanbul-2022", params={"as_of": "2022-11-23"}).text
    assert "Not in force." in before and "0 parties bound" in before
    assert 'id="pending"' in before and 'id="map"' in before  # the report's map
    assert "Procedure and negotiation" in before  # ... and its timeline
    assert "Ratification by Ukraine" not in before


def test_the_log_page_carries_each_entrys_proof(client: httpx.Client) -> None:
    entry = client.get(f"{API}/entries/3").json()
    html = client.get("/treaties/istanbul-2022/log", params={"start": 3}).text
    assert f'data-leaf="{entry["leaf"]}"' in html
    assert f'data-leaf-hash="{entry["leaf_hash"]}"' in html
    assert all(node in html for node in entry["inclusion_proof"])
    first = entry["checkpoint"].splitlines()[0]
    assert first in html


def test_text_from_parties_is_escaped(served: WebServer, client: httpx.Client) -> None:
    script, attribute = "<script>alert(1)</script>", '"><img src=x onerror=alert(2)>'
    key = served.ledger.keys["UA"]
    fields = {"date": "2022-11-24", "kind": "statement", "party": "UA", "text": script,
              "organ": attribute, "source": "test"}
    assert client.post(f"{API}/instruments", content=signed_instrument(
        key, "istanbul-2022", fields)).status_code == 201
    rejected = client.post(f"{API}/instruments", content=signed_instrument(
        key, "istanbul-2022", fields | {"kind": attribute}))
    index = rejected.json()["receipt"]["index"]
    for path in (f"/treaties/istanbul-2022/log?start={index - 1}", "/treaties/istanbul-2022"):
        html = client.get(path).text
        assert script not in html and "<img" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    log = client.get(f"/treaties/istanbul-2022/log?start={index - 1}").text
    assert "&#34;&gt;&lt;img src=x onerror=alert(2)&gt;" in log  # in the act and the reason


def test_refusals_are_pages_with_their_status(client: httpx.Client) -> None:
    for path, status, words in [
            ("/treaties/nowhere", 404, "holds no treaty &#39;nowhere&#39;"),
            ("/treaties/istanbul-2022?as_of=2023-13-01", 422, "month must be in 1..12"),
            ("/treaties/istanbul-2022?known_on=yesterday", 422, "query.known_on"),
            ("/treaties/istanbul-2022/log?start=-1", 422, "whole number"),
            ("/treaties/istanbul-2022/notifications?since=many", 422, "query.since")]:
        response = client.get(path)
        assert (response.status_code, response.headers["content-type"][:9]) == (status,
                                                                               "text/html")
        assert words in response.text
        assert "Traceback" not in response.text


def test_signing_in_sets_a_strict_session_cookie(client: httpx.Client) -> None:
    assert client.get("/treaties/istanbul-2022/officer").headers["location"] == (
        "/login?next=/treaties/istanbul-2022/officer")
    response = sign_in(client, target="/treaties/istanbul-2022/officer")
    assert response.status_code == 303
    assert response.headers["location"] == "/treaties/istanbul-2022/officer"
    cookie = next(c for c in response.headers.get_list("set-cookie")
                  if c.startswith(SESSION_COOKIE))
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie
    assert "Secure" not in cookie  # plain HTTP on the loopback address only
    assert UA_TOKEN not in cookie
    page = client.get("/treaties/istanbul-2022/officer")
    assert page.status_code == 200 and 'data-party="UA"' in page.text


def test_a_form_without_its_csrf_token_is_refused(client: httpx.Client) -> None:
    form_token(client)
    for sent in ({"token": UA_TOKEN}, {"token": UA_TOKEN, "csrf": "x" * 43}):
        response = client.post("/login", data=sent)
        assert response.status_code == 403 and "security token" in response.text
        assert SESSION_COOKIE not in response.headers.get("set-cookie", "")
    # the right token in the form, but no cookie (another site cannot set it)
    token = form_token(client)
    client.cookies.clear()
    assert client.post("/login", data={"token": UA_TOKEN, "csrf": token}).status_code == 403
    sign_in(client)
    token = form_token(client, "/")
    assert client.post("/logout", data={}).status_code == 403
    out = client.post("/logout", data={"csrf": token})
    assert out.status_code == 303 and f'{SESSION_COOKIE}=""' in out.headers["set-cookie"]


def test_a_wrong_token_and_a_forged_cookie_open_nothing(
        served: WebServer, client: httpx.Client, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, "treatyline.server.access"):
        response = sign_in(client, token="not-a-token")
    assert response.status_code == 401 and "not valid" in response.text
    assert ("(401 signin_failed) to unknown (sign-in from 127.0.0.1): this token is not "
            "valid") in caplog.text  # logged as every refusal is
    assert "not-a-token" not in caplog.text
    assert client.get("/treaties/istanbul-2022/officer").status_code == 303
    other = SessionKeys(served.ledger.keys["UA"])  # a key that is not the depositary's
    forged = other.seal(Officer("UA"), served.clock.moment + timedelta(hours=1))
    client.cookies.set(SESSION_COOKIE, forged)
    assert client.get("/treaties/istanbul-2022/officer").status_code == 303
    genuine = SessionKeys(served.ledger.keys["depositary"])
    client.cookies.set(SESSION_COOKIE, genuine.seal(Officer("UA"), served.clock.moment
                                                    - timedelta(seconds=1)))
    assert client.get("/treaties/istanbul-2022/officer").status_code == 303  # expired
    client.cookies.set(SESSION_COOKIE, genuine.seal(Officer("UA"), served.clock.moment
                                                    + timedelta(seconds=60)))
    assert client.get("/treaties/istanbul-2022/officer").status_code == 200


def test_signing_in_goes_only_to_a_page_of_this_server(client: httpx.Client) -> None:
    for target in ("https://elsewhere.example/", "//elsewhere.example/", "/\\elsewhere"):
        assert sign_in(client, target=target).headers["location"] == "/"


def test_the_token_table_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from treatyline.server.web.session import TOKENS_ENV, OfficerTokens, token_hash

    table = tmp_path / "tokens"
    table.write_text(f"# officers\nUA {token_hash('secret-ua')}\n", encoding="utf-8")
    monkeypatch.setenv(TOKENS_ENV, str(table))
    tokens = OfficerTokens.from_environment()
    assert tokens.check("secret-ua") == Officer("UA")
    assert tokens.check("secret-tr") is None and len(tokens) == 1
    table.write_text("UA not-a-hash\n", encoding="utf-8")
    with pytest.raises(UsageError, match="line 1: expected 'PARTY SHA256HEX'"):
        OfficerTokens.from_environment()
    monkeypatch.setenv(TOKENS_ENV, str(tmp_path / "missing"))
    with pytest.raises(UsageError, match="cannot read the officers' token file"):
        OfficerTokens.from_environment()


def test_a_form_too_large_or_unreadable_is_refused(client: httpx.Client) -> None:
    form_token(client)
    form = {"content-type": "application/x-www-form-urlencoded"}
    for body, status in [(b"token=" + b"a" * 5000, 413), (b"token=\xff\xfe", 400),
                         ("&".join(f"f{i}=1" for i in range(20)).encode(), 400)]:
        response = client.post("/login", content=body, headers=form)
        assert response.status_code == status
        assert response.headers["content-type"].startswith("text/html")
        assert "Traceback" not in response.text and 'id="error-message"' in response.text


def test_tokens_the_administrator_issued_open_an_officers_session(
        served: WebServer, client: httpx.Client) -> None:
    """The sign-in takes the tokens of access control (stored hashed in the ledger's
    database): an officer's valid token opens its party's session; a monitor's token, a
    revoked or an expired officer's token open nothing."""
    from treatyline.server.access_db import AccessDatabase
    from treatyline.server.tokens import TokenStore

    now = served.clock.moment
    database = AccessDatabase(served.ledger.db)
    try:
        store = TokenStore(database)
        officer, _ = store.issue("officer", "PL", "test", now, timedelta(days=1))
        monitor, _ = store.issue("monitor", None, "test", now, timedelta(days=1))
        revoked, record = store.issue("officer", "PL", "test", now, timedelta(days=1))
        store.revoke(record.id, now - timedelta(seconds=1))
        expired, _ = store.issue("officer", "PL", "test", now - timedelta(days=2),
                                 timedelta(days=1))
    finally:
        database.close()
    for refused in (monitor, revoked, expired, officer + "x"):
        answer = sign_in(client, refused)
        assert answer.status_code == 401 and SESSION_COOKIE not in client.cookies
    answer = sign_in(client, officer)
    assert answer.status_code == 303 and client.cookies.get(SESSION_COOKIE)
    assert "PL" in client.get("/").text
