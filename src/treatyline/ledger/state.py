"""What the log says so far: the treaty, the depositary's key, the parties' keys and when
each could act, the instruments accepted — rebuilt by reading the entries in order.

`LogState.apply` takes one entry after another (as verified, or as just appended) and
answers the depositary's questions: which key could act for a party on a day, whether an
instrument was received before (a replay), and the record of accepted acts, each act
`recorded` on the day of its receipt, so that `status(..., known_on=K)` reads the record as
the depositary knew it on K. Pure.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from ..errors import Diagnostic, Position
from ..record import Act, Record, Row, RowLocator, acts_from_ledger_rows, collector_paused
from ..spec.model import Treaty
from .entries import EntryError, LeafEntry, from_b64, leaf_statement
from .keys import PARTY_USE, WITNESS_USE
from .notes import Ed25519Verifier

__all__ = ["DEPOSITARY_PARTY", "KeyRecord", "LogKeys", "LogState", "act_row"]

DEPOSITARY_PARTY = "depositary"
"""The party code of the depositary's own key: it records the acts that no one party
deposits (a fact established, a joint meeting) under its own signature."""


@dataclass(slots=True)
class KeyRecord:
    """A party's key as registered: from when it may act and, once revoked, until when;
    and its use: a party key signs instruments, a witness key only cosigns checkpoints."""

    party: str
    name: str
    public_key: bytes
    key_id: int
    valid_from: date
    registered_at: int
    """The index of the registration entry."""
    revoked_from: date | None = None
    revoked_at: int | None = None
    use: str = PARTY_USE
    _verifier: Ed25519Verifier | None = field(default=None, repr=False)

    @property
    def is_witness_key(self) -> bool:
        return self.use == WITNESS_USE

    def valid_on(self, day: date) -> bool:
        return self.valid_from <= day and (self.revoked_from is None or day < self.revoked_from)

    @property
    def verifier(self) -> Ed25519Verifier:
        if self._verifier is None:
            self._verifier = Ed25519Verifier(self.name, self.public_key)
        return self._verifier

    def to_json(self) -> dict[str, Any]:
        return {"party": self.party, "name": self.name, "key_id": f"{self.key_id:08x}",
                "valid_from": self.valid_from.isoformat(), "registered_at": self.registered_at,
                "revoked_from": self.revoked_from.isoformat() if self.revoked_from else None,
                "revoked_at": self.revoked_at, "use": self.use}


_NO_SOURCE_MAP = RowLocator(None, ())
"""A ledger's act has no file to point into: its messages name the entry."""


def act_row(act: object, index: int, received_day: date
            ) -> tuple[dict[str, Any], str, Position, RowLocator]:
    """An instrument's act as a record row (the record's own validation reads it), with
    `recorded`: the day of receipt. An act that is not a mapping (only a tampered log holds
    one) is a row the record rejects with its message."""
    ref = f"ledger entry {index}"
    data = ({**act, "recorded": received_day.isoformat()} if isinstance(act, dict)
            else {"__not_a_mapping__": True})
    return data, ref, Position(ref), _NO_SOURCE_MAP


class StatementDigests(Mapping[bytes, int]):
    """SHA-256 of each accepted instrument's signed statement → its entry (replays).

    Hashed when first asked: reading a ledger for its record (status, timeline) never asks,
    and writing 20,000 statements' canonical JSON to hash them was a third of the time that
    read takes. The deposits and `verify` ask; they get the same digests, in log order."""

    def __init__(self) -> None:
        self._digests: dict[bytes, int] = {}
        self._unhashed: list[tuple[LeafEntry, int]] = []

    def add(self, digest: bytes, index: int) -> None:
        self._hash_pending()  # the log's order: a later entry's digest wins, as it did
        self._digests[digest] = index

    def add_unhashed(self, entry: LeafEntry, index: int) -> None:
        self._unhashed.append((entry, index))

    def _hash_pending(self) -> None:
        if self._unhashed:
            for entry, index in self._unhashed:
                self._digests[hashlib.sha256(leaf_statement(entry)).digest()] = index
            self._unhashed.clear()

    def __getitem__(self, digest: bytes) -> int:
        self._hash_pending()
        return self._digests[digest]

    def __iter__(self) -> Iterator[bytes]:
        self._hash_pending()
        return iter(self._digests)

    def __len__(self) -> int:
        self._hash_pending()
        return len(self._digests)


def registered_use(document: dict[str, Any], index: int) -> str:
    """The use a key registration gives its key: "witness" when it says so; a registration
    without `use` (every one before witness keys existed) registers a party key."""
    use = document.get("use", PARTY_USE)
    if use not in (PARTY_USE, WITNESS_USE):
        raise EntryError(f"entry {index}: a key registration's use is "
                         f"{WITNESS_USE!r} or absent, not {use!r}")
    return str(use)


@dataclass(kw_only=True)
class LogKeys:
    """The log read up to `size` entries, without its acts: the genesis, the parties' keys
    and the statements accepted. Enough to check every signature (`verify` reads a ledger
    this way, without the treaty's spec); `LogState` adds the record."""

    size: int = 0
    treaty_id: str | None = None
    origin: str | None = None
    treaty_sha256: str | None = None
    depositary: Ed25519Verifier | None = None
    keys: dict[int, KeyRecord] = field(default_factory=dict)
    statements: StatementDigests = field(default_factory=StatementDigests)
    """SHA-256 of each accepted instrument's signed statement → its entry (replays)."""
    rejected: int = 0

    def depositary_key(self) -> KeyRecord:
        """The depositary's key (from the genesis entry), as a key that may act."""
        verifier = self.depositary
        assert verifier is not None
        return KeyRecord(DEPOSITARY_PARTY, verifier.name, verifier.public_key,
                         verifier.key_id, date.min, 0)

    def keys_of(self, party: str) -> Iterator[KeyRecord]:
        return (key for key in self.keys.values() if key.party == party)

    def keys_valid_on(self, party: str, day: date) -> list[KeyRecord]:
        """The keys that could act for `party` on `day`, as the log says (its witness
        keys, which never act for it, left out)."""
        return [key for key in self.keys_of(party)
                if key.valid_on(day) and not key.is_witness_key]

    def apply(self, entry: LeafEntry, index: int, *,
              statement_sha256: bytes | None = None) -> None:
        """Take in the log's entry `index` (the next one). For an instrument, the caller
        that hashed its statement already may pass the digest (see `verify`)."""
        if index != self.size:
            raise EntryError(f"entry {index} read out of order (the state holds {self.size})")
        try:
            self._take(entry, index, statement_sha256)
        except (KeyError, TypeError, ValueError) as error:
            # a member missing or of the wrong type: only a log changed behind the
            # depositary's back (every entry it writes has them) — refused, not a traceback
            raise EntryError(f"entry {index}: a malformed {entry.type} entry "
                             f"({type(error).__name__}: {error})") from None
        self.size = index + 1

    def _take(self, entry: LeafEntry, index: int, statement_sha256: bytes | None) -> None:
        document = entry.document
        kind = entry.type
        if index == 0 and kind != "genesis":
            raise EntryError("entry 0: a ledger begins with its genesis entry")
        if kind == "genesis":
            if index != 0:
                raise EntryError(f"entry {index}: a second genesis entry")
            self.treaty_id = str(document["treaty"])
            self.origin = str(document["origin"])
            self.treaty_sha256 = str(document["treaty_sha256"])
            self.depositary = Ed25519Verifier(str(document["depositary_name"]),
                                              from_b64(document["depositary_key"],
                                                       "the depositary's key"))
        elif kind == "key_registration":
            public = from_b64(document["public_key"], f"entry {index}: public_key")
            record = KeyRecord(str(document["party"]), str(document["name"]), public,
                               Ed25519Verifier(str(document["name"]), public).key_id,
                               date.fromisoformat(str(document["valid_from"])), index,
                               use=registered_use(document, index))
            self.keys[record.key_id] = record
        elif kind == "key_revocation":
            key = self.keys[int(str(document["key_id"]), 16)]
            key.revoked_from = date.fromisoformat(str(document["revoked_from"]))
            key.revoked_at = index
        elif kind == "instrument":
            if statement_sha256 is None:
                self.statements.add_unhashed(entry, index)
            else:
                self.statements.add(statement_sha256, index)
        else:
            self.rejected += 1


@dataclass
class LogState(LogKeys):
    """The log read up to `size` entries, with the record of its accepted acts."""

    treaty: Treaty
    acts: list[Act] = field(default_factory=list)
    new_parties: dict[str, str] = field(default_factory=dict)
    _made: Record | None = field(default=None, repr=False)
    """The record last made or taken in (see `record`): of the first acts of `acts`."""
    _record: Record | None = field(default=None, repr=False)
    unreadable_acts: list[Diagnostic] = field(default_factory=list)
    """The record's messages for accepted instruments whose act it rejects: only a log
    changed behind the depositary's back holds one (the examination accepted each act)."""
    _pending: list[Row] = field(default_factory=list, repr=False)
    """Instruments' rows read from the log, not yet made acts (see `apply`)."""
    _pending_indices: list[int] = field(default_factory=list, repr=False)

    @property
    def record(self) -> Record:
        """The accepted acts as a record (each `recorded` on its day of receipt)."""
        self._flush()
        if self._record is None:
            made = self._made
            if made is not None and len(made.acts) == len(self.acts):
                self._record = made
            elif made is not None and len(made.acts) < len(self.acts):
                # `acts` only grows: the acts since are added to the record made before,
                # which is evaluated by resuming that one's evaluation
                self._record = made.appended(self.acts[len(made.acts):], self.new_parties)
            else:
                self._record = Record(tuple(self.acts), new_parties=dict(self.new_parties))
            self._made = self._record
        return self._record

    def apply(self, entry: LeafEntry, index: int, *,
              statement_sha256: bytes | None = None,
              examined: tuple[Act, Record] | None = None) -> None:
        """Take in the log's entry `index` (the next one), an instrument's act included.
        `examined`: the act as the examination read it and the record it made with it,
        taken as they are (the record is evaluated already: not again)."""
        super().apply(entry, index, statement_sha256=statement_sha256)
        if entry.type == "instrument" and examined is not None:
            self._flush()
            act, record = examined
            self.acts.append(act)
            self.new_parties.update(record.new_parties)
            self._record = self._made = record
        elif entry.type == "instrument":
            # read in one batch when the record is asked for: the record's reader checks
            # many rows at once much faster than one at a time
            self._pending.append(act_row(entry.document.get("act"), index,
                                         entry.received_day))
            self._pending_indices.append(index)
            self._record = None

    def _flush(self) -> None:
        """Make acts of the rows read from the log; each keeps its entry's index as its
        sequence (the order of acts on one day is the log's)."""
        if not self._pending:
            return
        with collector_paused():
            acts_from_ledger_rows(self._pending, self._pending_indices, self.treaty, self.acts,
                                  self.unreadable_acts, self.new_parties)
        self._pending.clear()
        self._pending_indices.clear()
