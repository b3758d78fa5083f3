"""The obligations page (/treaties/{treaty}/obligations) over a real uvicorn on 127.0.0.1,
once a monitor reported the HYPOTHETICAL Kharkiv attack: a row per obligation, the
countdown of each pending deadline from the server's clock, the Crimean airstrike set
aside, no inline script; and in a real headless Chromium (when installed), the countdown
ticks, with no script error and no request elsewhere than the server."""

from __future__ import annotations

import re
import shutil
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from incident_ledgers import API, ATTACK, KHARKIV, bearer, istanbul_ledger, new_token
from server_running import SetClock, serve
from test_server_incidents import SIMFEROPOL

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
PAGE = "/treaties/istanbul-2022/obligations"


def test_the_obligations_page_counts_down_to_each_deadline(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = str(tmp_path / "ledger.db")
    ledger = istanbul_ledger(db, tmp_path, known_before=ATTACK)
    token = new_token(capsys, db, "monitor")
    clock = SetClock(datetime(2023, 10, 4, 10, tzinfo=UTC))
    with serve(ledger, clock) as url, httpx.Client(base_url=url, timeout=60) as client:
        for report in (KHARKIV, SIMFEROPOL | {"date": "2023-10-04"}):
            assert client.post(f"{API}/incidents", json=report,
                               headers=bearer(token)).status_code == 201
        api = client.get(f"{API}/obligations").json()
        page = client.get(PAGE)
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
        html = page.text
        dashboard = client.get("/treaties/istanbul-2022").text
        assert f'href="{PAGE}"' in dashboard
        # the dashboard's map draws the incidents reported (up to its day only)
        map_svg = dashboard.split('id="map-section"')[1]
        assert KHARKIV["id"] in map_svg and SIMFEROPOL["id"] in map_svg
        assert "2 incident(s) monitors reported" in map_svg
        earlier = client.get("/treaties/istanbul-2022", params={"as_of": "2023-10-03"}).text
        assert KHARKIV["id"] in earlier and SIMFEROPOL["id"] not in earlier
        rows = re.findall(r'<tr class="obligation state-(\w+)" data-provision="([\w-]+)" '
                          r'data-bearer="(\w+)">', html)
        assert sorted(rows) == sorted((o["state"], o["provision"], o["bearer"])
                                      for o in api["obligations"])
        clocks = re.findall(r'<time class="countdown" datetime="([^"]+)" '
                            r'data-seconds-left="(-?\d+)">', html)
        pending = [o for o in api["obligations"] if o["seconds_left"] is not None]
        assert pending and sorted(clocks) == sorted(
            (o["deadline_at"], str(o["seconds_left"])) for o in pending)
        assert SIMFEROPOL["id"] in html.split('id="set-aside"')[1]
        assert re.findall(r"<script(?![^>]*\bsrc=)", html) == []  # the policy forbids inline
        script = client.get("/static/countdown.js")
        assert script.status_code == 200 and "data-seconds-left" in script.text
        refused = client.get(PAGE, params={"as_of": "2023-13-01"})
        assert refused.status_code == 422 and "text/html" in refused.headers["content-type"]
        if CHROMIUM is not None:
            ticking(url, pending[0]["seconds_left"])


def ticking(url: str, seconds_left: int) -> None:
    """The page in Chromium: the first countdown reads in words and goes down."""
    from playwright.sync_api import sync_playwright

    errors: list[str] = []
    requests: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--proxy-server=127.0.0.1:9",
            "--disable-background-networking", "--no-first-run"])
        try:
            page = browser.new_page()
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("request", lambda r: requests.append(r.url))
            page.goto(url + PAGE)
            first = page.locator("time.countdown").first
            start = int(first.get_attribute("data-now-left") or "")
            assert seconds_left - 2 <= start <= seconds_left
            days = seconds_left // 86400
            assert first.inner_text().startswith(f"{days} d ")
            time.sleep(2.2)
            assert int(first.get_attribute("data-now-left") or "") <= start - 2
        finally:
            browser.close()
    assert errors == []
    assert [r for r in requests if not r.startswith(url) and not r.startswith("data:")] == []
