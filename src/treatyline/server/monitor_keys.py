"""Monitors' signing keys: Ed25519 public keys the depositary's administrator registers
under a monitor's name, so that a monitor may sign its incident reports (RFC 9421) rather
than hold a bearer token.

Monitors are not parties: their keys are not in the ledger (whose keys make officers and
the administrator) but in the server's table `server_monitor_keys`, beside the tokens. A
monitor key's id is `m-` and 16 hex digits of the SHA-256 of the raw public key, so it can
never be taken for a ledger key id (8 hex digits) and the same key is registered once. A
revoked key is kept, with the time it was revoked.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    PublicFormat,
    load_pem_public_key,
)

from ..ledger.errors import KeyFileError
from ..ledger.keys import PublicPartyKey
from .access_db import AccessDatabase, time_from_db, time_to_db

__all__ = ["MONITOR_KEY_ID", "MONITOR_NAME", "MonitorKey", "MonitorKeyStore",
           "monitor_key_id", "parse_public_key"]

MONITOR_KEY_ID = re.compile(r"m-[0-9a-f]{16}")
"""A monitor key's id: distinct from a ledger key id (8 hex digits) by its form."""
MONITOR_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
"""A monitor's name: what its reports' `submitted_by` shows."""

_COLUMNS = "id, name, public_key, registered, registered_by, revoked"


def monitor_key_id(public_key: bytes) -> str:
    return "m-" + hashlib.sha256(public_key).hexdigest()[:16]


def parse_public_key(text: str) -> bytes:
    """The raw 32 bytes of an Ed25519 public key given as base64 of those bytes, as a PEM
    public key, or as a key file `treatyline keys public` writes; ValueError saying why
    not."""
    text = text.strip()
    if "-----BEGIN" not in text:
        try:
            raw = base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError):
            raise ValueError("the public key is neither base64 (of the 32 raw bytes) nor a "
                             "PEM public key") from None
        if len(raw) != 32:
            raise ValueError(f"an Ed25519 public key is 32 bytes, not {len(raw)}")
        return raw
    if text.startswith("-----BEGIN"):
        try:
            key = load_pem_public_key(text.encode("utf-8"))
        except (ValueError, UnsupportedAlgorithm) as error:
            raise ValueError(f"the public key is not a PEM public key ({error})") from None
        if not isinstance(key, Ed25519PublicKey):
            raise ValueError("the public key is not an Ed25519 key")
        return key.public_bytes(Encoding.Raw, PublicFormat.Raw)
    try:
        return PublicPartyKey.from_pem(text.encode("utf-8")).public_key
    except KeyFileError as error:
        raise ValueError(error.diagnostics[0].message) from None


@dataclass(frozen=True, slots=True)
class MonitorKey:
    """A monitor's registered key."""

    id: str
    name: str
    public_key: bytes
    registered: datetime
    registered_by: str
    revoked: datetime | None

    def problem(self, now: datetime) -> str | None:
        """Why the key may not sign at `now`, or None."""
        if self.revoked is not None and self.revoked <= now:
            return (f"the monitor key {self.id} of {self.name} was revoked on "
                    f"{self.revoked.isoformat()}")
        return None

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name,
                "public_key": base64.b64encode(self.public_key).decode(),
                "registered": self.registered.isoformat(),
                "registered_by": self.registered_by,
                "revoked": self.revoked.isoformat() if self.revoked else None}

    @classmethod
    def from_row(cls, row: tuple[Any, ...]) -> MonitorKey:
        id_, name, public_key, registered, registered_by, revoked = row
        return cls(id_, name, base64.b64decode(public_key), time_from_db(registered),
                   registered_by, time_from_db(revoked) if revoked else None)


class MonitorKeyStore:
    """The monitor keys of one ledger's server."""

    def __init__(self, db: AccessDatabase) -> None:
        self.db = db

    def register(self, name: str, public_key: bytes, registered_by: str, now: datetime
                 ) -> MonitorKey | None:
        """The key registered for the monitor `name`; None if it is registered already
        (for any monitor: one key, one monitor)."""
        if MONITOR_NAME.fullmatch(name) is None:
            raise ValueError(f"a monitor's name is 1-64 letters, digits, '.', '_' or '-', "
                             f"not {name!r}")
        key = MonitorKey(monitor_key_id(public_key), name, public_key, now, registered_by,
                         None)
        _, added = self.db.execute(
            f"INSERT INTO server_monitor_keys ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?) "
            "ON CONFLICT DO NOTHING",
            (key.id, name, base64.b64encode(public_key).decode(), time_to_db(now),
             registered_by, None))
        return key if added == 1 else None

    def get(self, key_id: str) -> MonitorKey | None:
        rows, _ = self.db.execute(f"SELECT {_COLUMNS} FROM server_monitor_keys WHERE id = ?",
                                  (key_id,))
        return MonitorKey.from_row(rows[0]) if rows else None

    def revoke(self, key_id: str, now: datetime) -> MonitorKey | None:
        """Revoke a key from `now` (a key revoked already keeps its first time)."""
        self.db.execute("UPDATE server_monitor_keys SET revoked = ? "
                        "WHERE id = ? AND revoked IS NULL", (time_to_db(now), key_id))
        return self.get(key_id)

    def all(self) -> list[MonitorKey]:
        rows, _ = self.db.execute(f"SELECT {_COLUMNS} FROM server_monitor_keys "
                                  "ORDER BY registered, id")
        return [MonitorKey.from_row(row) for row in rows]
