"""The notifications as a party's software reads them: the Atom feed parsed by a real feed
reader (feedparser: no errors, every entry, the text intact however it is escaped) and
checked against RFC 4287's required elements; the server-sent events read by an HTTP
client from a real uvicorn on 127.0.0.1 while deposits happen there and on another server
over the same database, resumed with Last-Event-ID. On SQLite and PostgreSQL."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import feedparser
import httpx
from hypothesis import given, settings
from hypothesis import strategies as st

from server_running import ServedLedger, SetClock, make_ledger, running_server, serve
from treatyline.ledger.instruments import signed_instrument
from treatyline.server import create_app
from treatyline.server.feeds import FeedSource, atom_feed, tag_uri
from treatyline.server.routes.feeds import StreamOptions

API = "/api/treaties/istanbul-2022"
ATOM = "{http://www.w3.org/2005/Atom}"
# RFC 4151: tag:authorityName,date:specific
TAG = re.compile(r"^tag:[A-Za-z0-9][A-Za-z0-9.-]*,\d{4}(-\d{2}(-\d{2})?)?:"
                 r"[A-Za-z0-9\-._~!$&'()*+,;=:@/?%]*$")
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
HOSTILE = 'a <b>bold</b> & "quoted" \'claim\' <script>alert(1)</script> ]]> Україна'


def deposit(client: httpx.Client, ledger: ServedLedger, number: int, text: str) -> int:
    act = {"date": f"2022-03-{number + 1:02d}", "kind": "statement", "party": "UA",
           "text": text, "source": "test"}
    response = client.post(f"{API}/instruments", content=signed_instrument(
        ledger.keys["UA"], "istanbul-2022", act))
    assert response.status_code == 201, response.text
    index: int = response.json()["index"]
    return index


def check_atom_structure(document: bytes) -> ElementTree.Element:
    """RFC 4287's rules a reader may not check: exactly one id, title and updated in the
    feed and in each entry, dates in RFC 3339, an author for every entry."""
    root = ElementTree.fromstring(document)
    assert root.tag == f"{ATOM}feed"
    for element in (root, *root.iter(f"{ATOM}entry")):
        for name in ("id", "title", "updated"):
            assert len(element.findall(f"{ATOM}{name}")) == 1, (element.tag, name)
        assert RFC3339.match(element.findtext(f"{ATOM}updated") or "")
        assert TAG.match(element.findtext(f"{ATOM}id") or "")
    assert root.find(f"{ATOM}author/{ATOM}name") is not None
    assert [link.get("rel") for link in root.findall(f"{ATOM}link")] == ["self"]
    return root


def test_the_atom_feed_reads_in_a_feed_reader(ledger_db: str, tmp_path: Path) -> None:
    ledger = make_ledger(ledger_db, tmp_path, ["UA"])
    clock = SetClock(datetime(2022, 6, 1, 12, tzinfo=UTC))
    texts = ["statement 0", HOSTILE, "statement 2"]
    with serve(ledger, clock) as url, httpx.Client(base_url=url, timeout=30) as client:
        for number, text in enumerate(texts):
            clock.moment += timedelta(hours=1)
            deposit(client, ledger, number, text)
        response = client.get(f"{API}/notifications.atom")
        elsewhere = client.get(f"{API}/notifications.atom",
                               headers={"Host": "depositary.example:8443"})
        notes = client.get(f"{API}/notifications").json()["notifications"]
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/atom+xml")
    check_atom_structure(response.content)
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10"
    assert feed.feed.title.endswith("the depositary's notifications")
    assert len(feed.entries) == len(notes) == 3
    for entry, note in zip(feed.entries, reversed(notes), strict=True):  # newest first
        text = note["notification"]["text"]
        assert entry.content[0].type == "text/plain" and entry.content[0].value == text
        assert entry.title.startswith(note["notification"]["reference"])
        assert entry.updated == note["received"]
        assert datetime(*entry.updated_parsed[:6], tzinfo=UTC) == datetime.fromisoformat(
            note["received"]).replace(microsecond=0)
        assert [(link.rel, link.type, link.href) for link in entry.links] == [
            ("alternate", "application/json", f"{url}{API}/entries/{note['index']}")]
        assert entry.id == f"tag:treatyline,2022-02-01:istanbul-2022/entries/{note['index']}"
    assert "<script>alert(1)</script>" in feed.entries[1].content[0].value
    assert b"<script>" not in response.content  # escaped, not markup
    again = feedparser.parse(elsewhere.content)  # the ids do not depend on the address
    assert [e.id for e in again.entries] == [e.id for e in feed.entries]
    assert again.feed.links[0].href == f"http://depositary.example:8443{API}/notifications.atom"


def test_tag_uris_take_a_domain_origin_as_their_authority() -> None:
    created = datetime(2026, 1, 2, tzinfo=UTC).date()
    assert tag_uri("depositary.example.org/istanbul-2022", created, 7) == (
        "tag:depositary.example.org,2026-01-02:istanbul-2022/entries/7")
    assert tag_uri("treatyline/a b", created) == "tag:treatyline,2026-01-02:a%20b"
    # an origin whose first part is no DNS name is specific under the authority treatyline
    assert tag_uri("my_log/a b", created, 0) == "tag:treatyline,2026-01-02:my_log/a%20b/entries/0"
    assert tag_uri("single", created) == "tag:treatyline,2026-01-02:single"
    assert all(TAG.match(tag_uri(o, created)) for o in ("my_log/a b", "x.y/z?", "a/é"))


@settings(max_examples=40, deadline=None)
@given(st.text(max_size=80), st.text(min_size=1, max_size=8))
def test_any_text_makes_a_feed_a_reader_parses(text: str, party: str) -> None:
    item: dict[str, Any] = {"treaty": "t", "index": 3, "received": "2026-01-01T00:00:00.000000Z",
                            "party": party, "notification": {
                                "reference": "C.N.3.2026.TREATIES", "what": text,
                                "kind": "statement", "text": text}}
    source = FeedSource("t", text or "t", "treatyline/t", datetime(2026, 1, 1, tzinfo=UTC),
                        "http://127.0.0.1/feed", "http://127.0.0.1/entries")
    document = atom_feed(source, [item])
    root = check_atom_structure(document)
    allowed = re.sub("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]", "\ufffd",
                     text)
    # XML reads a bare CR as LF (end-of-line handling, XML 1.0 §2.11)
    allowed = allowed.replace("\r\n", "\n").replace("\r", "\n")
    assert root.findtext(f"{ATOM}entry/{ATOM}content") == allowed
    feed = feedparser.parse(document)
    assert not feed.bozo, feed.get("bozo_exception")
    # (its text is checked in the test above: this reader trims, and "repairs" text
    # that looks like UTF-8 read as Latin-1, so arbitrary text is checked with XML's)
    assert len(feed.entries) == 1 and feed.entries[0].id == root.findtext(
        f"{ATOM}entry/{ATOM}id")


def read_events(lines: Iterator[str], count: int) -> tuple[list[dict[str, str]], list[str]]:
    """`count` events of a text/event-stream, parsed as the WHATWG HTML standard says
    (field: value, one leading space dropped; a blank line dispatches; ':' a comment)."""
    events: list[dict[str, str]] = []
    comments: list[str] = []
    fields: dict[str, str] = {}
    for line in lines:
        if line == "":
            if "data" in fields:
                events.append(fields)
            fields = {}
            if len(events) == count:
                break
        elif line.startswith(":"):
            comments.append(line[1:].strip())
        else:
            name, _, value = line.partition(":")
            value = value.removeprefix(" ")
            fields[name] = fields[name] + "\n" + value if name == "data" and name in fields \
                else value
    return events, comments


def test_the_event_stream_carries_every_server_s_deposits(ledger_db: str,
                                                          tmp_path: Path) -> None:
    ledger = make_ledger(ledger_db, tmp_path, ["UA"])
    clock = SetClock(datetime(2022, 6, 1, 12, tzinfo=UTC))
    with ExitStack() as stack:
        apps = [create_app(ledger.settings(), clock) for _ in range(2)]
        for app in apps:
            app.state.stream_options = StreamOptions(poll_seconds=0.05, keep_alive_seconds=0.2,
                                                     stream_seconds=5)
        first, second = (stack.enter_context(running_server(app)) for app in apps)
        client = stack.enter_context(httpx.Client(timeout=30))
        stream = stack.enter_context(client.stream("GET", f"{first}{API}/notifications/stream"))
        assert stream.headers["content-type"].startswith("text/event-stream")
        lines = stream.iter_lines()
        assert next(lines) == "retry: 1000"
        with httpx.Client(base_url=first, timeout=30) as one, \
                httpx.Client(base_url=second, timeout=30) as other:
            indexes = [deposit(one, ledger, 0, "first"), deposit(other, ledger, 1, "second"),
                       deposit(one, ledger, 2, "third")]
        events, _ = read_events(lines, 3)
        assert [int(e["id"]) for e in events] == indexes
        assert {e["event"] for e in events} == {"notification"}
        items = [json.loads(e["data"]) for e in events]
        assert [i["index"] for i in items] == indexes
        notes = client.get(f"{first}{API}/notifications").json()["notifications"]
        assert [{k: v for k, v in i.items() if k != "treaty"} for i in items] == notes
        started = time.monotonic()
        rest = list(lines)  # idle: keep-alive comments, then the stream ends (5 s)
        assert ": keep-alive" in rest and time.monotonic() - started < 10

        # a client that reconnects says the last event it had; ?since= starts anywhere
        resumed = stack.enter_context(client.stream(
            "GET", f"{second}{API}/notifications/stream",
            headers={"Last-Event-ID": events[0]["id"]}))
        again, _ = read_events(resumed.iter_lines(), 2)
        assert [int(e["id"]) for e in again] == indexes[1:]
        from_start = stack.enter_context(client.stream(
            "GET", f"{first}{API}/notifications/stream", params={"since": 0}))
        everything, _ = read_events(from_start.iter_lines(), 3)
        assert [int(e["id"]) for e in everything] == indexes


def test_a_last_event_id_that_is_no_index_is_refused(tmp_path: Path) -> None:
    ledger = make_ledger(str(tmp_path / "ledger.db"), tmp_path, ["UA"])
    with serve(ledger, SetClock(datetime(2022, 6, 1, tzinfo=UTC))) as url:
        for value in ("x", "-1", "1.5", "٣", "99999999999999999999"):
            response = httpx.get(f"{url}{API}/notifications/stream",
                                 headers={"Last-Event-ID": value.encode()})
            assert response.status_code == 422, value
            error = response.json()["error"]
            assert (error["code"], error["place"]) == ("invalid_parameter",
                                                       "header.last-event-id")
