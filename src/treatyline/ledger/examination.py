"""The depositary's examination of what it receives (VCLT Art. 77(1)(d): "examining whether
the signature or any instrument ... is in due and proper form").

`examine(state, data, received)` reads the bytes received and decides: an instrument in
due form (canonical JSON, for this treaty, signed by a key of the acting party that is
valid on the day of receipt, not received before, an act the record accepts and the
procedure counts) is accepted; anything else becomes a `rejected` document holding what
was received and every reason found. Both are appended to the log. Pure: the time of
receipt is an argument.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..evaluation import evaluate
from ..record import Act, Record, record_from_rows
from .canonical import canonical_json, parse_json
from .entries import (
    MAX_INSTRUMENT_BYTES,
    b64,
    from_b64,
    instrument_statement,
    plainly_canonical,
)
from .errors import LedgerError
from .state import DEPOSITARY_PARTY, LogState, act_row

__all__ = ["Examined", "acting_party", "examine", "instrument_document",
           "party_of_received"]

_FIELDS = {"type", "treaty", "act", "key_id", "signature"}


@dataclass(frozen=True, slots=True)
class Examined:
    """The outcome: the document to append, and for an accepted instrument its act."""

    document: dict[str, Any]
    accepted: bool
    reasons: tuple[str, ...] = ()
    act: Act | None = None
    party: str | None = None
    record: Record | None = None
    """For an accepted instrument: the log's record with its act (evaluated already)."""
    plain: bool = False
    """Whether the document's canonical JSON is Python's sorted, compact JSON of it (no
    fraction, no character beyond U+FFFF: see `entries.plainly_canonical`), which the
    depositary writes much faster."""
    statement_sha256: bytes | None = None
    """For an accepted instrument: the SHA-256 of its signed statement (replays)."""


def instrument_document(treaty: str, act: dict[str, Any], key_id: int,
                        signature: bytes) -> dict[str, Any]:
    """An instrument as a party sends it (see `entries`)."""
    return {"type": "instrument", "treaty": treaty, "act": act, "key_id": f"{key_id:08x}",
            "signature": b64(signature)}


def _rejected(data: bytes, reasons: list[str], party: str | None = None) -> Examined:
    digest = hashlib.sha256(data).hexdigest()
    kept: dict[str, Any] = {"size": len(data), "sha256": digest}
    if len(data) <= MAX_INSTRUMENT_BYTES:
        kept["bytes"] = b64(data)  # what was received, whatever it is: nothing is lost
    document = {"type": "rejected", "received_data": kept, "reasons": reasons}
    return Examined(document, False, tuple(reasons), party=party)


def acting_party(value: object) -> str | None:
    """The party an instrument's act names (the store's `party` column), if any."""
    act = value.get("act") if isinstance(value, dict) else None
    party = act.get("party") if isinstance(act, dict) else None
    return party if isinstance(party, str) else None


def party_of_received(data: bytes) -> str | None:
    """The party column of an entry made of `data` as received: the act's party when
    `data` is an instrument (well-formed or not in other respects), else none."""
    if len(data) > MAX_INSTRUMENT_BYTES:
        return None
    try:
        value = parse_json(data)
    except LedgerError:
        return None
    if not isinstance(value, dict) or value.get("type") != "instrument":
        return None
    return acting_party(value)


def examine(state: LogState, data: bytes, received: datetime) -> Examined:
    """Accept or reject what a party sent (see the module's docstring)."""
    if len(data) > MAX_INSTRUMENT_BYTES:
        return _rejected(data, [f"{len(data):,} bytes: an instrument is at most "
                                f"{MAX_INSTRUMENT_BYTES:,} bytes"])
    try:
        value = parse_json(data)
    except LedgerError as error:
        return _rejected(data, [f"not an instrument: {error.diagnostics[0].message}"])
    if not isinstance(value, dict) or value.get("type") != "instrument":
        return _rejected(data, ["not an instrument: a JSON object with \"type\": "
                                "\"instrument\" is expected"])
    party = acting_party(value)
    plain = plainly_canonical(value, data)
    statement = instrument_statement(value, plain=plain)
    reasons = _form(state, value, data, received, plain, statement)
    if reasons:
        return _rejected(data, reasons, party)
    accepted, problems = _act(state, value, received)
    if accepted is None:
        return _rejected(data, problems, party)
    act, record = accepted
    return Examined(value, True, act=act, party=party, record=record, plain=plain,
                    statement_sha256=hashlib.sha256(statement).digest())


def _form(state: LogState, value: dict[str, Any], data: bytes, received: datetime,
          plain: bool, statement: bytes) -> list[str]:
    """What is wrong with the instrument's form, key and signature. `plain`: whether `data`
    is known canonical already; `statement`: what the party signed."""
    reasons: list[str] = []
    unknown = sorted(set(value) - _FIELDS)
    missing = sorted(_FIELDS - set(value))
    if unknown:
        reasons.append(f"unknown field(s): {', '.join(unknown)}")
    if missing:
        return [*reasons, f"missing field(s): {', '.join(missing)}"]
    if not plain and canonical_json(value) != data:
        reasons.append("not in canonical form (RFC 8785): the depositary receives the "
                       "exact bytes that were signed ('treatyline deposit' writes them)")
    if value["treaty"] != state.treaty.id:
        reasons.append(f"for the treaty {value['treaty']!r}, but this ledger is for "
                       f"{state.treaty.id!r}")
    act = value["act"]
    if not isinstance(act, dict):
        return [*reasons, "act: an act is a JSON object (date, kind, party, source, ...)"]
    if "recorded" in act:
        reasons.append("act: 'recorded' is the day of receipt, which the depositary "
                       "assigns; leave it out")
    day = received.date()
    key_text = value["key_id"]
    key = None
    try:
        key = state.keys.get(int(str(key_text), 16)) if len(str(key_text)) == 8 else None
    except ValueError:
        key = None
    party = act.get("party")
    if key is None and state.depositary is not None and (
            f"{state.depositary.key_id:08x}" == key_text):
        key = state.depositary_key()  # the depositary records what no one party deposits
    if key is None:
        reasons.append(f"signed with the key {key_text!r}, which no key registration in "
                       "this ledger names")
    else:
        if key.is_witness_key:
            reasons.append(f"signed with the key {key.name} ({key_text}), registered as a "
                           f"witness key of {key.party} (entry {key.registered_at}): a "
                           "witness key cosigns checkpoints, never an instrument")
        elif key.party == DEPOSITARY_PARTY:
            if party is not None:
                reasons.append(f"an act of {party} is deposited by {party}, signed with its "
                               "own key, not recorded by the depositary")
        elif key.party != party:
            reasons.append(f"signed with a key of {key.party} ({key.name}), but the act is "
                           f"{'by ' + str(party) if party else 'of no party'}: a party "
                           "deposits only its own instruments")
        if not key.valid_on(day):
            why = (f"valid only from {key.valid_from}" if day < key.valid_from else
                   f"revoked from {key.revoked_from} (entry {key.revoked_at})")
            reasons.append(f"the key {key.name} ({key_text}) could not act on {day}: {why}")
        try:
            signature = from_b64(value["signature"], "signature")
        except LedgerError as error:
            reasons.append(error.diagnostics[0].message)
        else:
            if not key.verifier.verify(statement, signature):
                reasons.append(f"the signature does not verify with the key {key.name} "
                               f"({key_text}): the instrument was altered or signed by "
                               "another key")
    digest = hashlib.sha256(statement).digest()
    if digest in state.statements:
        reasons.append(f"replayed: the same instrument was accepted as entry "
                       f"{state.statements[digest]}")
    return reasons


def _act(state: LogState, value: dict[str, Any],
         received: datetime) -> tuple[tuple[Act, Record] | None, list[str]]:
    """The act, checked as a record checks it and as the procedure counts it, with the
    log's record made with it."""
    index = state.size
    act_data = value["act"]
    if isinstance(act_data.get("date"), str) and act_data["date"][:10] > (
            received.date().isoformat()):
        return None, [f"act: dated {act_data['date']}, after its receipt on "
                      f"{received.date()}"]
    made = record_from_rows([act_row(act_data, index, received.date())], state.treaty,
                            first_sequence=index)
    if not made.acts:
        return None, [f"act: {d.message}" for d in made.rejected]
    (act,) = made.acts
    # the log's record with the act put in its place, evaluated by resuming the log's own
    # evaluation (see treatyline.evaluation_pass): an act dated on or after the last day
    # costs its own day, not the whole record. The log's record is evaluated first (once:
    # it is cached), for the notification needs it too.
    before = state.record
    evaluate(state.treaty, before)
    after = before.appended((act,), made.new_parties)
    reason = next((d.message for a, d in reversed(evaluate(state.treaty, after).rejected)
                   if a is act), None)
    if reason is not None:
        return None, [f"act: {reason}"]
    return (act, after), []
