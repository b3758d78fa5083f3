"""Cosignatures: a party, as a witness, cosigns a checkpoint the depositary signed
(C2SP tlog-cosignature; see ledger/witness.py). The witness checks the checkpoint's
consistency on its side (`Witness.cosign`) and sends the signature line; the server takes
it from an officer of the witness's party only, checks it verifies with a key of that
party valid today, and keeps it with the checkpoint."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from ...ledger.cosignature import CosignatureVerifier
from ...ledger.errors import LedgerError
from ...ledger.notes import parse_note
from ..access import Ledger, Now, Officer
from ..access_models import CosignatureAdded
from ..errors import ApiError
from ..ledgers import TreatyLedger
from ..models import ErrorResponse
from .admin import ACCESS_ERRORS
from .common import ERRORS
from .log import MAX_SIZE

__all__ = ["router"]

router = APIRouter(prefix="/api/treaties", tags=["log"], responses=ERRORS | ACCESS_ERRORS)


class CosignatureIn(BaseModel):
    tree_size: int = Field(ge=1, le=MAX_SIZE, description="The size of the checkpoint "
                           "cosigned (one the depositary signed).")
    cosignature: str = Field(max_length=1000, description="The witness's signature line, "
                             "'— NAME BASE64' (cosignature/v1), as `Witness.cosign` makes "
                             "it; NAME is the key name of a key of the officer's party.")


def _add(found: TreatyLedger, party: str, size: int, line: str, moment: datetime
         ) -> dict[str, Any]:
    store = found.depositary.store
    stored = store.checkpoint(size)
    if stored is None:
        raise ApiError(404, "checkpoint_not_found", f"the depositary signed no checkpoint of "
                       f"size {size}", "body.tree_size")
    line = line if line.endswith("\n") else line + "\n"
    try:
        note = parse_note(stored.note + line)
    except LedgerError as error:
        raise ApiError(422, "invalid_cosignature", error.diagnostics[0].message,
                       "body.cosignature") from None
    signature = note.signatures[-1]
    keys = [k for k in found.fresh().state.keys_valid_on(party, moment.date())
            if k.name == signature.name]
    verifiers = [CosignatureVerifier(k.name, k.public_key) for k in keys]
    if not any(v.key_id == signature.key_id and v.verify(note.text.encode(),
                                                         signature.signature)
               for v in verifiers):
        raise ApiError(422, "invalid_cosignature", f"the line is not a cosignature of the "
                       f"checkpoint of size {size} by a key of {party} valid on "
                       f"{moment.date()} named {signature.name!r}", "body.cosignature")
    if any(c.witness == signature.name for c in store.cosignatures(size)):
        raise ApiError(409, "cosigned_already", f"{signature.name} cosigned the checkpoint of "
                       f"size {size} already", "body.cosignature")
    store.add_cosignature(size, signature.name, line, moment)
    return {"tree_size": size, "witness": signature.name, "party": party,
            "cosignature": line}


@router.post("/{treaty}/cosignatures", status_code=201, response_model=CosignatureAdded,
             responses={409: {"model": ErrorResponse, "description": "This witness "
                              "cosigned that checkpoint already."}},
             summary="A witness's cosignature of a checkpoint (a party's officer)")
async def add_cosignature(body: CosignatureIn, found: Ledger, now: Now,
                          who: Officer) -> dict[str, Any]:
    assert who.party is not None
    return await found.run(_add, found, who.party, body.tree_size, body.cosignature,
                           now.now())
