"""The refusal log: every request the access rules refuse (401, 403, and a restricted
draft answered 404 to a party outside it) is kept — when, who asked (as far as the server
could tell), the method and route, the status, code and reason — in the table
`server_refusals` of the treaty's ledger database, and written to the server's log
(logger `treatyline.server.access`, level WARNING)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .access_db import AccessDatabase, time_from_db, time_to_db

__all__ = ["Refusal", "RefusalLog"]

log = logging.getLogger("treatyline.server.access")


@dataclass(frozen=True, slots=True)
class Refusal:
    time: datetime
    principal: str
    method: str
    route: str
    status: int
    code: str
    reason: str

    def to_json(self) -> dict[str, Any]:
        return {"time": self.time.isoformat(), "principal": self.principal,
                "method": self.method, "route": self.route, "status": self.status,
                "code": self.code, "reason": self.reason}


class RefusalLog:
    def __init__(self, db: AccessDatabase) -> None:
        self.db = db

    def record(self, refusal: Refusal) -> None:
        log.warning("refused %s %s (%s %s) to %s: %s", refusal.method, refusal.route,
                    refusal.status, refusal.code, refusal.principal, refusal.reason)
        self.db.execute("INSERT INTO server_refusals (time, principal, method, route, status, "
                        "code, reason) VALUES (?, ?, ?, ?, ?, ?, ?)",
                        (time_to_db(refusal.time), refusal.principal, refusal.method,
                         refusal.route, refusal.status, refusal.code, refusal.reason))

    def since(self, start: int, limit: int) -> list[tuple[int, Refusal]]:
        """The refusals with id from `start` on, oldest first (each with its id)."""
        rows, _ = self.db.execute("SELECT id, time, principal, method, route, status, code, "
                                  "reason FROM server_refusals WHERE id >= ? ORDER BY id "
                                  "LIMIT ?", (start, limit))
        return [(int(id_), Refusal(time_from_db(time), principal, method, route, int(status),
                                   code, reason))
                for id_, time, principal, method, route, status, code, reason in rows]
