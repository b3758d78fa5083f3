"""The depositary's notifications as feeds: an Atom document (RFC 4287) and server-sent
events (the WHATWG HTML standard's `text/event-stream`). Pure: the entries and times are
arguments.

Every notification is identified by its entry: the Atom entry's id is a `tag:` URI
(RFC 4151) made of the log's origin, the day the ledger was created and the entry's index,
so that it never changes whatever address the server is reached at; the event stream's
`id:` is the entry's index, which a client that reconnects sends back as `Last-Event-ID`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from urllib.parse import quote
from xml.etree import ElementTree

from ..ledger.entries import utc_text
from ..ledger.store import StoredEntry

__all__ = ["ATOM_TYPE", "EVENT_STREAM_TYPE", "FeedSource", "atom_feed", "keep_alive",
           "notification_event", "notification_item", "tag_uri"]

ATOM_TYPE = "application/atom+xml"
EVENT_STREAM_TYPE = "text/event-stream"
ATOM_NS = "http://www.w3.org/2005/Atom"

# RFC 4151's authorityName when it is a DNS name: labels of letters, digits and inner
# hyphens, separated by dots
_DNS_NAME = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?"
                       r"(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$")
# XML 1.0 forbids the C0 controls but tab and line ends, and U+FFFE/FFFF, outright; it
# discourages the C1 controls (§2.2), which feed readers take for Windows-1252 letters
# (NEL, U+0085, too)
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]")


def notification_item(treaty: str, entry: StoredEntry) -> dict[str, Any] | None:
    """A notification as every feed carries it: the entry's index, time of receipt and
    party, and the depositary's notification (None for an entry that has none)."""
    if not entry.notification:
        return None
    return {"treaty": treaty, "index": entry.index, "received": utc_text(entry.received),
            "party": entry.party, "notification": json.loads(entry.notification)}


def tag_uri(origin: str, created: date, index: int | None = None) -> str:
    """The `tag:` URI of the log (`index` None) or of one of its entries: the origin's first
    part is the tagging authority when it is a DNS name (an origin such as
    `depositary.example.org/istanbul-2022`), else the whole origin is the specific part
    under the authority `treatyline`; the date is the day the ledger was created."""
    authority, _, rest = origin.partition("/")
    if not _DNS_NAME.match(authority) or not rest:
        authority, rest = "treatyline", origin
    specific = quote(rest, safe="/-._~!$&'()*+,;=:@")
    suffix = "" if index is None else f"/entries/{index}"
    return f"tag:{authority.lower()},{created.isoformat()}:{specific}{suffix}"


@dataclass(frozen=True, slots=True)
class FeedSource:
    """What an Atom feed names besides its entries: the treaty, the log's origin and
    creation (its genesis entry's time of receipt), and the addresses of the feed and of
    the server's entries."""

    treaty: str
    title: str
    origin: str
    created: datetime
    feed_url: str
    entries_url: str


def _text(value: object) -> str:
    """`value` as text XML can hold (ElementTree escapes <, > and &; it does not drop
    the control characters XML forbids)."""
    return _NOT_XML.sub("\ufffd", str(value))


def _add(parent: ElementTree.Element, name: str, text: object | None = None,
         **attributes: str) -> ElementTree.Element:
    element = ElementTree.SubElement(parent, name,
                                     {k: _text(v) for k, v in attributes.items()})
    if text is not None:
        element.text = _text(text)
    return element


def atom_feed(source: FeedSource, items: Sequence[dict[str, Any]]) -> bytes:
    """The Atom document of `items` (as `notification_item` makes them, newest first):
    each entry's title is the notification's reference and what was received, its
    content the notification's text, its `updated` the time of receipt."""
    created = source.created.date()
    # unqualified names under a default namespace declared once: `<feed xmlns=...>`
    feed = ElementTree.Element("feed", xmlns=ATOM_NS)
    _add(feed, "id", tag_uri(source.origin, created))
    _add(feed, "title", f"{source.title}: the depositary's notifications")
    _add(feed, "updated", items[0]["received"] if items else utc_text(source.created))
    author = _add(feed, "author")
    _add(author, "name", f"The depositary of {source.treaty}")
    _add(feed, "link", rel="self", type=ATOM_TYPE, href=source.feed_url)
    _add(feed, "generator", "treatyline")
    for item in items:
        notification = item["notification"]
        entry = _add(feed, "entry")
        _add(entry, "id", tag_uri(source.origin, created, item["index"]))
        _add(entry, "title", f"{notification['reference']}: {notification['what']}")
        _add(entry, "updated", item["received"])
        _add(entry, "link", rel="alternate", type="application/json",
             href=f"{source.entries_url}/{item['index']}")
        if item["party"]:
            _add(entry, "category", term=item["party"], label="party")
        _add(entry, "category", term=notification["kind"], label="kind")
        _add(entry, "content", notification["text"], type="text")
    document: bytes = ElementTree.tostring(feed, encoding="utf-8", xml_declaration=True)
    return document


def notification_event(item: dict[str, Any]) -> str:
    """One server-sent event: `id:` the entry's index, `event: notification`, and the
    item's JSON on one `data:` line (JSON text has no raw line breaks)."""
    data = json.dumps(item, ensure_ascii=False, separators=(",", ":"))
    return f"id: {item['index']}\nevent: notification\ndata: {data}\n\n"


def keep_alive() -> str:
    """A comment line: it keeps proxies from closing an idle stream; clients ignore it."""
    return ": keep-alive\n\n"
