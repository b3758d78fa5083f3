"""The deadline notices as an Atom feed and as server-sent events, as the depositary's
notifications are (`..feeds`). Pure: the notices and the log's identity are arguments.

An Atom entry's id is the log's `tag:` URI followed by `/notices/` and the notice's stable
id, so it is the same whatever address the server is reached at and whichever process
issued it; an event's `id:` is the notice's sequence number, which a client sends back as
`Last-Event-ID`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from xml.etree import ElementTree

from ...ledger.entries import utc_text
from ..feeds import ATOM_NS, ATOM_TYPE, FeedSource, _add, tag_uri
from .store import IssuedNotice

__all__ = ["notice_event", "notice_tag", "notices_atom"]


def notice_tag(source: FeedSource, notice_id: str) -> str:
    return f"{tag_uri(source.origin, source.created.date())}/notices/{notice_id}"


def notices_atom(source: FeedSource, party: str | None,
                 notices: Sequence[IssuedNotice]) -> bytes:
    """The Atom document of `notices` (newest first) for `party` (None: every bearer):
    each entry's title is the kind and the duty, its content the notice's text, its
    `updated` the time of issue. `source.feed_url` is this feed's address and
    `source.entries_url` the notices' JSON."""
    feed = ElementTree.Element("feed", xmlns=ATOM_NS)
    who = f" of {party}" if party else ""
    _add(feed, "id", f"{tag_uri(source.origin, source.created.date())}/notices"
         + (f"/{party}" if party else ""))
    _add(feed, "title", f"{source.title}: deadline notices{who}")
    _add(feed, "updated", notices[0].issued if notices else utc_text(source.created))
    author = _add(feed, "author")
    _add(author, "name", f"The depositary of {source.treaty}")
    _add(feed, "link", rel="self", type=ATOM_TYPE, href=source.feed_url)
    _add(feed, "generator", "treatyline")
    for issued in notices:
        notice = issued.notice
        entry = _add(feed, "entry")
        _add(entry, "id", notice_tag(source, notice["id"]))
        _add(entry, "title", f"{notice['kind'].replace('_', ' ')}: {notice['title']} "
             f"({notice['bearer']})")
        _add(entry, "updated", issued.issued)
        _add(entry, "link", rel="alternate", type="application/json",
             href=f"{source.entries_url}?since={issued.seq}&limit=1")
        _add(entry, "category", term=notice["bearer"], label="bearer")
        _add(entry, "category", term=notice["kind"], label="kind")
        _add(entry, "content", notice["text"], type="text")
    document: bytes = ElementTree.tostring(feed, encoding="utf-8", xml_declaration=True)
    return document


def notice_event(issued: IssuedNotice) -> str:
    """One server-sent event: `id:` the sequence number, `event:` the kind, the notice's
    JSON on one `data:` line."""
    data = json.dumps(issued.to_json(), ensure_ascii=False, separators=(",", ":"))
    return f"id: {issued.seq}\nevent: {issued.notice['kind']}\ndata: {data}\n\n"
