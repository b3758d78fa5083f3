"""The depositary: receives, examines, records and notifies, over a ledger store.

Every change goes through the store's single writer (`LedgerStore.append`): under its lock
the depositary catches up with entries other processes appended, examines what it
received against the log as it stands, computes the notification, and hands the store the
entries and the Merkle nodes they complete; the store commits them durably before
`deposit` returns a `Receipt` (the entry's index, its inclusion proof, and a checkpoint of
the log signed by the depositary's key). Times of receipt are arguments: the shell reads
the clock, not this module.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from ..record import collector_paused
from ..spec.model import Treaty
from .checkpoint import Checkpoint, sign_checkpoint
from .entries import (
    LeafEntry,
    b64,
    leaf_bytes,
    read_stored_leaf,
    signed_part,
    utc_text,
)
from .errors import LedgerError
from .examination import Examined, examine
from .keys import WITNESS_USE, PartyKey, PublicPartyKey
from .merkle import NodeReader, inclusion_proof, leaf_hash, nodes_for_append, root_hash
from .notes import Ed25519Verifier
from .notifications import notify
from .state import DEPOSITARY_PARTY, LogState
from .store import AppendBatch, LedgerReader, LedgerStore, NewEntry, Node

__all__ = ["DEPOSITARY_PARTY", "Depositary", "DepositaryError", "Receipt", "default_origin"]



class DepositaryError(LedgerError):
    """A ledger that does not belong to this treaty, or a request the depositary refuses
    before anything is received (e.g. a key that is not the depositary's)."""


def default_origin(treaty: Treaty) -> str:
    """The log's origin line in its checkpoints."""
    return f"treatyline/{treaty.id}"


@dataclass(frozen=True, slots=True)
class Receipt:
    """What the depositary returns for an entry appended: where it is and the proof."""

    index: int
    accepted: bool
    reasons: tuple[str, ...]
    leaf_hash: bytes
    tree_size: int
    inclusion: tuple[bytes, ...]
    checkpoint: bytes
    notification: dict[str, Any] | None

    def to_json(self) -> dict[str, Any]:
        return {"index": self.index, "accepted": self.accepted, "reasons": list(self.reasons),
                "leaf_hash": b64(self.leaf_hash), "tree_size": self.tree_size,
                "inclusion_proof": [b64(h) for h in self.inclusion],
                "checkpoint": self.checkpoint.decode("utf-8"),
                "notification": self.notification}


class Depositary:
    """The depositary of one treaty over one ledger store."""

    def __init__(self, store: LedgerStore, treaty: Treaty, treaty_sha256: str) -> None:
        self.store, self.treaty, self.treaty_sha256 = store, treaty, treaty_sha256
        self.state = LogState(treaty)
        self._edge: dict[tuple[int, int], bytes] = {}
        """The right edge of the tree (see `_edge_positions`) after the last append..."""
        self._edge_size = -1
        """...by this depositary, of that many leaves (another writer's append changes it)."""
        self._signer_checked: tuple[PartyKey, Ed25519Verifier] | None = None
        """The last signer found to hold the depositary's key (see `_check_signer`)."""

    # -- opening -----------------------------------------------------------------

    @classmethod
    def create(cls, store: LedgerStore, treaty: Treaty, treaty_sha256: str,
               depositary_key: PartyKey, received: datetime,
               origin: str | None = None) -> Depositary:
        """A new ledger: its genesis entry names the treaty, the origin and the key."""
        depositary = cls(store, treaty, treaty_sha256)
        public = depositary_key.public()
        document: dict[str, Any] = {
            "type": "genesis", "treaty": treaty.id, "treaty_sha256": treaty_sha256,
            "origin": origin or default_origin(treaty), "depositary_name": public.name,
            "depositary_key": b64(public.public_key)}
        document["signature"] = b64(depositary_key.sign(signed_part(document)))

        if store.size():
            raise DepositaryError(f"{store.location}: the ledger has entries already")
        depositary._append([lambda: Examined(document, True)], received, depositary_key)
        return depositary

    @classmethod
    def open(cls, store: LedgerStore, treaty: Treaty, treaty_sha256: str) -> Depositary:
        """The depositary of an existing ledger, its state read from the log."""
        depositary = cls(store, treaty, treaty_sha256)
        depositary.refresh()
        if depositary.state.size == 0:
            raise DepositaryError(f"{store.location}: the ledger is empty (no genesis entry); "
                                  "create it with 'treatyline ledger init'")
        return depositary

    def refresh(self, reader: LedgerReader | None = None, size: int | None = None) -> None:
        """Read the entries appended since the state was last brought up to date."""
        size = self.store.size() if size is None else size
        leaves: Iterator[tuple[int, bytes]]
        if reader is None:
            leaves = self.store.iter_leaves(self.state.size)
        else:
            leaves = ((i, reader.entry(i).payload) for i in range(self.state.size, size))
        apply = self.state.apply
        with collector_paused():  # tens of thousands of new objects, none in a cycle
            for index, payload in leaves:
                if index >= size:
                    break
                apply(read_stored_leaf(payload, index), index)
                if index == 0:
                    self._check_genesis()

    def _check_genesis(self) -> None:
        if self.state.treaty_sha256 != self.treaty_sha256:
            raise DepositaryError(
                f"{self.store.location}: this ledger was made for another version of the "
                f"treaty's spec (SHA-256 {self.state.treaty_sha256}, the spec given has "
                f"{self.treaty_sha256})")

    # -- receiving ---------------------------------------------------------------

    def deposit(self, data: bytes, received: datetime, signer: PartyKey) -> Receipt:
        """Receive an instrument: examine it, append it (accepted or rejected), and return
        the receipt. `signer` is the depositary's key (for the checkpoint)."""
        return self.deposit_many([data], received, signer)[0]

    def deposit_many(self, items: Sequence[bytes], received: datetime,
                     signer: PartyKey) -> list[Receipt]:
        """Several instruments in one durable commit (group commit), examined in order."""
        return self._append([self._examiner(data, received) for data in items], received,
                            signer)

    def _examiner(self, data: bytes, received: datetime) -> Callable[[], Examined]:
        # reads self.state when called: under the writer lock, after catching up
        return lambda: examine(self.state, data, received)

    def register_key(self, key: PublicPartyKey, valid_from: date, full_powers: str,
                     received: datetime, signer: PartyKey) -> Receipt:
        """Make `key` valid for its party from `valid_from` (signed by the depositary):
        a party key to sign its instruments, or, by its use, a witness key to cosign."""
        document: dict[str, Any] = {
            "type": "key_registration", "party": key.party, "name": key.name,
            "public_key": b64(key.public_key), "valid_from": valid_from.isoformat(),
            "full_powers": full_powers}
        if key.use == WITNESS_USE:
            # A member, not an entry type of its own: revocation, the key's bookkeeping and
            # every reader of registrations stay as they are, and a party key's registration
            # is written (and signed) byte for byte as before, so old ledgers read the same.
            document["use"] = WITNESS_USE
        return self._own(document, received, signer)

    def revoke_key(self, key_id: int, revoked_from: date, reason: str, received: datetime,
                   signer: PartyKey) -> Receipt:
        """End a key's power to act for its party from `revoked_from`."""
        document: dict[str, Any] = {
            "type": "key_revocation", "key_id": f"{key_id:08x}",
            "revoked_from": revoked_from.isoformat(), "reason": reason}
        return self._own(document, received, signer)

    def _own(self, document: dict[str, Any], received: datetime,
             signer: PartyKey) -> Receipt:
        self._check_signer(signer)
        document["signature"] = b64(signer.sign(signed_part(document)))

        def own() -> Examined:
            problem = self._key_event_problem(document)
            return Examined(document, True) if problem is None else Examined(
                {"type": "rejected", "received_data": {"document": document},
                 "reasons": [problem]}, False, (problem,))

        return self._append([own], received, signer)[0]

    def _key_event_problem(self, document: dict[str, Any]) -> str | None:
        state = self.state
        if document["type"] == "key_registration":
            for key in state.keys_of(str(document["party"])):
                if b64(key.public_key) == document["public_key"]:
                    return f"the key is registered already (entry {key.registered_at})"
            return None
        key_id = int(str(document["key_id"]), 16)
        found = state.keys.get(key_id)
        if found is None:
            return f"no key {document['key_id']} is registered in this ledger"
        if found.revoked_from is not None:
            return f"the key {found.name} is revoked already (entry {found.revoked_at})"
        return None

    def _check_signer(self, signer: PartyKey) -> None:
        verifier, checked = self.state.depositary, self._signer_checked
        if verifier is None or (checked is not None and checked[0] is signer
                                and checked[1] is verifier):
            return
        if signer.public().public_key != verifier.public_key:
            raise DepositaryError(f"the key {signer.name} is not this ledger's depositary key "
                                  f"({verifier.name}+{verifier.key_id:08x})")
        self._signer_checked = (signer, verifier)

    # -- the one writer ----------------------------------------------------------

    def _append(self, makers: Sequence[Callable[[], Examined]], received: datetime,
                signer: PartyKey) -> list[Receipt]:
        """Append what each maker examines, in order, in one durable commit. Each is
        examined against the log with the ones before it (a batch may hold a signature and
        the ratification that needs it): the state takes each entry in as it is made, and
        is read again from the store if the commit fails.

        The Merkle work is done in the same transaction, from the nodes of the tree's right
        edge kept from the append before (none read when no other writer came between):
        the nodes the entries complete, the new root (the checkpoint's) and each entry's
        inclusion proof. The receipts are returned only once the entries are committed."""
        self._check_signer(signer)
        results: list[tuple[Examined, dict[str, Any] | None]] = []
        tree: dict[str, Any] = {}

        def build(size: int, reader: LedgerReader) -> AppendBatch:
            self.refresh(reader, size)
            self._check_signer(signer)  # against the log as it stands: before any entry
            results.clear()
            entries = []
            # the time of receipt as the log reads it back (UTC, to the microsecond)
            received_utc = datetime.fromisoformat(utc_text(received))
            for offset, make in enumerate(makers):
                index = size + offset
                before = self.state.record
                found = make()
                entry = NewEntry(payload=leaf_bytes(found.document, received,
                                                    plain=found.plain), received=received,
                                 kind=str(found.document["type"]), party=found.party,
                                 accepted=found.accepted).at(index)
                if found.act is not None and found.record is not None:
                    # the state takes in the examined act and its record (evaluated already)
                    self.state.apply(LeafEntry(found.document, "instrument", received_utc,
                                               found.plain), index,
                                     statement_sha256=found.statement_sha256,
                                     examined=(found.act, found.record))
                else:
                    self.state.apply(read_stored_leaf(entry.payload, index), index)
                if index == 0:
                    self._check_genesis()
                note: dict[str, Any] | None = None
                if found.act is not None:  # the notification: what the act changes
                    note = notify(self.treaty, before, self.state.record, found.act,
                                  sequence=index, received=received.date()).to_json()
                    entry = replace(entry, notification=json.dumps(note, ensure_ascii=False))
                results.append((found, note))
                entries.append(entry)
            hashes = [leaf_hash(e.payload) for e in entries]
            known = _KnownNodes(reader, self._edge if self._edge_size == size else {})
            created = nodes_for_append(size, hashes, known)
            known.nodes.update(((level, i), h) for level, i, h in created)
            end = size + len(entries)
            tree["hashes"], tree["root"] = hashes, root_hash(end, known)
            tree["proofs"] = [tuple(inclusion_proof(e.index, end, known)) for e in entries]
            tree["edge"] = {at: known.node(*at) for at in _edge_positions(end)}
            return AppendBatch(entries, [Node(level, i, h) for level, i, h in created])

        try:
            # the collector paused: at 20,000 entries each deposit makes two containers of
            # 20,000 references (the record's acts, the acts its evaluation counts), which
            # the collector would otherwise walk while young, with every act besides in its
            # full collections: a quarter of a batch's time (see `collector_paused`)
            with collector_paused():
                batch = self.store.append(build)
        except BaseException:
            self.state = LogState(self.treaty)  # it may hold entries that were not committed
            self._edge, self._edge_size = {}, -1
            raise
        size = batch.entries[-1].index + 1
        self._edge, self._edge_size = tree["edge"], size
        checkpoint = self._signed_checkpoint(signer, size, tree["root"])
        return [Receipt(e.index, found.accepted, found.reasons, hash_, size, proof, checkpoint,
                        note)
                for e, (found, note), hash_, proof in zip(
                    batch.entries, results, tree["hashes"], tree["proofs"], strict=True)]

    def checkpoint(self, signer: PartyKey, size: int | None = None) -> bytes:
        """A checkpoint of the log at `size` (default: now), signed and stored."""
        self._check_signer(signer)
        size = self.store.size() if size is None else size
        stored = self.store.checkpoint(size)
        if stored is not None:
            return stored.note.encode("utf-8")
        return self._signed_checkpoint(signer, size, root_hash(size, self.store))

    def _signed_checkpoint(self, signer: PartyKey, size: int, root: bytes) -> bytes:
        """Sign and store the checkpoint of the log at `size` whose root is `root` (checked
        to be the depositary's key by the caller). Should another process have stored it
        first, it stored the same note: Ed25519 signatures are deterministic."""
        origin = self.state.origin or default_origin(self.treaty)
        note = sign_checkpoint(Checkpoint(origin, size, root), signer.signer())
        self.store.add_checkpoint(size, root, note.decode("utf-8"))
        return note


class _KnownNodes:
    """The tree as `_append`'s build function reads it: the nodes known in memory (the
    right edge kept from the append before, the nodes this append creates), then, for any
    other, the store inside the write transaction."""

    def __init__(self, reader: NodeReader, known: dict[tuple[int, int], bytes]) -> None:
        self.reader, self.nodes = reader, dict(known)

    def node(self, level: int, index: int) -> bytes:
        found = self.nodes.get((level, index))
        if found is None:
            found = self.nodes[(level, index)] = self.reader.node(level, index)
        return found


def _edge_positions(size: int) -> list[tuple[int, int]]:
    """(level, index) of the complete subtrees that cover a tree of `size` leaves, largest
    first: its right edge, all an append reads (RFC 9162's decomposition)."""
    positions, start = [], 0
    for level in range(size.bit_length() - 1, -1, -1):
        if size >> level & 1:
            positions.append((level, start >> level))
            start += 1 << level
    return positions
