"""The parties' webhook subscriptions, their cursors and the delivery log, kept in the
ledger's own database (a SQLite file or PostgreSQL), beside the log they deliver.

A subscription's cursor (`next_index`) is the first entry not yet delivered; it moves
only in the transaction that logs a 2xx answer, so a server killed at any moment resumes
from it: at least once, never lost (the `webhook-id` lets a receiver drop a repeat).

One process delivers per database (`try_lock`): on PostgreSQL the worker's connection
holds a session advisory lock, on SQLite the worker holds an exclusive `flock` of a file
beside the ledger. Either is released by the operating system or the database server the
moment the process dies, so a restarted server (or another worker) takes over at once,
with no lease to wait out.
"""

from __future__ import annotations

import fcntl
import os
import secrets
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Self
from urllib.parse import urlsplit

from ..ledger_tables import LedgerTables, TranslatedCursor

__all__ = ["LOCK_KEY", "MAX_URL_LENGTH", "Attempt", "Subscription", "SubscriptionStore",
           "check_webhook_url"]

# the session advisory lock of the delivering worker ("tlwebhks" in ASCII); another key
# than the ledger's writer lock and the tables' write lock, which are transaction-scoped
LOCK_KEY = 0x746C7765_62686B73
MAX_URL_LENGTH = 2048

_SCHEMA = [
    """CREATE TABLE IF NOT EXISTS webhook_subscriptions (
        id TEXT PRIMARY KEY, party TEXT NOT NULL, url TEXT NOT NULL, created TEXT NOT NULL,
        next_index BIGINT NOT NULL, failures INTEGER NOT NULL, next_attempt TEXT)""",
    """CREATE TABLE IF NOT EXISTS webhook_attempts (
        subscription TEXT NOT NULL, entry BIGINT NOT NULL, attempt INTEGER NOT NULL,
        at TEXT NOT NULL, delivered INTEGER NOT NULL, status INTEGER, error TEXT,
        next_attempt TEXT, PRIMARY KEY (subscription, entry, attempt))""",
    """CREATE TABLE IF NOT EXISTS webhook_notice_attempts (
        subscription TEXT NOT NULL, notice BIGINT NOT NULL, attempt INTEGER NOT NULL,
        at TEXT NOT NULL, delivered INTEGER NOT NULL, status INTEGER, error TEXT,
        next_attempt TEXT, PRIMARY KEY (subscription, notice, attempt))""",
]
# the deadline notices' cursor, added to the subscriptions of older databases (ADD COLUMN
# with a constant default: both backends fill the existing rows)
_ENTRY_LOG = ("webhook_attempts", "entry", "next_index", "failures", "next_attempt")
_NOTICE_LOG = ("webhook_notice_attempts", "notice", "next_notice", "notice_failures",
               "notice_next_attempt")
_NOTICE_COLUMNS = (("next_notice", "BIGINT NOT NULL DEFAULT 0"),
                   ("notice_failures", "INTEGER NOT NULL DEFAULT 0"),
                   ("notice_next_attempt", "TEXT"),
                   # whether the webhook was registered over HTTP (its host is checked at
                   # delivery) or with the depositary's CLI (trusted). Before this was
                   # recorded the CLI was the only way to register (the HTTP route came with
                   # the column), so an older subscription is the CLI's
                   ("over_http", "INTEGER NOT NULL DEFAULT 0"))


def check_webhook_url(url: str) -> str:
    """`url` if a webhook may be sent to it: http or https, a host, no user name or
    password in it (a secret would be logged and shown), at most 2048 characters.
    ValueError says what is wrong."""
    if len(url) > MAX_URL_LENGTH:
        raise ValueError(f"a webhook URL has at most {MAX_URL_LENGTH} characters")
    if any(ord(c) <= 0x20 or ord(c) == 0x7F for c in url):
        raise ValueError("a webhook URL has no spaces or control characters")
    try:
        parts = urlsplit(url)
        port = parts.port  # raises on a port that is not one
    except ValueError as error:
        raise ValueError(f"{url!r} is not a URL: {error}") from None
    if parts.scheme not in ("http", "https"):
        scheme = f"{parts.scheme}:" if parts.scheme else "a relative URL"
        raise ValueError(f"a webhook URL is http:// or https://, not {scheme}")
    if not parts.hostname:
        raise ValueError(f"{url!r} names no host")
    if parts.username is not None or parts.password is not None:
        raise ValueError("a webhook URL may not hold a user name or password")
    del port
    return url


def _time_text(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def _time(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


def _attempt_row(attempt: Attempt) -> tuple[Any, ...]:
    return (attempt.subscription, attempt.entry, attempt.attempt, _time_text(attempt.at),
            int(attempt.delivered), attempt.status, attempt.error,
            _time_text(attempt.next_attempt) if attempt.next_attempt else None)


@dataclass(frozen=True, slots=True)
class Subscription:
    """A party's webhook: where to POST, and where delivery stands."""

    id: str
    party: str
    url: str
    created: datetime
    next_index: int
    """The first entry not yet delivered (every entry before it was, or had nothing to)."""
    failures: int
    """Failed attempts at the entry `next_index` onwards since the last delivery."""
    next_attempt: datetime | None
    """When to try again after a failure (None: now)."""
    next_notice: int = 0
    """The first deadline notice (by sequence) not yet delivered: the party's own
    notices are delivered in their order, the others' passed over."""
    notice_failures: int = 0
    notice_next_attempt: datetime | None = None
    over_http: bool = False
    """Registered over HTTP by a party's officer or the administrator: its host must be
    public at delivery too, unless the server allows others. False: registered with the
    depositary's CLI, trusted."""

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "party": self.party, "url": self.url,
                "created": _time_text(self.created), "next_index": self.next_index,
                "failures": self.failures,
                "next_attempt": _time_text(self.next_attempt) if self.next_attempt else None,
                "next_notice": self.next_notice, "notice_failures": self.notice_failures,
                "notice_next_attempt": (_time_text(self.notice_next_attempt)
                                        if self.notice_next_attempt else None),
                "over_http": self.over_http}


@dataclass(frozen=True, slots=True)
class Attempt:
    """One line of the delivery log."""

    subscription: str
    entry: int
    attempt: int
    at: datetime
    delivered: bool
    status: int | None
    """The receiver's HTTP status; None when no answer came (see `error`)."""
    error: str | None
    """"timeout", "connection error: ...", or the status's meaning for a non-2xx."""
    next_attempt: datetime | None

    def to_json(self) -> dict[str, Any]:
        return {"subscription": self.subscription, "entry": self.entry,
                "attempt": self.attempt, "at": _time_text(self.at),
                "delivered": self.delivered, "status": self.status, "error": self.error,
                "next_attempt": _time_text(self.next_attempt) if self.next_attempt else None}


class SubscriptionStore(LedgerTables, AbstractContextManager["SubscriptionStore"]):
    """The webhook tables of the ledger at `db` (created if missing, older ones given the
    notices' cursor). Like the ledger's store, one connection, used by one thread."""

    def __init__(self, db: str) -> None:
        self._lock_file: int | None = None
        self._locked = False
        super().__init__(db, _SCHEMA, "the webhooks")

    def _migrate(self, cursor: TranslatedCursor) -> None:
        """Subscriptions made before deadline notices get their cursor over the notices
        (from the first), with no failure pending; those made before the way they were
        registered was recorded are taken as registered over HTTP."""
        present = self._columns(cursor, "webhook_subscriptions")
        for column, declaration in _NOTICE_COLUMNS:
            if column not in present:
                cursor.execute(f"ALTER TABLE webhook_subscriptions ADD COLUMN {column} "
                               f"{declaration}")

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        if self._lock_file is not None:
            os.close(self._lock_file)  # releases the flock
            self._lock_file = None
        super().close()

    # -- subscriptions -----------------------------------------------------------------

    def add(self, party: str, url: str, next_index: int, created: datetime, *,
            over_http: bool = False) -> Subscription:
        """A new subscription; `over_http`: registered over HTTP (see `Subscription`)."""
        found = Subscription("wh_" + secrets.token_hex(8), party, check_webhook_url(url),
                             created.astimezone(UTC), next_index, 0, None,
                             over_http=over_http)
        with self._writing() as cursor:
            cursor.execute("INSERT INTO webhook_subscriptions (id, party, url, created, "
                           "next_index, failures, next_attempt, over_http) VALUES "
                           "(?, ?, ?, ?, ?, 0, NULL, ?)",
                           (found.id, party, url, _time_text(found.created), next_index,
                            int(over_http)))
        return found

    def subscriptions(self, party: str | None = None) -> list[Subscription]:
        rows = self._read("SELECT id, party, url, created, next_index, failures, next_attempt, "
                          "next_notice, notice_failures, notice_next_attempt, over_http "
                          "FROM webhook_subscriptions ORDER BY created, id")
        return [Subscription(r[0], r[1], r[2], datetime.fromisoformat(r[3]), int(r[4]),
                             int(r[5]), _time(r[6]), int(r[7]), int(r[8]), _time(r[9]),
                             bool(r[10]))
                for r in rows if party is None or r[1] == party]

    def remove(self, subscription: str) -> bool:
        with self._writing() as cursor:
            cursor.execute("DELETE FROM webhook_subscriptions WHERE id = ?", (subscription,))
            removed: int = cursor.rowcount
        return removed > 0

    # -- delivery ----------------------------------------------------------------------

    def advance(self, subscription: str, old: int, new: int) -> None:
        """Move the cursor past entries that have nothing to deliver."""
        with self._writing() as cursor:
            cursor.execute("UPDATE webhook_subscriptions SET next_index = ? WHERE id = ? "
                           "AND next_index = ?", (new, subscription, old))

    def record(self, subscription: Subscription, attempt: Attempt) -> None:
        """Log `attempt` and, in the same transaction, move the cursor past its entry if
        it was delivered, or count the failure and keep its next attempt's time."""
        self._log(attempt, _ENTRY_LOG)

    def _log(self, attempt: Attempt, log: tuple[str, str, str, str, str]) -> None:
        """`record` on one of the two logs: its table, its item's column, and the
        subscription's cursor, failure count and next attempt's columns."""
        table, item, cursor_column, failures, next_attempt = log
        with self._writing() as cursor:
            cursor.execute(f"INSERT INTO {table} (subscription, {item}, attempt, at, "
                           "delivered, status, error, next_attempt) VALUES "
                           "(?, ?, ?, ?, ?, ?, ?, ?)", _attempt_row(attempt))
            later = _time_text(attempt.next_attempt) if attempt.next_attempt else None
            cursor.execute(f"UPDATE webhook_subscriptions SET {cursor_column} = ?, "
                           f"{failures} = ?, {next_attempt} = ? WHERE id = ?",
                           (attempt.entry + 1, 0, None, attempt.subscription)
                           if attempt.delivered else
                           (attempt.entry, attempt.attempt, later, attempt.subscription))

    def attempts(self, subscription: str | None = None) -> list[Attempt]:
        """The delivery log, oldest first (of one subscription, or of all)."""
        rows = self._read("SELECT subscription, entry, attempt, at, delivered, status, error, "
                          "next_attempt FROM webhook_attempts ORDER BY at, subscription, "
                          "entry, attempt")
        return [Attempt(r[0], int(r[1]), int(r[2]), datetime.fromisoformat(r[3]), bool(r[4]),
                        r[5], r[6], _time(r[7]))
                for r in rows if subscription is None or r[0] == subscription]

    # -- delivery of deadline notices (the same, over the notices' sequence) ------------

    def advance_notices(self, subscription: str, old: int, new: int) -> None:
        """Move the notices' cursor past notices for other parties."""
        with self._writing() as cursor:
            cursor.execute("UPDATE webhook_subscriptions SET next_notice = ? WHERE id = ? "
                           "AND next_notice = ?", (new, subscription, old))

    def record_notice(self, attempt: Attempt) -> None:
        """Log a notice's `attempt` (its `entry` is the notice's sequence number) and move
        the notices' cursor past it if delivered, in one transaction; or keep the
        failure's count and next attempt."""
        self._log(attempt, _NOTICE_LOG)

    def notice_attempts(self, subscription: str | None = None) -> list[Attempt]:
        """The notices' delivery log, oldest first (`entry`: the notice's sequence)."""
        rows = self._read("SELECT subscription, notice, attempt, at, delivered, status, "
                          "error, next_attempt FROM webhook_notice_attempts ORDER BY at, "
                          "subscription, notice, attempt")
        return [Attempt(r[0], int(r[1]), int(r[2]), datetime.fromisoformat(r[3]), bool(r[4]),
                        r[5], r[6], _time(r[7]))
                for r in rows if subscription is None or r[0] == subscription]

    def try_lock(self) -> bool:
        """Whether this store's process is the one delivering (see the module's
        docstring); once taken, held until `close`."""
        if self._locked:
            return True
        if self._postgres:
            rows = self._read("SELECT pg_try_advisory_lock(?)", (LOCK_KEY,))
            self._locked = bool(rows[0][0])
            return self._locked
        if self._lock_file is None:
            self._lock_file = os.open(f"{self.db}.webhooks.lock", os.O_RDWR | os.O_CREAT,
                                      0o600)
        try:
            fcntl.flock(self._lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        self._locked = True
        return True

    def __enter__(self) -> Self:
        return self
