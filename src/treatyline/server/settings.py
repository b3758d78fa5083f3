"""What a server is made from: its settings and its clock.

The clock is the only thing in the server that reads the time (the time of receipt of
every deposit, the default day of `status`): tests inject one they can set. Settings are
plain values, so that uvicorn's worker processes can rebuild them from the environment
(`to_environment` / `from_environment`): each worker opens its own connection to the
ledger, and the store's writer lock keeps the log in one order.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from ..ledger.entries import MAX_INSTRUMENT_BYTES

__all__ = ["SETTINGS_ENV", "Clock", "LedgerSettings", "Settings", "SystemClock"]

SETTINGS_ENV = "TREATYLINE_SERVER_SETTINGS"
MAX_UPLOAD_BYTES = 8 << 20
"""The default largest monitor's upload (8 MiB): a batch of incidents or an event file."""
"""The environment variable through which `treatyline serve --workers N` hands each
worker process its settings (JSON: paths and URLs, never key material)."""


class Clock(Protocol):
    """Where the server reads the time: timezone-aware."""

    def now(self) -> datetime: ...


class SystemClock:
    """The computer's clock, in UTC."""

    def now(self) -> datetime:
        return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class LedgerSettings:
    """One treaty served: its spec (a treaty file or an example folder) and its ledger."""

    spec: Path
    db: str


@dataclass(frozen=True, slots=True)
class Settings:
    """A server's settings. `depositary_key` is the depositary's private key file: it
    signs the checkpoints of the receipts."""

    ledgers: tuple[LedgerSettings, ...]
    depositary_key: Path
    max_body_bytes: int = MAX_INSTRUMENT_BYTES
    """The largest request body read; a larger one is refused with 413 unread."""
    allow_private_webhooks: bool = False
    """Whether a webhook registered over HTTP may go to a loopback, private, link-local
    or other non-public address (see `webhooks/public_hosts.py`)."""
    max_upload_bytes: int = MAX_UPLOAD_BYTES
    """The largest body of a monitor's incident report or event file (`UPLOAD_PATHS`)."""

    def to_environment(self) -> str:
        return json.dumps({"ledgers": [{"spec": str(s.spec), "db": s.db} for s in self.ledgers],
                           "depositary_key": str(self.depositary_key),
                           "max_body_bytes": self.max_body_bytes,
                           "allow_private_webhooks": self.allow_private_webhooks,
                           "max_upload_bytes": self.max_upload_bytes})

    @classmethod
    def from_environment(cls, text: str) -> Settings:
        value = json.loads(text)
        return cls(tuple(LedgerSettings(Path(s["spec"]), str(s["db"]))
                         for s in value["ledgers"]),
                   Path(value["depositary_key"]), int(value["max_body_bytes"]),
                   bool(value.get("allow_private_webhooks", False)),
                   int(value.get("max_upload_bytes", MAX_UPLOAD_BYTES)))
