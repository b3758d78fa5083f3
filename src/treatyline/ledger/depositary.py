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
from .entries import b64, leaf_bytes, read_stored_leaf, signed_part
from .errors import LedgerError
from .examination import Examined, examine
from .keys import WITNESS_USE, PartyKey, PublicPartyKey
from .merkle import leaf_hash, nodes_for_append, root_hash
from .notifications import notify
from .proofs import inclusion_proof_from
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
        verifier = self.state.depositary
        if verifier is not None and signer.public().public_key != verifier.public_key:
            raise DepositaryError(f"the key {signer.name} is not this ledger's depositary key "
                                  f"({verifier.name}+{verifier.key_id:08x})")

    # -- the one writer ----------------------------------------------------------

    def _append(self, makers: Sequence[Callable[[], Examined]], received: datetime,
                signer: PartyKey) -> list[Receipt]:
        """Append what each maker examines, in order, in one durable commit. Each is
        examined against the log with the ones before it (a batch may hold a signature and
        the ratification that needs it): the state takes each entry in as it is made, and
        is read again from the store if the commit fails."""
        results: list[Examined] = []

        def build(size: int, reader: LedgerReader) -> AppendBatch:
            self.refresh(reader, size)
            results.clear()
            entries = []
            for offset, make in enumerate(makers):
                index = size + offset
                before = self.state.record
                found = make()
                entry = NewEntry(payload=leaf_bytes(found.document, received),
                                 received=received, kind=str(found.document["type"]),
                                 party=found.party, accepted=found.accepted).at(index)
                examined = (found.act, found.record) if (
                    found.act is not None and found.record is not None) else None
                self.state.apply(read_stored_leaf(entry.payload, index), index, examined=examined)
                if index == 0:
                    self._check_genesis()
                if found.act is not None:  # the notification: what the act changes
                    note = notify(self.treaty, before, self.state.record, found.act,
                                  sequence=index, received=received.date())
                    entry = replace(entry, notification=json.dumps(
                        note.to_json(), ensure_ascii=False))
                results.append(found)
                entries.append(entry)
            hashes = [leaf_hash(e.payload) for e in entries]
            nodes = [Node(level, i, h) for level, i, h in nodes_for_append(size, hashes, reader)]
            return AppendBatch(entries, nodes)

        self._check_signer(signer)
        try:
            batch = self.store.append(build)
        except BaseException:
            self.state = LogState(self.treaty)  # it may hold entries that were not committed
            raise
        size = batch.entries[-1].index + 1
        note = self.checkpoint(signer, size)
        return [Receipt(e.index, found.accepted, found.reasons, leaf_hash(e.payload), size,
                        tuple(inclusion_proof_from(self.store, e.index, size)), note,
                        json.loads(e.notification) if e.notification else None)
                for e, found in zip(batch.entries, results, strict=True)]

    def checkpoint(self, signer: PartyKey, size: int | None = None) -> bytes:
        """A checkpoint of the log at `size` (default: now), signed and stored."""
        self._check_signer(signer)
        size = self.store.size() if size is None else size
        stored = self.store.checkpoint(size)
        if stored is not None:
            return stored.note.encode("utf-8")
        origin = self.state.origin or default_origin(self.treaty)
        head = Checkpoint(origin, size, root_hash(size, self.store))
        note = sign_checkpoint(head, signer.signer())
        self.store.add_checkpoint(size, head.root_hash, note.decode("utf-8"))
        return note
