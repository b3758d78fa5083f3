"""A ledger in one self-verifying file (a ``.tlbundle``), and the record it holds.

A bundle is JSON Lines, one object per line, in this order:

1. the header: ``{"bundle": {"format": "treatyline-ledger-bundle", "version": 1,
   "origin": ..., "treaty": ..., "size": N, "depositary_key": "name+keyid+base64"}}``;
2. N entries, ``{"entry": {"index", "leaf" (the leaf bytes in base64), "received",
   "kind", "party", "accepted", "notification"}}``, index 0 first;
3. the checkpoints, ``{"checkpoint": {"size", "note"}}`` (the signed note's text), each
   followed by its cosignatures, ``{"cosignature": {"witness", "line", "received"}}``.

`verify_bundle` checks it offline exactly as `verify.verify_store` checks a store (the
Merkle tree rebuilt in memory from the leaves, since a bundle carries no nodes), plus the
header: its size, origin, treaty and key must be the log's. A damaged line is named by
its line number and its entry's index. `bundle_record` reads the accepted acts of a
verified bundle; `record.load_record` reads a file ending in ``.tlbundle`` this way.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import IO, Any, Final

from ..record import Record
from ..spec.model import Treaty
from .entries import EntryError, b64, from_b64, read_leaf, utc_text
from .notes import Ed25519Verifier
from .state import LogState
from .store import LedgerStore, StoredCosignature, StoredEntry
from .verify import LedgerVerifyError, LogVerifier, Progress, Verified, verify_store

__all__ = ["BUNDLE_FORMAT", "BUNDLE_SUFFIX", "BUNDLE_VERSION", "bundle_record",
           "export_bundle", "export_record", "verify_bundle"]

BUNDLE_FORMAT: Final = "treatyline-ledger-bundle"
BUNDLE_VERSION: Final = 1
BUNDLE_SUFFIX: Final = ".tlbundle"


def export_bundle(store: LedgerStore, path: str | Path) -> int:
    """Write the ledger in `store`, verified first, to a bundle file; the entries written."""
    verified = verify_store(store)
    size = verified.size
    genesis = read_leaf(store.entry(0).payload, 0).document
    key = Ed25519Verifier(str(genesis["depositary_name"]),
                          from_b64(genesis["depositary_key"], "the depositary's key"))
    header = {"format": BUNDLE_FORMAT, "version": BUNDLE_VERSION, "origin": verified.origin,
              "treaty": verified.treaty_id, "size": size, "depositary_key": key.to_vkey()}
    with Path(path).open("w", encoding="utf-8", newline="\n") as out:
        _write(out, {"bundle": header})
        for stored in store.iter_entries():
            if stored.index >= size:
                break
            _write(out, {"entry": {
                "index": stored.index, "leaf": b64(stored.payload),
                "received": utc_text(stored.received), "kind": stored.kind,
                "party": stored.party, "accepted": stored.accepted,
                "notification": stored.notification}})
        cosignatures: dict[int, list[StoredCosignature]] = {}
        for cosignature in store.cosignature_range(1, size + 1):
            cosignatures.setdefault(cosignature.checkpoint_size, []).append(cosignature)
        for checkpoint in store.checkpoint_range(1, size + 1):
            _write(out, {"checkpoint": {"size": checkpoint.size, "note": checkpoint.note}})
            for cosignature in cosignatures.get(checkpoint.size, []):
                _write(out, {"cosignature": {"witness": cosignature.witness,
                                             "line": cosignature.line,
                                             "received": utc_text(cosignature.received)}})
    return size


def _write(out: IO[str], value: dict[str, Any]) -> None:
    out.write(json.dumps(value, ensure_ascii=False, separators=(",", ":")) + "\n")


def verify_bundle(path: str | Path, treaty: Treaty | None = None, *,
                  progress: Progress | None = None, jobs: int | None = None) -> Verified:
    """Verify a bundle file offline; `LedgerVerifyError` names the first bad line.
    `jobs`: the processes that check signatures (None: one per core; 1: this one)."""
    return _read_bundle(Path(path), treaty, progress, None, jobs)


def bundle_record(path: str | Path, treaty: Treaty, *, jobs: int | None = None) -> Record:
    """The accepted acts of a verified bundle, each recorded on its day of receipt."""
    state = LogState(treaty)
    _read_bundle(Path(path), treaty, None, state, jobs)
    return state.record


def export_record(store: LedgerStore, treaty: Treaty, path: str | Path) -> int:
    """Write the accepted acts of the verified ledger in `store` as a JSON Lines record
    (`recorded`: the day of receipt), which `record.load_record` reads; the acts written."""
    verify_store(store, treaty)
    written = 0
    with Path(path).open("w", encoding="utf-8", newline="\n") as out:
        _write(out, {"record": {"title": f"the depositary's record of {treaty.id}",
                                "note": f"accepted instruments of {store.location}"}})
        for stored in store.iter_entries():
            leaf = read_leaf(stored.payload, stored.index)
            if leaf.type == "instrument":
                act = dict(leaf.document["act"])
                _write(out, {**act, "recorded": leaf.received_day.isoformat()})
                written += 1
    return written


def _read_bundle(path: Path, treaty: Treaty | None, progress: Progress | None,
                 state: LogState | None, jobs: int | None) -> Verified:
    with LogVerifier(treaty) as verifier:
        try:
            return _check_bundle(path, verifier, progress, state, jobs)
        except LedgerVerifyError as error:
            raise verifier.earliest(error) from None


def _check_bundle(path: Path, verifier: LogVerifier, progress: Progress | None,
                  state: LogState | None, jobs: int | None) -> Verified:
    checkpoint: tuple[int, str] | None = None
    size = -1

    def next_entry() -> int | None:
        return verifier.size if 0 <= verifier.size < size and checkpoint is None else None

    lines = _lines(path, next_entry)
    header = _header(path, next(lines, None))
    size = header["size"]
    verifier.check_signatures_in_parallel(jobs, size)
    for number, value in lines:
        kind = next(iter(value))
        if kind == "entry":
            if checkpoint is not None:
                raise _line_error(number, "an entry after the checkpoints", verifier.size)
            if verifier.size >= size:
                raise _line_error(number, f"more entries than the header's {size}",
                                  verifier.size)
            stored = _entry(value["entry"], number, verifier.size)
            verifier.add_entry(stored, line=number)
            if state is not None:
                state.apply(read_leaf(stored.payload, stored.index), stored.index)
            if progress is not None and (verifier.size % 1000 == 0 or verifier.size == size):
                progress(verifier.size, size)
        elif kind == "checkpoint":
            _check_size(verifier, size, number)
            fields = _fields(value["checkpoint"], {"size": int, "note": str}, number)
            verifier.add_checkpoint(fields["size"], fields["note"], line=number)
            checkpoint = (fields["size"], fields["note"])
        elif kind == "cosignature" and checkpoint is not None:
            fields = _fields(value["cosignature"], {"witness": str, "line": str,
                                                    "received": str}, number)
            verifier.add_cosignature(StoredCosignature(
                checkpoint[0], fields["witness"], fields["line"],
                _time(fields["received"], number, None)), checkpoint[1], line=number)
        else:
            raise _line_error(number, f"a {kind!r} line where an entry, a checkpoint or its "
                              "cosignature is expected", None)
    _check_size(verifier, size, None)
    verified = verifier.finish()
    key = header["depositary_key"]
    if (verified.origin, verified.treaty_id) != (header["origin"], header["treaty"]) or (
            verifier.keys.depositary is None or verifier.keys.depositary.to_vkey() != key):
        raise LedgerVerifyError(f"{path.name}:1: the header's origin, treaty or depositary "
                                "key is not the log's", line=1)
    return verified


def _lines(path: Path, next_entry: Callable[[], int | None]
           ) -> Iterator[tuple[int, dict[str, Any]]]:
    """Each line's number and its object of one member (streamed: a bundle may be big);
    a damaged line is named with the entry it should hold (`next_entry`), if any."""
    try:
        with path.open("r", encoding="utf-8", newline="\n") as file:
            for number, raw in enumerate(file, start=1):
                try:
                    value = json.loads(raw)
                except ValueError as error:
                    raise _line_error(number, f"not a JSON line ({error})",
                                      next_entry()) from None
                except RecursionError:
                    raise _line_error(number, "not a bundle line: JSON nested too deeply",
                                      next_entry()) from None
                if not isinstance(value, dict) or len(value) != 1:
                    raise _line_error(number, "a bundle line is an object of one member",
                                      next_entry())
                yield number, value
    except OSError as error:
        raise LedgerVerifyError(f"{path}: cannot read the bundle ({error.strerror})") from None
    except UnicodeDecodeError:
        raise LedgerVerifyError(f"{path}: a bundle is UTF-8 text") from None


def _header(path: Path, first: tuple[int, dict[str, Any]] | None) -> dict[str, Any]:
    header = None if first is None else first[1].get("bundle")
    if not isinstance(header, dict) or header.get("format") != BUNDLE_FORMAT:
        raise LedgerVerifyError(f"{path.name}:1: not a treatyline ledger bundle (its first "
                                f"line names the format {BUNDLE_FORMAT!r})", line=1)
    if header.get("version") != BUNDLE_VERSION:
        raise LedgerVerifyError(f"{path.name}:1: bundle version {header.get('version')!r}; "
                                f"this treatyline reads version {BUNDLE_VERSION}", line=1)
    return _fields(header, {"format": str, "version": int, "origin": str, "treaty": str,
                            "size": int, "depositary_key": str}, 1)


def _fields(value: object, types: dict[str, type], number: int) -> dict[str, Any]:
    if not isinstance(value, dict) or set(value) != set(types) or not all(
            isinstance(value[name], kind) for name, kind in types.items()):
        raise _line_error(number, f"expected the fields {', '.join(types)} "
                          f"({', '.join(kind.__name__ for kind in types.values())})", None)
    return value


_ENTRY_FIELDS: Final[dict[str, type | tuple[type, ...]]] = {
    "index": int, "leaf": str, "received": str, "kind": str, "party": (str, type(None)),
    "accepted": bool, "notification": (str, type(None))}


def _entry(value: object, number: int, index: int) -> StoredEntry:
    if not isinstance(value, dict) or set(value) != set(_ENTRY_FIELDS) or not all(
            isinstance(value[name], kind) for name, kind in _ENTRY_FIELDS.items()):
        raise _line_error(number, f"an entry has the fields {', '.join(_ENTRY_FIELDS)}", index)
    try:
        payload = from_b64(value["leaf"], "the leaf")
    except EntryError:
        raise _line_error(number, "the leaf is not base64", index) from None
    return StoredEntry(index=value["index"], payload=payload,
                       received=_time(value["received"], number, index),
                       kind=value["kind"], party=value["party"], accepted=value["accepted"],
                       notification=value["notification"])


def _time(text: str, number: int, index: int | None) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise _line_error(number, f"{text!r} is not a UTC time", index)
    return moment


def _check_size(verifier: LogVerifier, size: int, number: int | None) -> None:
    if verifier.size != size:
        where = f"line {number}: " if number is not None else ""
        raise LedgerVerifyError(
            f"{where}the bundle holds {verifier.size} entries, its header says {size} "
            f"(entry {verifier.size} is missing: the file was cut short or edited)",
            index=verifier.size, line=number)


def _line_error(number: int, problem: str, index: int | None) -> LedgerVerifyError:
    entry = f", entry {index}" if index is not None else ""
    return LedgerVerifyError(f"line {number}{entry}: {problem}", index=index, line=number)
