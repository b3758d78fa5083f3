"""Verifying a ledger: everything recomputed from the leaves, the first bad entry named.

`verify_store(store)` reads a ledger once, in order, and checks what a party that trusts
nothing but the depositary's key in the genesis can check:

- the entries' indices run from 0 without a gap; each leaf is an entry in canonical form
  of a known type; entry 0, and only it, is the genesis (naming the treaty, when given);
- the documents the depositary made (the genesis, self-signed; key registrations and
  revocations) carry its signature; a rejected entry keeps what was received with its
  size and SHA-256 (or, for a refused key event, the event as the depositary signed it)
  and its reasons;
- every accepted instrument is signed by a key registered for its party and valid on its
  day of receipt (or by the depositary's key, for an act of no party), for this treaty,
  and was not accepted before (a replay);
- the store's columns (kind, party, accepted, time of receipt) say what the leaf says;
- every stored Merkle node is the hash recomputed from the leaves;
- every stored checkpoint is signed by the depositary's key, has the log's origin, and its
  root is the root recomputed at its size. Successive checkpoints are then consistent with
  each other without a consistency proof: their roots are all recomputed from the same
  leaves, so a checkpoint is consistent with every earlier one exactly when it verifies;
- every witness's cosignature on a checkpoint verifies with the witness's key when the
  log registers that key, a witness key valid when it cosigned (or, in a ledger from
  before witness keys, a party key: see `CosignatureCheck`), and is counted as
  unverifiable otherwise: a witness need not be a party.

The notification column is the depositary's commentary, outside the leaf and unsigned:
it is not verified. `LogVerifier` is the core that `bundle_file` shares: fed the entries
and then the checkpoints, from a store or from a bundle file.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from types import TracebackType
from typing import Any, Self

from ..spec.model import Treaty
from . import signature_checks
from .checkpoint import Checkpoint, open_checkpoint
from .cosignature import CosignatureVerifier, cosignature_time
from .entries import EntryError, LeafEntry, from_b64, leaf_statement, read_leaf, signed_part
from .errors import LedgerError
from .examination import acting_party, party_of_received
from .merkle import MemoryNodes, leaf_hash, nodes_for_append, root_hash
from .notes import Ed25519Verifier, Signature, parse_note
from .state import KeyRecord, LogKeys
from .store import LedgerStore, StoredCheckpoint, StoredCosignature, StoredEntry

__all__ = ["CosignatureCheck", "LedgerVerifyError", "LogVerifier", "Progress", "Verified",
           "verify_store"]

Progress = Callable[[int, int], None]
"""Called with (entries verified, entries in all) as the verification goes on."""

_PAGE = 4096
"""Entries read per page: one query each for the entries, the nodes they complete, the
checkpoints and the cosignatures of the sizes they reach."""


class LedgerVerifyError(LedgerError):
    """A ledger that does not verify; the message names the first bad place, which the
    attributes give too: the entry's `index`, the `checkpoint_size`, a bundle's `line`."""

    def __init__(self, message: str, *, index: int | None = None,
                 checkpoint_size: int | None = None, line: int | None = None) -> None:
        super().__init__(message)
        self.index = index
        self.checkpoint_size = checkpoint_size
        self.line = line


@dataclass(frozen=True, slots=True)
class Verified:
    """What a verified ledger holds."""

    size: int
    root_hash: bytes
    treaty_id: str
    origin: str
    instruments_accepted: int
    rejected: int
    key_registrations: int
    key_revocations: int
    checkpoints: int
    cosignatures: int
    """Cosignatures verified with a witness key the log registers."""
    cosignatures_unverifiable: int
    """Cosignatures by witnesses whose keys the log does not register, or by a witness key
    outside the days it was valid."""
    latest_checkpoint: Checkpoint | None

    def to_json(self) -> dict[str, Any]:
        latest = self.latest_checkpoint
        return {"size": self.size, "root_hash": self.root_hash.hex(),
                "treaty": self.treaty_id, "origin": self.origin,
                "instruments_accepted": self.instruments_accepted, "rejected": self.rejected,
                "key_registrations": self.key_registrations,
                "key_revocations": self.key_revocations, "checkpoints": self.checkpoints,
                "cosignatures": self.cosignatures,
                "cosignatures_unverifiable": self.cosignatures_unverifiable,
                "latest_checkpoint": None if latest is None else latest.to_text()}


@dataclass(frozen=True, slots=True)
class _PendingCosignature:
    cosignature: StoredCosignature
    checkpoint_text: str
    line: int | None


class LogVerifier:
    """Checks a log fed in order: `add_entry` for each entry, then `add_checkpoint` (any
    time after the entries it covers) and `add_cosignature`, then `finish`.

    With `check_signatures_in_parallel`, the entries' signatures are checked by worker
    processes while the walk goes on: an error of the walk must then go through
    `earliest`, which names a bad signature of an earlier entry instead, if there is one.
    Use it as a context manager (closing stops the workers)."""

    def __init__(self, treaty: Treaty | None = None) -> None:
        self.treaty_id = None if treaty is None else treaty.id
        self.keys = LogKeys()
        self.tree = MemoryNodes()
        self.counts = dict.fromkeys(("instrument", "rejected", "key_registration",
                                     "key_revocation", "checkpoint"), 0)
        self.latest: Checkpoint | None = None
        self._cosignatures: list[_PendingCosignature] = []
        self._statement_sha256: bytes | None = None
        """The digest of the instrument just checked (hashed once, for replays)."""
        self._line: int | None = None
        """The bundle line of the entry being checked."""
        self._deferred: signature_checks.DeferredSignatures | None = None

    def check_signatures_in_parallel(self, jobs: int | None, signatures: int) -> None:
        """Check the entries' signatures with `jobs` workers (None: one per core) if there
        are enough of them (about `signatures`) to repay starting the workers."""
        jobs = signature_checks.available_cores() if jobs is None else jobs
        if jobs < 1:
            raise ValueError(f"verifying needs at least one job, not {jobs}")
        if (jobs > 1 and signatures >= signature_checks.PARALLEL_THRESHOLD
                and self._deferred is None):
            self._deferred = signature_checks.DeferredSignatures(jobs)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        if self._deferred is not None:
            self._deferred.close()

    def earliest(self, error: LedgerVerifyError) -> LedgerVerifyError:
        """The error to report for `error`, raised by the walk: the failing signature of
        an earlier entry (the first), if a deferred check finds one, else `error`."""
        if self._deferred is None:
            return error
        # An entry's signature is checked before anything else can fail at that entry, so a
        # failing signature of the entry named is the error a check in order would raise.
        failure = self._deferred.first_failure(
            through=error.index if error.index is not None else self.size - 1)
        if failure is None:
            return error
        return _entry_error(failure.index, failure.line, failure.problem)

    def _raise_signature_failure(self) -> None:
        """Raise for the first bad signature of the entries fed so far, if there is one."""
        assert self._deferred is not None
        failure = self._deferred.first_failure()
        if failure is not None:
            raise _entry_error(failure.index, failure.line, failure.problem)

    @property
    def size(self) -> int:
        return self.keys.size

    # -- entries --------------------------------------------------------------------

    def add_entry(self, stored: StoredEntry, *, line: int | None = None,
                  stored_nodes: dict[tuple[int, int], bytes] | None = None) -> None:
        """Check the next entry; `stored_nodes` holds the store's nodes it completes."""
        index = self.keys.size
        self._line = line

        def fail(problem: str) -> LedgerVerifyError:
            return _entry_error(index, line, problem)

        if stored.index != index:
            raise fail(f"missing: the next entry stored has index {stored.index}")
        what = "entry"
        try:
            leaf = read_leaf(stored.payload, index)
            what = f"{leaf.type} entry"
            problem = self._document_problem(leaf, index) or _column_problem(stored, leaf)
            if problem is None:
                self.keys.apply(leaf, index, statement_sha256=self._statement_sha256)
        except EntryError as error:
            raise fail(error.diagnostics[0].message.removeprefix(f"entry {index}: ")) from None
        except (LedgerError, KeyError, ValueError, TypeError, AttributeError) as error:
            raise fail(f"a malformed {what} ({type(error).__name__}: {error})") from None
        if problem is not None:
            raise fail(problem)
        if self._deferred is not None and self._deferred.failed:  # no need to go on
            self._raise_signature_failure()
        self.counts[leaf.type] = self.counts.get(leaf.type, 0) + 1
        created = nodes_for_append(index, [leaf_hash(stored.payload)], self.tree)
        self.tree.store(created)
        if stored_nodes is not None:
            for level, node_index, hash_ in created:
                if stored_nodes.get((level, node_index)) != hash_:
                    state = "missing" if (level, node_index) not in stored_nodes else (
                        "not the hash of the leaves under it")
                    raise fail(f"the stored node at level {level}, index {node_index} is "
                               f"{state}")

    def _document_problem(self, leaf: LeafEntry, index: int) -> str | None:
        self._statement_sha256 = None
        document = leaf.document
        if index == 0:
            if leaf.type != "genesis":
                return "a ledger begins with its genesis entry"
            return self._genesis_problem(document)
        if leaf.type == "genesis":
            return "a second genesis entry"
        if leaf.type in ("key_registration", "key_revocation"):
            return self._depositary_signature_problem(document, leaf.type)
        if leaf.type == "rejected":
            return self._rejected_problem(document)
        return self._instrument_problem(leaf)

    def _genesis_problem(self, document: dict[str, Any]) -> str | None:
        if self.treaty_id is not None and document.get("treaty") != self.treaty_id:
            return (f"the ledger is for the treaty {document.get('treaty')!r}, not "
                    f"{self.treaty_id!r}")
        verifier = Ed25519Verifier(str(document["depositary_name"]),
                                   from_b64(document["depositary_key"], "the depositary's key"))
        signature = from_b64(document.get("signature"), "the genesis's signature")
        if not verifier.verify(signed_part(document), signature):
            return "the genesis is not signed by the depositary key it names"
        return None

    def _depositary_signature_problem(self, document: dict[str, Any], what: str) -> str | None:
        verifier = self.keys.depositary
        assert verifier is not None  # entry 0 was the genesis
        signature = from_b64(document.get("signature"), f"the {what}'s signature")
        return self._signature_problem(verifier, signed_part(document), signature,
                                       f"the {what} is not signed by the depositary's key")

    def _signature_problem(self, verifier: Ed25519Verifier, message: bytes, signature: bytes,
                           problem: str) -> str | None:
        """`problem` if the signature does not verify; when signatures are checked in
        parallel, None, the check deferred."""
        if self._deferred is not None:
            self._deferred.add(self.keys.size, verifier.public_key, message, signature,
                               problem, self._line)
            return None
        return None if verifier.verify(message, signature) else problem

    def _rejected_problem(self, document: dict[str, Any]) -> str | None:
        kept, reasons = document.get("received_data"), document.get("reasons")
        if (not isinstance(reasons, list) or not reasons
                or not all(isinstance(r, str) for r in reasons)):
            return "a rejected entry gives its reasons (a list of texts)"
        if not isinstance(kept, dict):
            return "a rejected entry keeps what was received (received_data)"
        if "document" in kept:  # a key event the depositary signed, then refused
            event = kept["document"]
            if not isinstance(event, dict) or event.get("type") not in (
                    "key_registration", "key_revocation"):
                return "a rejected key event keeps the event (a key registration or revocation)"
            return self._depositary_signature_problem(event, f"refused {event['type']}")
        size, digest = kept.get("size"), kept.get("sha256")
        if not isinstance(size, int) or not isinstance(digest, str):
            return "a rejected entry keeps the size and SHA-256 of what was received"
        if "bytes" in kept:
            data = from_b64(kept["bytes"], "the bytes received")
            if len(data) != size or hashlib.sha256(data).hexdigest() != digest:
                return "the bytes kept are not those received (their size or SHA-256 differs)"
        return None

    def _instrument_problem(self, leaf: LeafEntry) -> str | None:
        document, keys = leaf.document, self.keys
        if document.get("treaty") != keys.treaty_id:
            return f"an instrument for the treaty {document.get('treaty')!r}, not this ledger's"
        key_text = str(document.get("key_id"))
        party = acting_party(document)
        depositary = keys.depositary
        assert depositary is not None  # entry 0 was the genesis
        key: KeyRecord | None
        if key_text == f"{depositary.key_id:08x}" and party is None:
            key = keys.depositary_key()
        else:
            key = keys.keys.get(int(key_text, 16)) if len(key_text) == 8 else None
            if key is None:
                return f"signed with the key {key_text!r}, which the log does not register"
            if key.party != party:
                return f"signed with a key of {key.party} ({key.name}), but the act is {party}'s"
            if key.is_witness_key:
                return (f"signed with the key {key.name} ({key_text}), registered as a witness "
                        f"key (entry {key.registered_at}), which never signs an instrument")
        if not key.valid_on(leaf.received_day):
            return f"the key {key.name} ({key_text}) could not act on {leaf.received_day}"
        signature = from_b64(document.get("signature"), "the instrument's signature")
        statement = leaf_statement(leaf)
        problem = self._signature_problem(
            key.verifier, statement, signature,
            f"the signature does not verify with the key {key.name} ({key_text})")
        if problem is not None:
            return problem
        self._statement_sha256 = hashlib.sha256(statement).digest()
        replayed = keys.statements.get(self._statement_sha256)
        if replayed is not None:
            return f"a replay of entry {replayed}"
        return None

    # -- checkpoints and cosignatures -------------------------------------------------

    def add_checkpoint(self, size: int, note: str, *, stored_root: bytes | None = None,
                       line: int | None = None) -> Checkpoint:
        """Check a signed checkpoint of the log at `size` (at most the entries fed)."""
        where = f"line {line}, checkpoint of size {size}" if line is not None else (
            f"checkpoint of size {size}")

        def fail(problem: str) -> LedgerVerifyError:
            return LedgerVerifyError(f"{where}: {problem}", checkpoint_size=size, line=line)

        verifier = self.keys.depositary
        if verifier is None:
            raise fail("a checkpoint of a log without its genesis entry")
        try:
            head = open_checkpoint(note.encode("utf-8"), verifier).checkpoint
        except LedgerError as error:
            raise fail(error.diagnostics[0].message) from None
        if head.size != size:
            raise fail(f"the note is a checkpoint of size {head.size}")
        if head.origin != self.keys.origin:
            raise fail(f"the origin {head.origin!r} is not the log's ({self.keys.origin!r})")
        if size > self.size:
            raise fail(f"the log has only {self.size} entries")
        if head.root_hash != root_hash(size, self.tree):
            raise fail("the root hash is not the root of the log's first "
                       f"{size} entries (another log, or an altered one)")
        if stored_root is not None and stored_root != head.root_hash:
            raise fail("the stored root differs from the signed note's")
        self.counts["checkpoint"] += 1
        if self.latest is None or size >= self.latest.size:
            self.latest = head
        return head

    def add_cosignature(self, cosignature: StoredCosignature, checkpoint_note: str, *,
                        line: int | None = None) -> None:
        """A witness's cosignature on a checkpoint already added; it is checked at
        `finish`, against every key the log registers by then."""
        self._cosignatures.append(_PendingCosignature(cosignature, checkpoint_note, line))

    def finish(self) -> Verified:
        """The verified ledger, once every cosignature is checked."""
        if self.size == 0:
            raise LedgerVerifyError("the ledger is empty: it has no genesis entry", index=0)
        if self._deferred is not None:  # every entry, before the witnesses
            self._raise_signature_failure()
        witnesses = CosignatureCheck(self.keys)
        verified = sum(witnesses.check(pending.cosignature, pending.checkpoint_text,
                                       pending.line) for pending in self._cosignatures)
        assert self.keys.treaty_id is not None and self.keys.origin is not None
        return Verified(
            self.size, root_hash(self.size, self.tree), self.keys.treaty_id, self.keys.origin,
            self.counts["instrument"], self.counts["rejected"],
            self.counts["key_registration"], self.counts["key_revocation"],
            self.counts["checkpoint"], verified, len(self._cosignatures) - verified,
            self.latest)


class CosignatureCheck:
    """Witnesses' keys as the log knows them. A cosignature line names its key by name and
    cosignature/v1 key ID (the hash of the name, the type 0x04 and the public key), so the
    witness is identified by matching both against the registered keys. Then:

    - a cosignature that does not verify with the registered key it names is an error;
    - a witness key (registered with `"use": "witness"`) vouches for the cosignatures it
      made (by the cosignature's own time) on the days it was valid; one made before its
      `valid_from` or from its revocation on is not the log's witness speaking: counted
      as unverifiable, like a witness the log does not know, not an error (the log and
      its checkpoints are not at fault for what a witness does with a revoked key);
    - a party key (a registration without `use`) cosigned before witness keys existed, and
      such cosignatures verify as they always did; but once the log registers a witness key
      for the party, valid from a day, the party's cosignatures with a party key made from
      that day on are errors: one key per kind of signature (C2SP)."""

    def __init__(self, keys: LogKeys) -> None:
        self._known = {(verifier.name, verifier.key_id): (verifier, key) for verifier, key in (
            (CosignatureVerifier(key.name, key.public_key), key) for key in keys.keys.values())}
        self._first_witness_key: dict[str, KeyRecord] = {}
        """Per party, its witness key valid from the earliest day."""
        for key in keys.keys.values():
            first = self._first_witness_key.get(key.party)
            if key.is_witness_key and (first is None or key.valid_from < first.valid_from):
                self._first_witness_key[key.party] = key

    def check(self, cosignature: StoredCosignature, checkpoint_note: str,
              line: int | None = None) -> bool:
        """Whether the cosignature verified (False: its witness's key is unknown, or was
        not valid when it cosigned); an error when it is malformed, does not verify with
        the key it names, or is a party key's where a witness key is due."""
        size = cosignature.checkpoint_size
        where = f"line {line}, " if line is not None else ""
        where += f"checkpoint of size {size}, cosignature of {cosignature.witness}"

        def fail(problem: str) -> LedgerVerifyError:
            return LedgerVerifyError(f"{where}: {problem}", checkpoint_size=size, line=line)

        try:
            note = parse_note(checkpoint_note.rstrip("\n") + "\n"
                              + cosignature.line.rstrip("\n") + "\n")
        except LedgerError as error:
            raise fail(error.diagnostics[0].message) from None
        signature = note.signatures[-1]
        if signature.name != cosignature.witness:
            raise fail(f"the line is signed by {signature.name}")
        known = self._known.get((signature.name, signature.key_id))
        if known is None:
            return False
        verifier, key = known
        if not verifier.verify(note.text.encode("utf-8"), signature.signature):
            raise fail("the cosignature does not verify with the witness's registered key "
                       f"{key.name} of {key.party} (entry {key.registered_at})")
        day = _cosigned_on(signature)
        if key.is_witness_key:
            return key.valid_on(day)
        witness_key = self._first_witness_key.get(key.party)
        if witness_key is not None and day >= witness_key.valid_from:
            raise fail(f"cosigned on {day} with {key.name}, a party key of {key.party}: from "
                       f"{witness_key.valid_from} {key.party} cosigns with its witness key "
                       f"{witness_key.name} (entry {witness_key.registered_at})")
        return True


def _cosigned_on(signature: Signature) -> date:
    """The day (UTC) a verified cosignature says it was made; a time beyond the calendar
    (a cosignature/v1 time may reach 2**63 - 1 seconds) is after every key's validity."""
    try:
        return datetime.fromtimestamp(cosignature_time(signature), UTC).date()
    except (OverflowError, ValueError, OSError):
        return date.max


def _entry_error(index: int, line: int | None, problem: str) -> LedgerVerifyError:
    where = f"line {line}, entry {index}" if line is not None else f"entry {index}"
    return LedgerVerifyError(f"{where}: {problem}", index=index, line=line)


def _column_problem(stored: StoredEntry, leaf: LeafEntry) -> str | None:
    """What the store's columns say that the leaf does not."""
    if stored.kind != leaf.type:
        return f"the stored kind {stored.kind!r} is not the leaf's ({leaf.type})"
    if stored.accepted != (leaf.type != "rejected"):
        return (f"stored as {'accepted' if stored.accepted else 'rejected'}, but the leaf "
                f"is {'a rejection' if leaf.type == 'rejected' else 'accepted'}")
    if stored.received != leaf.received:
        return f"stored as received at {stored.received}, the leaf says {leaf.received}"
    party = _party_of(leaf)
    if stored.party != party:
        return f"the stored party {stored.party!r} is not the leaf's ({party!r})"
    return None


def _party_of(leaf: LeafEntry) -> str | None:
    """The party column the depositary writes for a leaf (see `examination`)."""
    if leaf.type == "instrument":
        return acting_party(leaf.document)
    if leaf.type == "rejected":
        kept = leaf.document["received_data"]
        if "bytes" in kept:
            return party_of_received(from_b64(kept["bytes"], "the bytes received"))
    return None


def verify_store(store: LedgerStore, treaty: Treaty | None = None, *,
                 progress: Progress | None = None, jobs: int | None = None) -> Verified:
    """Verify a ledger in a store (see the module's docstring); `LedgerVerifyError`
    names the first bad entry or checkpoint. `jobs`: the processes that check signatures
    (None: one per core; 1: all in this process)."""
    total = store.size()
    with LogVerifier(treaty) as verifier:
        verifier.check_signatures_in_parallel(jobs, total)
        try:
            _walk_store(store, verifier, total, progress)
            latest = store.latest_checkpoint()
            if latest is not None and latest.size > total:  # the log lost entries at its end
                verifier.add_checkpoint(latest.size, latest.note, stored_root=latest.root)
            return verifier.finish()
        except LedgerVerifyError as error:
            raise verifier.earliest(error) from None


def _walk_store(store: LedgerStore, verifier: LogVerifier, total: int,
                progress: Progress | None) -> None:
    """Feed the store's entries, and the checkpoints of each size they reach, a page at a
    time (the store is read a few queries per page, never per entry)."""
    start = 0
    while start < total:
        stop = min(start + _PAGE, total)
        page = store.entries(start, stop)
        stored_nodes = {(node.level, node.index): node.hash
                        for node in store.completed_nodes(start, stop)}
        # A checkpoint of size n is checked once the log has n entries: sizes start+1..stop.
        checkpoints = {head.size: head for head in store.checkpoint_range(start + 1, stop + 1)}
        cosignatures = _by_checkpoint(store.cosignature_range(start + 1, stop + 1)
                                      if checkpoints else [])
        for stored in page:
            verifier.add_entry(stored, stored_nodes=stored_nodes)
            head = checkpoints.get(verifier.size)
            if head is not None:
                _add_checkpoint(verifier, head, cosignatures.get(head.size, []))
        if not page:  # a gap of a whole page below the last entry
            raise LedgerVerifyError(f"entry {start}: missing", index=start)
        start = stop
        if progress is not None:
            progress(start, total)


def _by_checkpoint(cosignatures: list[StoredCosignature]) -> dict[int, list[StoredCosignature]]:
    grouped: defaultdict[int, list[StoredCosignature]] = defaultdict(list)
    for cosignature in cosignatures:
        grouped[cosignature.checkpoint_size].append(cosignature)
    return grouped


def _add_checkpoint(verifier: LogVerifier, head: StoredCheckpoint,
                    cosignatures: list[StoredCosignature]) -> None:
    verifier.add_checkpoint(head.size, head.note, stored_root=head.root)
    for cosignature in cosignatures:
        verifier.add_cosignature(cosignature, head.note)
