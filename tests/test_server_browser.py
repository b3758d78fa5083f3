"""The web interface as its users use it, in a real headless Chromium (Debian's, driven by
Playwright with the system browser: nothing is downloaded) against a real uvicorn on
127.0.0.1 over the Istanbul example's ledger (its HYPOTHETICAL scenario acts up to
Ukraine's ratification day).

Ukraine's officer signs in with its token, signs the ratification in the browser from its
key file (Ed25519 in Web Crypto; the instrument's bytes are checked against the library's)
and sees the receipt with its inclusion proof verified in the page; Türkiye's officer sees
the depositary's notification of it; the log's proof and the checkpoint's signature are
verified in the browser (and fail when altered); a screenshot is checked. In every page:
no console error, no script error, and every request goes to 127.0.0.1 (recorded; the
browser's proxy is a closed port, so a request elsewhere would fail too). Skipped without
Chromium or Playwright, except under CI=true, where that fails (.ci/run installs
Chromium)."""

from __future__ import annotations

import base64
import io
import json
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from cli_inprocess import run_cli_output
from server_running import ISTANBUL
from treatyline.ledger.canonical import canonical_json
from treatyline.ledger.instruments import signed_instrument
from treatyline.ledger.keys import save_party_key
from treatyline.ledger.merkle import leaf_hash
from web_served import API, TOKENS, WebServer, web_server

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
UA_RATIFIES = datetime(2022, 11, 24, 12, tzinfo=UTC)
"""Ukraine's (hypothetical) ratification is received at noon on its day."""
SOURCE = "hypothetical scenario (invented for demonstration)"
VIEWPORT = {"width": 1280, "height": 900}


def _missing(reason: str) -> None:
    message = f"{reason}: the web interface's browser test needs it (.ci/run installs it)"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if CHROMIUM is None:
        _missing("chromium is not installed (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("playwright is not installed (pip install -e '.[test]')")
        raise AssertionError("unreachable") from None
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM, args=[
                "--no-sandbox", "--disable-gpu", "--proxy-server=127.0.0.1:9",
                "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--disable-default-apps", "--no-first-run"])
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebServer]:
    folder = tmp_path_factory.mktemp("web")
    with web_server(str(folder / "ledger.db"), folder, UA_RATIFIES) as server:
        yield server


@dataclass
class Watched:
    """A browser context and what its pages did: console errors, script errors,
    requests, dialogs."""

    context: Any
    errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    def page(self) -> Any:
        page = self.context.new_page()
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        return page

    def check(self, url: str, expected_errors: tuple[str, ...] = ()) -> None:
        assert [e for e in self.errors if e not in expected_errors] == []
        assert self.dialogs == []
        assert self.requests
        host = urlsplit(url).netloc
        assert [r for r in self.requests if urlsplit(r).netloc != host
                and not r.startswith("data:")] == []


@pytest.fixture
def watched(browser: Any) -> Iterator[Watched]:
    context = browser.new_context(viewport=VIEWPORT)
    found = Watched(context)
    context.on("request", lambda r: found.requests.append(r.url))
    try:
        yield found
    finally:
        context.close()


def sign_in(watched: Watched, url: str, party: str, then: str) -> Any:
    """A page where `party`'s officer signed in and went to `then`."""
    page = watched.page()
    page.goto(url + then)
    if urlsplit(page.url).path != "/login":  # a public page: sign in from its header
        page.click("#sign-in-link")
    assert urlsplit(page.url).path == "/login"
    token = next(t for t, p in TOKENS.items() if p == party)
    page.fill("#token", token)
    page.click("#sign-in")
    page.wait_for_url(url + then)
    assert page.text_content("#signed-in-party") == party
    return page


def check_screenshot(png: bytes) -> None:
    """A real picture of the page: the viewport's size, and many colours (not blank)."""
    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("RGB")
    assert image.size == (VIEWPORT["width"], VIEWPORT["height"])
    colours = image.getcolors(maxcolors=1 << 20) or []
    assert len(colours) > 20
    most = max(count for count, _ in colours)
    assert most < 0.95 * image.size[0] * image.size[1]


def test_an_officer_deposits_a_ratification_and_another_party_is_notified(
        browser: Any, served: WebServer, tmp_path: Path) -> None:
    ua, tr = Watched(browser.new_context(viewport=VIEWPORT)), \
        Watched(browser.new_context(viewport=VIEWPORT))
    for one in (ua, tr):
        one.context.on("request", lambda r, one=one: one.requests.append(r.url))
    key_file = tmp_path / "UA.key"
    save_party_key(served.ledger.keys["UA"], key_file)
    try:
        page = ua.page()
        page.goto(served.url + "/treaties/istanbul-2022/officer")  # asks for a session
        assert urlsplit(page.url).path == "/login"
        page = sign_in(ua, served.url, "UA", "/treaties/istanbul-2022/officer")
        page.set_input_files("#key-file", str(key_file))
        page.fill("#act-kind", "ratification")
        page.fill("#act-date", "2022-11-24")
        page.fill("#act-organ", "Verkhovna Rada")
        page.fill("#act-source", SOURCE)
        page.check("#act-hypothetical")
        with page.expect_request(lambda r: r.method == "POST") as posted:
            page.click("#sign-and-deposit")
        page.wait_for_selector("#result[data-state]")
        assert page.get_attribute("#result", "data-state") == "accepted", \
            page.text_content("#result-message")
        page.wait_for_selector("#receipt-verified[data-ok]")
        assert page.get_attribute("#receipt-verified", "data-ok") == "yes"
        assert page.text_content("#receipt-verified").startswith("verified")

        # the bytes signed in the browser are the library's, to the byte (Ed25519 is
        # deterministic): canonical JSON, key ID and signature alike
        fields = {"date": "2022-11-24", "kind": "ratification", "party": "UA",
                  "organ": "Verkhovna Rada", "source": SOURCE, "hypothetical": True}
        assert posted.value.post_data_buffer == signed_instrument(
            served.ledger.keys["UA"], "istanbul-2022", fields)
        index = int(page.text_content("#receipt-index") or "-1")
        entry = httpx.get(f"{served.url}{API}/entries/{index}").json()
        assert entry["accepted"] and entry["party"] == "UA"
        assert base64.b64encode(leaf_hash(base64.b64decode(entry["leaf"]))).decode() == \
            page.text_content("#receipt-leaf-hash")
        reference = entry["notification"]["reference"]
        assert page.text_content("#receipt-notification") == entry["notification"]["text"]
        check_screenshot(page.screenshot())

        # Türkiye's officer sees the notification, and checks the entry's proof in the log
        notes = sign_in(tr, served.url, "TR", "/treaties/istanbul-2022/notifications")
        shown = notes.locator(f"#notification-{index}")
        assert reference in (shown.text_content() or "")
        assert "Ratification by Ukraine (Verkhovna Rada)" in (shown.text_content() or "")
        assert shown.locator("p.text").text_content() == entry["notification"]["text"]
        notes.click(f"#notification-{index} a")
        notes.wait_for_selector(f"#entry-{index}")
        notes.click(f"#entry-{index} button.verify")
        notes.wait_for_selector(f"#entry-{index}[data-verified]")
        assert notes.get_attribute(f"#entry-{index}", "data-verified") == "yes"
        check_screenshot(notes.screenshot())
    finally:
        ua.context.close()
        tr.context.close()
    ua.check(served.url)
    tr.check(served.url)
    assert any(r.endswith("/instruments") for r in ua.requests)


def test_an_instrument_signed_on_the_command_line_is_uploaded(
        watched: Watched, served: WebServer, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    """The other way to deposit: a file `treatyline deposit --sign-only` wrote, sent as it
    is; an altered one is rejected (and logged) with the depositary's reason; a key of
    another party is refused in the page, before anything is sent."""
    act = tmp_path / "statement.yaml"
    act.write_text("acts:\n  - {date: 2022-11-24, kind: statement, party: UA, text: Ukraine "
                   "will deposit its instrument of ratification today., source: test}\n",
                   encoding="utf-8")
    for code in ("UA", "TR"):
        save_party_key(served.ledger.keys[code], tmp_path / f"{code}.key")
    signed = tmp_path / "statement.json"
    code, _, err = run_cli_output(capsys, "deposit", act, "--key", tmp_path / "UA.key",
                                  "--sign-only", "--spec", ISTANBUL, "-o", signed)
    assert code == 0, err
    page = sign_in(watched, served.url, "UA", "/treaties/istanbul-2022/officer")

    def deposited(state: str) -> str:
        page.wait_for_selector(f"#result[data-state='{state}']")
        return page.text_content("#result") or ""

    page.set_input_files("#instrument-file", str(signed))
    with page.expect_request(lambda r: r.method == "POST") as posted:
        page.click("#upload")
    assert "Accepted: entry" in deposited("accepted")
    assert posted.value.post_data_buffer == signed.read_bytes()
    page.wait_for_selector("#receipt-verified[data-ok='yes']")

    altered = tmp_path / "altered.json"
    altered.write_bytes(signed.read_bytes().replace(b"today", b"never"))
    page.set_input_files("#instrument-file", str(altered))
    page.click("#upload")
    assert "signature" in deposited("rejected")
    page.wait_for_selector("#receipt-verified[data-ok='yes']")  # a rejection is logged too

    posts = sum(1 for r in watched.requests if r.endswith("/instruments"))
    page.set_input_files("#key-file", str(tmp_path / "TR.key"))
    page.fill("#act-kind", "statement")
    page.click("#sign-and-deposit")
    assert "this key is TR's, not UA's" in deposited("error")
    assert sum(1 for r in watched.requests if r.endswith("/instruments")) == posts == 2
    # the browser's own line for the rejection's answer, and nothing else
    watched.check(served.url, expected_errors=(
        "Failed to load resource: the server responded with a status of 422 "
        "(Unprocessable Entity)",))


def test_a_tampered_proof_is_not_verified(watched: Watched, served: WebServer) -> None:
    """The log's check is not a formality: a proof altered in the page fails it."""
    page = watched.page()
    page.goto(f"{served.url}/treaties/istanbul-2022/log?start=3")
    first = page.locator("li.entry").first
    index = first.get_attribute("data-index")
    proof = json.loads(first.get_attribute("data-proof") or "[]")
    proof[0] = base64.b64encode(bytes(32)).decode()
    first.evaluate("(e, p) => e.setAttribute('data-proof', p)", json.dumps(proof))
    first.locator("button.verify").click()
    page.wait_for_selector(f"#entry-{index}[data-verified]")
    assert first.get_attribute("data-verified") == "no"
    second = page.locator("li.entry").nth(1)
    second.locator("button.verify").click()
    page.wait_for_selector(f"#entry-{second.get_attribute('data-index')}[data-verified]")
    assert second.get_attribute("data-verified") == "yes"
    watched.check(served.url)


def test_the_checkpoints_signature_is_verified_in_the_browser(
        watched: Watched, served: WebServer) -> None:
    """The log page checks the checkpoint's Ed25519 signature with the depositary's key the
    server serves (the genesis entry's): verified as it is; a checkpoint altered in the page
    (its root, or an extension line the proof would not notice) or another key fails."""
    depositary = served.ledger.keys["depositary"].public()
    key = httpx.get(f"{served.url}{API}/checkpoint/key").json()
    assert base64.b64decode(key["public_key"]) == depositary.public_key
    assert key["name"] == depositary.name
    page = watched.page()
    page.goto(f"{served.url}/treaties/istanbul-2022/log?start=3")
    page.wait_for_selector("#latest-checkpoint[data-signature]")
    assert page.get_attribute("#latest-checkpoint", "data-signature") == "verified"
    assert (page.text_content("#checkpoint-verified") or "").startswith(
        f"signature verified: the depositary's key {depositary.name} ({key['key_id']})")

    def check_again() -> str | None:
        page.click("#check-checkpoint")
        page.wait_for_selector("#latest-checkpoint[data-signature]")
        return page.get_attribute("#latest-checkpoint", "data-signature")

    note = page.locator("#latest-checkpoint pre.note")
    genuine = note.text_content() or ""
    origin, size, root, rest = genuine.split("\n", 3)
    other_root = base64.b64encode(bytes(32)).decode()
    for altered in (f"{origin}\n{size}\n{other_root}\n{rest}",
                    f"{origin}\n{int(size) + 1}\n{root}\n{rest}",
                    genuine.replace("\n\n", "\nextension\n\n", 1),
                    genuine.split("\n\n")[0] + "\n"):
        note.evaluate("(e, text) => { e.textContent = text; }", altered)
        assert check_again() == "failed"
        assert "signature NOT verified" in (page.text_content("#checkpoint-verified") or "")
    note.evaluate("(e, text) => { e.textContent = text; }", genuine)
    assert check_again() == "verified"

    # an entry whose checkpoint gained a line its proof does not read: the proof still
    # leads to the root, but the signature fails, and so does the entry
    first = page.locator("li.entry").first
    index = first.get_attribute("data-index")
    first.locator("pre.checkpoint").evaluate(
        "e => { e.textContent = e.textContent.replace('\\n\\n', '\\nextension\\n\\n'); }")
    first.locator("button.verify").click()
    page.wait_for_selector(f"#entry-{index}[data-verified]")
    assert first.get_attribute("data-verified") == "no"
    words = first.locator("output.verified").text_content() or ""
    assert "verified: the proof leads" in words and "signature NOT verified" in words

    # another key served in the depositary's name: its key id is not the signature's
    other = page.context.new_page()
    forged = dict(key, public_key=base64.b64encode(bytes(range(32))).decode())
    other.route("**/checkpoint/key", lambda route: route.fulfill(json=forged))
    other.goto(f"{served.url}/treaties/istanbul-2022/log")
    other.wait_for_selector("#latest-checkpoint[data-signature]")
    assert other.get_attribute("#latest-checkpoint", "data-signature") == "failed"
    watched.check(served.url)


# Values whose canonical JSON is easy to get wrong: key order by UTF-16 code units (an
# astral key sorts before U+FFFF in UTF-16, after it in code points), numbers in ES6 form,
# escapes, nesting.
CANONICAL_CASES: list[Any] = [
    {"b": 1, "a": [True, False, None], "": "empty key"},
    {"\U0001f600": 1, "\uffff": 2, "é": 3, "z": 4, "A": 5},
    [0.1, 1e21, 1e-7, 123456789012345.67, -0.5, 5e-324, 1.7976931348623157e308, 2**53 - 1,
     -(2**53 - 1), 100, 1e20, 0.000001],
    "\u0000\u001f\"\\/\u2028\u2029 é \U0001f600 <script>alert(1)</script>",
    {"act": {"kind": "ratification", "text": "“quoted” — and tab\t",
             "nested": [{"y": [], "x": {}}]},
     "treaty": "istanbul-2022", "type": "instrument"},
]


def test_the_browsers_canonical_json_is_the_ledgers(watched: Watched,
                                                    served: WebServer) -> None:
    page = watched.page()
    page.goto(served.url + "/")
    page.add_script_tag(url="/static/canonical.js")
    written = page.evaluate("values => values.map(v => window.treatyline.canonicalJson(v))",
                            CANONICAL_CASES)
    assert written == [canonical_json(value).decode("utf-8") for value in CANONICAL_CASES]
    # -0 is written 0, as RFC 8785 and canonical.py write it
    assert page.evaluate("() => window.treatyline.canonicalJson([-0])") == \
        canonical_json([-0.0]).decode() == "[0]"
    refused = page.evaluate("""() => [NaN, -Infinity, '\\ud800 alone'].map(v => {
        try { return window.treatyline.canonicalJson(v); } catch (e) { return 'refused'; } })""")
    assert refused == ["refused"] * 3
    watched.check(served.url)


INJECTED = ["<script>alert(1)</script>", '"><img src=x onerror=alert(2)>']


def test_script_in_acts_and_reasons_shows_as_text(watched: Watched, served: WebServer) -> None:
    """Text from parties (an act's text, organ and place) and from the examination (the
    reasons of a rejection, which quote what was sent) is shown as text on every page: no
    script runs, no image is fetched, no dialog opens."""
    key = served.ledger.keys["UA"]
    fields = {"date": "2022-11-24", "kind": "statement", "party": "UA", "text": INJECTED[0],
              "organ": INJECTED[1], "place": INJECTED[1], "source": INJECTED[0]}
    accepted = httpx.post(f"{served.url}{API}/instruments",
                          content=signed_instrument(key, "istanbul-2022", fields))
    assert accepted.status_code == 201, accepted.text
    rejected = httpx.post(f"{served.url}{API}/instruments", content=signed_instrument(
        key, "istanbul-2022", fields | {"kind": INJECTED[0]}))
    assert rejected.status_code == 422
    index = rejected.json()["receipt"]["index"]
    page = watched.page()
    for path in (f"/treaties/istanbul-2022/log?start={index - 1}",
                 "/treaties/istanbul-2022/notifications", "/treaties/istanbul-2022"):
        page.goto(served.url + path)
        text = page.text_content("main") or ""
        assert INJECTED[0] in text or path.endswith("/notifications")
        assert page.locator("main script, main img").count() == 0
    page.goto(f"{served.url}/treaties/istanbul-2022/log?start={index - 1}")
    assert INJECTED[1] in (page.text_content(f"#entry-{index - 1}") or "")
    assert INJECTED[0] in (page.text_content(f"#entry-{index} .reasons") or "")
    watched.check(served.url)
    assert not [r for r in watched.requests if urlsplit(r).path.endswith("/x")]


def test_the_report_page_runs_its_inline_script_and_style_under_its_own_policy(
        watched: Watched, served: WebServer) -> None:
    """The report is made to be read offline, its script and style inline: served, its
    Content-Security-Policy allows exactly those by their hashes, so the page works (its
    script ran, its style applies) with no policy violation in the console."""
    page = watched.page()
    answer = page.goto(f"{served.url}/api/treaties/istanbul-2022/report?as_of=2022-12-01")
    assert answer is not None and answer.status == 200
    policy = answer.headers["content-security-policy"]
    assert "'sha256-" in policy and "'unsafe-inline'" not in policy
    assert page.evaluate("Array.isArray(window.__errors)")  # the inline script ran
    # a style sheet the policy blocked would not be parsed: its rules would be missing
    assert page.evaluate("[...document.styleSheets].some(s => s.cssRules.length > 0)")
    watched.check(served.url)
