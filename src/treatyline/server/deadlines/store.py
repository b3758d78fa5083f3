"""The deadline notices issued, kept in the ledger's own database (SQLite or PostgreSQL)
beside the log and the webhook subscriptions.

Each notice has a sequence number (1, 2, ... in the order of issue, with no gap: it is
computed in the write transaction, which both backends serialise) and its stable id
(unique). `issue` inserts only the notices whose id is absent, in one transaction: two
watchers (two server processes, or a restarted one) that find the same notices due issue
each once, whoever comes first.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ..ledger_tables import LedgerTables
from .notices import Notice

__all__ = ["IssuedNotice", "NoticeStore"]

_SCHEMA = [
    """CREATE TABLE IF NOT EXISTS deadline_notices (
        seq BIGINT PRIMARY KEY, id TEXT NOT NULL UNIQUE, kind TEXT NOT NULL,
        bearer TEXT NOT NULL, provision TEXT NOT NULL, occasion TEXT NOT NULL,
        deadline TEXT, issued TEXT NOT NULL, text TEXT NOT NULL, notice TEXT NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS deadline_notices_bearer ON deadline_notices (bearer, seq)",
]
_COLUMNS = "seq, issued, notice"


def _time_text(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


@dataclass(frozen=True, slots=True)
class IssuedNotice:
    """A notice as issued: its sequence number and the server's time of issue."""

    seq: int
    issued: str
    """The server's clock at issue, RFC 3339 in UTC."""
    notice: dict[str, Any]
    """`Notice.to_json()`: id, kind, bearer, the obligation's fields, the text."""

    @property
    def bearer(self) -> str:
        bearer: str = self.notice["bearer"]
        return bearer

    def to_json(self) -> dict[str, Any]:
        return {"seq": self.seq, "issued": self.issued} | self.notice


class NoticeStore(LedgerTables):
    """The notices of the ledger at `db` (the table created if missing). One connection,
    used by one thread."""

    def __init__(self, db: str) -> None:
        super().__init__(db, _SCHEMA, "the deadline notices")

    def issue(self, notices: Sequence[Notice], now: datetime) -> list[IssuedNotice]:
        """Insert the notices not issued before, numbered in order, at `now`; those
        inserted."""
        if not notices:
            return []
        issued = _time_text(now)
        added: list[IssuedNotice] = []
        with self._writing() as cursor:
            # the transaction is serialised, so reading the ids and the last number first
            # is safe; a notice repeated within `notices` is kept once too
            cursor.execute("SELECT COALESCE(MAX(seq), 0) FROM deadline_notices")
            last = int(cursor.fetchone()[0])
            seen: set[str] = set()
            for notice in notices:
                if notice.id in seen:
                    continue
                seen.add(notice.id)
                cursor.execute("SELECT 1 FROM deadline_notices WHERE id = ?", (notice.id,))
                if cursor.fetchone() is not None:
                    continue
                last += 1
                body = notice.to_json()
                cursor.execute(
                    "INSERT INTO deadline_notices (seq, id, kind, bearer, provision, "
                    "occasion, deadline, issued, text, notice) VALUES "
                    "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (last, notice.id, notice.kind, notice.bearer, notice.provision,
                     notice.occasion, body["deadline"], issued, notice.text,
                     json.dumps(body, ensure_ascii=False, separators=(",", ":"))))
                added.append(IssuedNotice(last, issued, body))
        return added

    def page(self, since: int, limit: int, bearer: str | None = None) -> list[IssuedNotice]:
        """The notices numbered `since` and after (of one bearer, or all), at most
        `limit`, in order."""
        if bearer is None:
            rows = self._read(f"SELECT {_COLUMNS} FROM deadline_notices WHERE seq >= ? "
                              "ORDER BY seq LIMIT ?", (since, limit))
        else:
            rows = self._read(f"SELECT {_COLUMNS} FROM deadline_notices WHERE seq >= ? AND "
                              "bearer = ? ORDER BY seq LIMIT ?", (since, bearer, limit))
        return [IssuedNotice(int(r[0]), str(r[1]), json.loads(r[2])) for r in rows]

    def latest(self, limit: int, bearer: str | None = None) -> list[IssuedNotice]:
        """The last `limit` notices (of one bearer, or all), newest first."""
        where, params = ("WHERE bearer = ? ", (bearer, limit)) if bearer else ("", (limit,))
        rows = self._read(f"SELECT {_COLUMNS} FROM deadline_notices {where}ORDER BY seq "
                          "DESC LIMIT ?", params)
        return [IssuedNotice(int(r[0]), str(r[1]), json.loads(r[2])) for r in rows]

    def last_seq(self) -> int:
        """The number of the last notice issued (0: none yet)."""
        return int(self._read("SELECT COALESCE(MAX(seq), 0) FROM deadline_notices")[0][0])
