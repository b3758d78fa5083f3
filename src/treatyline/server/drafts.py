"""Restricted drafts: the texts of a treaty under negotiation, registered by the
depositary's administrator and readable only by the officers of the parties that
negotiate them (and the administrator). Kept in the table `server_drafts` of the treaty's
ledger database — not in the log, which is public: a draft is not an instrument."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from .access_db import AccessDatabase, time_from_db, time_to_db

__all__ = ["Draft", "DraftStore"]

_COLUMNS = "id, title, dated, parties, text, registered, registered_by"


@dataclass(frozen=True, slots=True)
class Draft:
    id: str
    title: str
    dated: date
    parties: tuple[str, ...]
    """The negotiating parties: the only parties whose officers may read it."""
    text: str
    registered: datetime
    registered_by: str

    def readable_by(self, role: str, party: str | None) -> bool:
        return role == "admin" or (role == "officer" and party in self.parties)

    def summary(self) -> dict[str, Any]:
        return {"id": self.id, "title": self.title, "dated": self.dated.isoformat(),
                "parties": list(self.parties), "registered": self.registered.isoformat()}

    def to_json(self) -> dict[str, Any]:
        return self.summary() | {"text": self.text, "registered_by": self.registered_by}


def _draft(row: tuple[Any, ...]) -> Draft:
    id_, title, dated, parties, text, registered, by = row
    return Draft(id_, title, date.fromisoformat(dated), tuple(json.loads(parties)), text,
                 time_from_db(registered), by)


class DraftStore:
    def __init__(self, db: AccessDatabase) -> None:
        self.db = db

    def add(self, draft: Draft) -> bool:
        """Register a draft; False when a draft of that id is registered already."""
        _, added = self.db.execute(
            f"INSERT INTO server_drafts ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT DO NOTHING",
            (draft.id, draft.title, draft.dated.isoformat(), json.dumps(list(draft.parties)),
             draft.text, time_to_db(draft.registered), draft.registered_by))
        return bool(added == 1)

    def get(self, draft_id: str) -> Draft | None:
        rows, _ = self.db.execute(f"SELECT {_COLUMNS} FROM server_drafts WHERE id = ?",
                                  (draft_id,))
        return _draft(rows[0]) if rows else None

    def all(self) -> list[Draft]:
        rows, _ = self.db.execute(f"SELECT {_COLUMNS} FROM server_drafts ORDER BY dated, id")
        return [_draft(row) for row in rows]
