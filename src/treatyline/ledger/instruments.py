"""A party's side of a deposit: its act read from a record file, and signed.

An act file is a record file (YAML, CSV or JSON Lines, read by the record's own reader, so
a malformed act is reported at its file:line:column) that holds one act. The party signs
the act's fields as written (see `entries.instrument_statement`), without `recorded`: the
day of receipt is the depositary's to assign. Pure apart from reading the file it is given.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..errors import Diagnostic, Position, RecordError
from ..record import Act, load_record
from ..spec.model import Treaty
from .canonical import canonical_json
from .entries import instrument_statement
from .examination import instrument_document
from .keys import PartyKey
from .state import DEPOSITARY_PARTY

__all__ = ["act_fields", "read_act_file", "signed_instrument", "signer_problem"]


def read_act_file(path: Path, treaty: Treaty) -> Act:
    """The one act of a record file, checked against the treaty as a record checks it;
    RecordError with every problem at its place otherwise."""
    record = load_record(path, treaty)
    if record.rejected:
        raise RecordError(record.rejected)
    if len(record.acts) != 1:
        raise RecordError([Diagnostic(
            f"an act file holds exactly one act, this one holds {len(record.acts)} "
            "(deposit each act on its own: each is its own instrument)", Position(str(path)))])
    (act,) = record.acts
    if act.recorded is not None:
        raise RecordError([Diagnostic(
            "the act has 'recorded': the day of receipt is assigned by the depositary; "
            "leave it out", act.position)])
    return act


def act_fields(act: Act) -> dict[str, Any]:
    """The act's fields as the party signs them: as written, without the loader's own
    fields and without `recorded`."""
    data = act.model_dump(mode="json", exclude_none=True, exclude_defaults=True)
    data.pop("recorded", None)
    return data


def signer_problem(key: PartyKey, act: Act) -> str | None:
    """Why `key` may not sign `act` (None when it may): a party signs only its own acts;
    the depositary's key, only acts of no single party (facts, joint acts)."""
    if key.party == DEPOSITARY_PARTY:
        if act.party is not None:
            return (f"the act is by {act.party}: {act.party} deposits it, signed with its "
                    "own key; the depositary's key records only acts of no single party")
        return None
    if act.party != key.party:
        by = f"by {act.party}" if act.party else "of no single party (the depositary records it)"
        return (f"the act is {by}, but the key {key.name} is {key.party}'s: a party signs "
                "only its own instruments")
    return None


def signed_instrument(key: PartyKey, treaty_id: str, fields: dict[str, Any]) -> bytes:
    """The exact bytes a party sends the depositary: the instrument, signed by `key`, as
    canonical JSON (RFC 8785)."""
    unsigned = instrument_document(treaty_id, fields, key.key_id, b"")
    signature = key.sign(instrument_statement(unsigned))
    return canonical_json(instrument_document(treaty_id, fields, key.key_id, signature))
