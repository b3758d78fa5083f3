"""Sign-in rate limiting on the web pages, over real HTTP (uvicorn on 127.0.0.1, a SQLite
ledger, the clock the test sets): after MAX_FAILED_SIGNINS failures from one address in
the window, even the right token is answered 429 with Retry-After until the window
passes; another address is not held back; a second server on the same database (as
another worker process would) counts the same failures; every refusal is in the log."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from cli_inprocess import run_cli_output
from server_running import SetClock, make_ledger, running_server
from treatyline.server import create_app
from treatyline.server.web.session import SESSION_COOKIE, OfficerTokens
from treatyline.server.web.signin_limit import MAX_FAILED_SIGNINS, WINDOW

TOKEN = "token-of-the-ua-officer-0123456789"
START = datetime(2022, 4, 20, 12, tzinfo=UTC)


def sign_in(client: httpx.Client, token: str, address: str | None = None) -> httpx.Response:
    page = client.get("/login")
    found = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert found is not None
    # uvicorn takes X-Forwarded-For from 127.0.0.1 (a proxy it trusts by default)
    headers = {"X-Forwarded-For": address} if address else {}
    client.cookies.delete(SESSION_COOKIE)
    return client.post("/login", data={"csrf": found.group(1), "token": token},
                       headers=headers)


def test_failed_sign_ins_are_limited_per_address(tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    ledger = make_ledger(str(tmp_path / "ledger.db"), tmp_path, ["UA"])
    clock = SetClock(START)
    apps = [create_app(ledger.settings(), clock) for _ in range(2)]
    for app in apps:
        app.state.officer_tokens = OfficerTokens.of_tokens({TOKEN: "UA"})
    with (running_server(apps[0]) as first, running_server(apps[1]) as second,
          httpx.Client(base_url=first, timeout=30) as one,
          httpx.Client(base_url=second, timeout=30) as other):
        # the failures, spread over a minute, half on each server
        for number in range(MAX_FAILED_SIGNINS):
            clock.moment = START + timedelta(seconds=6 * number)
            answer = sign_in(one if number % 2 else other, f"wrong-{number}")
            assert answer.status_code == 401, answer.text
        # now even the right token waits, on either server, until the first failure
        # leaves the window
        clock.moment = START + timedelta(seconds=60)
        for client in (one, other):
            limited = sign_in(client, TOKEN)
            assert limited.status_code == 429 and SESSION_COOKIE not in client.cookies
            assert limited.headers["retry-after"] == str(int(WINDOW.total_seconds()) - 60)
            assert "too many failed sign-ins" in limited.text
        # another address is not held back
        assert sign_in(one, TOKEN, "203.0.113.7").status_code == 303
        clock.moment = START + WINDOW - timedelta(seconds=1)
        assert sign_in(one, TOKEN).headers["retry-after"] == "1"
        # the first failure has left the window: one more failure blocks again at once
        clock.moment = START + WINDOW
        assert sign_in(one, TOKEN).status_code == 303
        assert sign_in(one, "wrong again").status_code == 401
        assert sign_in(other, TOKEN).headers["retry-after"] == "6"
        clock.moment = START + WINDOW + timedelta(seconds=6)
        assert sign_in(other, TOKEN).status_code == 303

        code, out, err = run_cli_output(capsys, "token", "new", "--db", ledger.db, "--role",
                                        "admin")
        assert code == 0, err
        refusals = one.get("/api/treaties/istanbul-2022/refusals", headers={
            "Authorization": f"Bearer {out.strip()}"}).json()["refusals"]
        assert [(r["status"], r["code"]) for r in refusals] == (
            [(401, "signin_failed")] * MAX_FAILED_SIGNINS + [(429, "signin_rate_limited")] * 3
            + [(401, "signin_failed"), (429, "signin_rate_limited")])
        assert {r["principal"] for r in refusals} == {"unknown (sign-in from 127.0.0.1)"}
        assert {r["route"] for r in refusals} == {"/login"}
