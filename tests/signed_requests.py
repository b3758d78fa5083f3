"""Helpers for the access tests: requests signed (RFC 9421) as a party's client signs them,
and the server's own tables read straight from the ledger's database."""

from __future__ import annotations

import secrets
import sqlite3
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

from treatyline.ledger.keys import PartyKey
from treatyline.ledger.store import is_postgres_url
from treatyline.server.http_signatures import RequestParts, content_digest, sign_request

__all__ = ["signed_headers", "table_rows"]


def signed_headers(key: PartyKey, method: str, url: str, body: bytes = b"", *, created: int,
                   nonce: str | None = None, components: Sequence[str] | None = None,
                   key_id: str | None = None) -> dict[str, str]:
    """The headers that sign a request to `url` with `key` (keyid: `key_id`, by default the
    key's ledger key id)."""
    parts = urlsplit(url)
    fields: dict[str, list[str]] = {"host": [parts.netloc]}
    extra: dict[str, str] = {}
    if body:
        extra["Content-Digest"] = content_digest(body)
        fields["content-digest"] = [extra["Content-Digest"]]
    request = RequestParts(method, parts.scheme, parts.netloc, parts.path, parts.query or None,
                           fields)
    return extra | sign_request(key.private_key, key_id or f"{key.key_id:08x}", request,
                                created=created, nonce=nonce or secrets.token_hex(12),
                                components=components)


def table_rows(db: str, query: str) -> list[tuple[Any, ...]]:
    """The rows of `query` on the ledger's database, read with the driver itself."""
    if is_postgres_url(db):
        import psycopg

        with psycopg.connect(db) as connection:
            return [tuple(row) for row in connection.execute(query).fetchall()]
    connection = sqlite3.connect(db)
    try:
        return list(connection.execute(query).fetchall())
    finally:
        connection.close()
