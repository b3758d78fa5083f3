"""The monitors' incident reports, kept in the ledger's own database (a SQLite file or
PostgreSQL), beside the log: table `incident_reports`, one row per incident in the order
received (`seq`), never updated nor deleted.

Each row holds the report's fields, who submitted it (the principal's description: its
role and token id), the server's time of receipt and the SHA-256 of the request's bytes
(the JSON body or the uploaded file), so that a monitor can show which submission an
incident came from. A batch is one transaction: every incident of it is recorded, or
none. An id recorded already (or twice in one batch) refuses the batch, naming the id.

Several server processes may record at once: `seq` is the largest plus one, taken under
SQLite's BEGIN IMMEDIATE or a PostgreSQL transaction advisory lock, so sequences never
collide and a reader that has read up to `seq` n has seen every incident before it; the
UNIQUE id is the database's own guard besides.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from .access_db import AccessDatabase

__all__ = ["DuplicateIncidentError", "IncidentReport", "IncidentStore", "RecordedIncident"]

LOCK_KEY = 0x746C696E_63696473
"""The transaction advisory lock of a recording ("tlincids" in ASCII)."""

_SCHEMA = """CREATE TABLE IF NOT EXISTS incident_reports (
    seq BIGINT PRIMARY KEY, id TEXT NOT NULL UNIQUE, day TEXT NOT NULL, kind TEXT NOT NULL,
    actor TEXT NOT NULL, target TEXT NOT NULL, longitude DOUBLE PRECISION NOT NULL,
    latitude DOUBLE PRECISION NOT NULL, location_precision_km DOUBLE PRECISION,
    fatalities DOUBLE PRECISION, source TEXT NOT NULL, note TEXT NOT NULL,
    submitted_by TEXT NOT NULL, received TEXT NOT NULL, sha256 TEXT NOT NULL)"""
_FIELDS = ("id", "day", "kind", "actor", "target", "longitude", "latitude",
           "location_precision_km", "fatalities", "source", "note")
_COLUMNS = ("seq", *_FIELDS, "submitted_by", "received", "sha256")


@dataclass(frozen=True, slots=True)
class IncidentReport:
    """One incident as a monitor reports it (the columns of the example's event files)."""

    id: str
    day: date
    kind: str
    actor: str
    target: str
    longitude: float
    latitude: float
    location_precision_km: float | None
    fatalities: float | None
    source: str
    note: str

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "date": self.day.isoformat(), "kind": self.kind,
                "actor": self.actor, "target": self.target, "longitude": self.longitude,
                "latitude": self.latitude,
                "location_precision_km": self.location_precision_km,
                "fatalities": self.fatalities, "source": self.source, "note": self.note}


@dataclass(frozen=True, slots=True)
class RecordedIncident:
    """A report as recorded: its place in the order received, by whom, when, from what."""

    seq: int
    report: IncidentReport
    submitted_by: str
    received: datetime
    sha256: str

    def to_json(self) -> dict[str, Any]:
        return {"seq": self.seq, **self.report.to_json(), "submitted_by": self.submitted_by,
                "received": self.received.astimezone(UTC).isoformat(),
                "sha256": self.sha256}


class DuplicateIncidentError(Exception):
    """The batch holds an id recorded already (or twice): nothing of it is recorded."""

    def __init__(self, incident_id: str, recorded: bool) -> None:
        where = "is recorded already" if recorded else "is given twice in the batch"
        super().__init__(f"the incident id {incident_id!r} {where}; nothing of the batch "
                         "was recorded")
        self.incident_id = incident_id


class IncidentStore:
    """The incident table of the ledger at `db` (created if missing), over the server's
    tables' connection (`AccessDatabase`): used by one thread (see
    `obligations.ObligationsBook`)."""

    def __init__(self, db: str) -> None:
        self.db = AccessDatabase(db)
        try:
            with self.db.transaction(LOCK_KEY):  # workers starting together
                self.db.execute(_SCHEMA)
        except BaseException:
            self.db.close()
            raise

    def close(self) -> None:
        self.db.close()

    def record(self, reports: Sequence[IncidentReport], submitted_by: str, received: datetime,
               sha256: str) -> list[RecordedIncident]:
        """Record `reports` in one transaction, in their order; DuplicateIncidentError
        (nothing recorded) when an id is recorded already or given twice."""
        seen: set[str] = set()
        for report in reports:
            if report.id in seen:
                raise DuplicateIncidentError(report.id, recorded=False)
            seen.add(report.id)
        moment = received.astimezone(UTC)
        with self.db.transaction(LOCK_KEY):
            for start in range(0, len(reports), 500):  # a bounded IN list
                ids = tuple(r.id for r in reports[start:start + 500])
                rows, _ = self.db.execute("SELECT id FROM incident_reports WHERE id IN ("
                                          + ", ".join("?" * len(ids)) + ")", ids)
                taken = {row[0] for row in rows}
                if taken:
                    first = next(i for i in ids if i in taken)
                    raise DuplicateIncidentError(first, recorded=True)
            rows, _ = self.db.execute("SELECT COALESCE(MAX(seq), 0) FROM incident_reports")
            last = int(rows[0][0])
            recorded = [RecordedIncident(last + number, report, submitted_by, moment, sha256)
                        for number, report in enumerate(reports, start=1)]
            self.db.execute_many(f"INSERT INTO incident_reports ({', '.join(_COLUMNS)}) "
                                 f"VALUES ({', '.join('?' * len(_COLUMNS))})",
                                 [_row(r) for r in recorded])
        return recorded

    def since(self, seq: int) -> list[RecordedIncident]:
        """The incidents after `seq`, in the order received."""
        rows, _ = self.db.execute(f"SELECT {', '.join(_COLUMNS)} FROM incident_reports "
                                  "WHERE seq > ? ORDER BY seq", (seq,))
        return [_recorded(row) for row in rows]


def _row(found: RecordedIncident) -> tuple[Any, ...]:
    r = found.report
    return (found.seq, r.id, r.day.isoformat(), r.kind, r.actor, r.target, r.longitude,
            r.latitude, r.location_precision_km, r.fatalities, r.source, r.note,
            found.submitted_by, found.received.isoformat(timespec="microseconds"),
            found.sha256)


def _recorded(row: Sequence[Any]) -> RecordedIncident:
    report = IncidentReport(str(row[1]), date.fromisoformat(row[2]), str(row[3]), str(row[4]),
                            str(row[5]), float(row[6]), float(row[7]),
                            None if row[8] is None else float(row[8]),
                            None if row[9] is None else float(row[9]), str(row[10]),
                            str(row[11]))
    return RecordedIncident(int(row[0]), report, str(row[12]),
                            datetime.fromisoformat(row[13]), str(row[14]))
