"""A party witnessing a ledger: what it keeps between runs, and one round of cosigning.

The witness's state is a small JSON file, kept by the witness (not by the depositary):

    {"format": "treatyline-witness-state", "version": 1, "witness": "KEY NAME",
     "logs": {"ORIGIN": {"log_key": "NAME+KEYID+BASE64", "checkpoint": "NOTE TEXT"}}}

per log watched, the depositary's note verifier key and the last checkpoint it cosigned.
`cosign_latest` (with a witness's key, never a party's: one key per kind of signature)
takes the store's latest checkpoint, checks the depositary's signature and
its consistency with the last one cosigned (the consistency proof read from the store; a
stored checkpoint of the old size with another root is a proven split view), cosigns it,
stores the cosignature with the checkpoint and returns the new state. The first round
takes the log's key from the state, from the caller, or else from the ledger's genesis
entry (trust on first use), and pins it. Times are arguments.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final

from .checkpoint import Checkpoint, SignedCheckpoint, open_checkpoint
from .cosignature import Cosigner
from .entries import from_b64, read_leaf
from .errors import LedgerError, WitnessError
from .keys import WITNESS_USE, PartyKey
from .notes import Ed25519Verifier, parse_note
from .proofs import consistency_proof_from
from .store import LedgerStore
from .witness import Relation, SplitViewError, Witness, compare_checkpoints

__all__ = ["WITNESS_STATE_FORMAT", "Cosigned", "WitnessState", "cosign_latest"]

WITNESS_STATE_FORMAT: Final = "treatyline-witness-state"


@dataclass(frozen=True)
class WitnessState:
    """What a witness keeps: its key name and, per log origin, the log's key and the last
    checkpoint it cosigned."""

    witness: str
    log_keys: dict[str, str] = field(default_factory=dict)
    checkpoints: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"format": WITNESS_STATE_FORMAT, "version": 1, "witness": self.witness,
                "logs": {origin: {"log_key": key, "checkpoint": self.checkpoints.get(origin)}
                         for origin, key in sorted(self.log_keys.items())}}

    @classmethod
    def from_json_text(cls, text: str, source: str) -> WitnessState:
        """The state read from its file's text; WitnessError naming `source` otherwise."""
        try:
            value = json.loads(text)
        except json.JSONDecodeError as error:
            raise WitnessError(f"{source}:{error.lineno}:{error.colno}: not JSON "
                               f"({error.msg})") from None
        except RecursionError:
            raise WitnessError(f"{source}: not a witness state file (JSON nested too "
                               "deeply)") from None
        except ValueError as error:  # an integer beyond Python's 4300 digits
            raise WitnessError(f"{source}: not a witness state file ({error})") from None
        if not isinstance(value, dict) or value.get("format") != WITNESS_STATE_FORMAT:
            raise WitnessError(f"{source}: not a witness state file (\"format\": "
                               f"\"{WITNESS_STATE_FORMAT}\" expected)")
        logs = value.get("logs")
        if value.get("version") != 1 or not isinstance(value.get("witness"), str) or (
                not isinstance(logs, dict)):
            raise WitnessError(f"{source}: a witness state file of version 1 has "
                               "\"witness\" (text) and \"logs\" (an object)")
        keys: dict[str, str] = {}
        checkpoints: dict[str, str] = {}
        for origin, log in logs.items():
            if not isinstance(log, dict) or not isinstance(log.get("log_key"), str) or (
                    not isinstance(log.get("checkpoint"), str | None)):
                raise WitnessError(f"{source}: logs.{origin}: \"log_key\" (text) and "
                                   "\"checkpoint\" (text or null) expected")
            keys[origin] = log["log_key"]
            if log["checkpoint"] is not None:
                checkpoints[origin] = log["checkpoint"]
        return cls(value["witness"], keys, checkpoints)


@dataclass(frozen=True)
class Cosigned:
    """One round's outcome: the checkpoint cosigned, the one before it, the new state;
    `again` when this witness had cosigned that checkpoint already (nothing was added)."""

    origin: str
    size: int
    previous_size: int | None
    line: str
    note: str
    state: WitnessState
    again: bool = False


def cosign_latest(store: LedgerStore, key: PartyKey, state: WitnessState,
                  now: datetime, log_key: str | None = None) -> Cosigned:
    """Cosign the store's latest checkpoint (see the module's docstring); SplitViewError
    with both signed checkpoints when it cannot be shown consistent with the last one.
    The key must be a witness's (`Key-Use: witness`): a party's key signs instruments."""
    if key.use != WITNESS_USE:
        raise WitnessError(f"the key {key.name} of {key.party} is a party's key: a witness "
                           "cosigns with a key of its own ('treatyline keys new --witness')")
    if state.witness != key.name:
        raise WitnessError(f"the witness state is the witness {state.witness!r}'s, and the "
                           f"key given is {key.name!r}'s")
    latest = store.latest_checkpoint()
    if latest is None:
        raise WitnessError(f"{store.location}: the ledger has no signed checkpoint yet")
    origin = Checkpoint.from_text(parse_note(latest.note).text).origin
    verifier = _log_verifier(store, origin, state.log_keys.get(origin), log_key)
    last_note = state.checkpoints.get(origin)
    witness = Witness(Cosigner(key.name, key.private_key), {origin: verifier},
                      {origin: last_note.encode()} if last_note else None)
    last = witness.last_cosigned(origin)
    if last is not None and last.note == latest.note.encode():
        stored = [c.line for c in store.cosignatures(latest.size) if c.witness == key.name]
        if stored:  # cosigned last round, and the log has not grown since
            return Cosigned(origin, latest.size, latest.size, stored[0], latest.note, state,
                            again=True)
    proof: list[bytes] = []
    if last is not None:
        old_size = last.checkpoint.size
        _check_stored_checkpoint(store, last, verifier)
        if 0 < old_size < latest.size:
            try:
                proof = consistency_proof_from(store, old_size, latest.size)
            except LedgerError as error:
                raise WitnessError(f"{store.location}: no consistency proof from size "
                                   f"{old_size} to {latest.size}: "
                                   f"{error.diagnostics[0].message}") from None
    signature = witness.cosign(latest.note.encode(), proof, int(now.timestamp()))
    store.add_cosignature(latest.size, key.name, signature.line(), now)
    new_state = WitnessState(state.witness, {**state.log_keys, origin: verifier.to_vkey()},
                             {**state.checkpoints, origin: latest.note})
    return Cosigned(origin, latest.size, None if last is None else last.checkpoint.size,
                    signature.line(), latest.note, new_state)


def _log_verifier(store: LedgerStore, origin: str, pinned: str | None,
                  given: str | None) -> Ed25519Verifier:
    if pinned is not None and given is not None and pinned != given:
        raise WitnessError(f"the log {origin} is pinned to the key {pinned} in the witness "
                           f"state, not {given}")
    vkey = pinned or given
    if vkey is not None:
        return Ed25519Verifier.from_vkey(vkey)
    genesis = read_leaf(store.entry(0).payload, 0).document
    return Ed25519Verifier(str(genesis.get("depositary_name")),
                           from_b64(genesis.get("depositary_key"), "the depositary's key"))


def _check_stored_checkpoint(store: LedgerStore, last: SignedCheckpoint,
                             verifier: Ed25519Verifier) -> None:
    """A checkpoint of the size last cosigned, stored with another root: the log signed
    two trees of one size, a split view proven by the two notes."""
    stored = store.checkpoint(last.checkpoint.size)
    if stored is None:
        return
    other = open_checkpoint(stored.note.encode(), verifier)
    if compare_checkpoints(last, other) is Relation.CONFLICT:
        raise SplitViewError(last, other, proven=True, reason="two roots for the same size")
