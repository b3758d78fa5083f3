"""Bearer tokens issued by the depositary's administrator, stored hashed.

A token is 256 random bits (`tlt_` and their base64url), shown once when issued and never
stored: the table `server_tokens` keeps its SHA-256, with its public id (to list and
revoke it by), its role (`admin`, `officer` of a party, `monitor`), who issued it, and when
it was issued, expires and was revoked. A token is looked up by the hash of what the
request presents; a leaked table gives no token. Times are arguments (the server's clock,
or the command's).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from .access_db import AccessDatabase, time_from_db, time_to_db

__all__ = ["ROLES", "TOKEN_PREFIX", "Role", "TokenRecord", "TokenStore", "token_sha256"]

Role = Literal["admin", "officer", "monitor", "public"]
ROLES: tuple[Role, ...] = ("admin", "officer", "monitor", "public")
TOKEN_PREFIX = "tlt_"

_COLUMNS = "id, role, party, issuer, issued, expires, revoked, note"


def token_sha256(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class TokenRecord:
    """A token as stored (never the token itself)."""

    id: str
    role: Role
    party: str | None
    issuer: str
    issued: datetime
    expires: datetime
    revoked: datetime | None
    note: str | None

    def problem(self, now: datetime) -> str | None:
        """Why the token may not be used at `now`, or None."""
        if self.revoked is not None and self.revoked <= now:
            return f"the token {self.id} was revoked on {self.revoked.isoformat()}"
        if now >= self.expires:
            return f"the token {self.id} expired on {self.expires.isoformat()}"
        return None

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "role": self.role, "party": self.party, "issuer": self.issuer,
                "issued": self.issued.isoformat(), "expires": self.expires.isoformat(),
                "revoked": self.revoked.isoformat() if self.revoked else None,
                "note": self.note}

    @classmethod
    def from_row(cls, row: tuple[Any, ...]) -> TokenRecord:
        id_, role, party, issuer, issued, expires, revoked, note = row
        return cls(id_, role, party, issuer, time_from_db(issued), time_from_db(expires),
                   time_from_db(revoked) if revoked else None, note)


class TokenStore:
    """The tokens of one ledger's server."""

    def __init__(self, db: AccessDatabase) -> None:
        self.db = db

    def issue(self, role: Role, party: str | None, issuer: str, now: datetime,
              valid_for: timedelta, note: str | None = None) -> tuple[str, TokenRecord]:
        """A new token (to show once) and its record."""
        if (role == "officer") != (party is not None) or role == "public":
            raise ValueError(f"a token is for an admin, a monitor or a party's officer "
                             f"(with its party), not {role} of {party}")
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        record = TokenRecord(secrets.token_hex(8), role, party, issuer, now, now + valid_for,
                             None, note)
        self.db.execute(f"INSERT INTO server_tokens (token_sha256, {_COLUMNS}) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        (token_sha256(token), record.id, role, party, issuer,
                         time_to_db(now), time_to_db(record.expires), None, note))
        return token, record

    def lookup(self, token: str) -> TokenRecord | None:
        rows, _ = self.db.execute(f"SELECT {_COLUMNS} FROM server_tokens "
                                  "WHERE token_sha256 = ?", (token_sha256(token),))
        return TokenRecord.from_row(rows[0]) if rows else None

    def get(self, token_id: str) -> TokenRecord | None:
        rows, _ = self.db.execute(f"SELECT {_COLUMNS} FROM server_tokens WHERE id = ?",
                                  (token_id,))
        return TokenRecord.from_row(rows[0]) if rows else None

    def revoke(self, token_id: str, now: datetime) -> TokenRecord | None:
        """Revoke a token from `now` (a token revoked already keeps its first time)."""
        self.db.execute("UPDATE server_tokens SET revoked = ? WHERE id = ? AND revoked IS NULL",
                        (time_to_db(now), token_id))
        return self.get(token_id)

    def all(self) -> list[TokenRecord]:
        rows, _ = self.db.execute(f"SELECT {_COLUMNS} FROM server_tokens ORDER BY issued, id")
        return [TokenRecord.from_row(row) for row in rows]
