"""The log: its entries with their inclusion proofs, its signed checkpoints (and the
depositary's key that signs them), and the consistency proofs between them."""

from __future__ import annotations

import base64
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel, Field

from ..ledgers import TreatyLedger
from ..models import ConsistencyProof, EntryPage, EntryWithProof
from .common import ERRORS, ERRORS_BESIDE_TEXT, ledger

__all__ = ["MAX_SIZE", "CheckpointKey", "router"]

router = APIRouter(prefix="/api/treaties", tags=["log"], responses=ERRORS)

Ledger = Annotated[TreatyLedger, Depends(ledger)]
MAX_SIZE = 2**62
"""Past any log's size, within a 64-bit integer: a larger number is refused (422)."""
Size = Annotated[int, Query(ge=1, le=MAX_SIZE)]


@router.get("/{treaty}/entries", response_model=EntryPage, summary="A page of the log")
async def list_entries(found: Ledger, start: Annotated[int, Query(ge=0, le=MAX_SIZE)] = 0,
                       limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> dict[str, Any]:
    return await found.entries_page(start, limit)


@router.get("/{treaty}/entries/{index}", response_model=EntryWithProof,
            summary="An entry, its leaf and its inclusion proof against a checkpoint")
async def get_entry(found: Ledger, index: Annotated[int, Path(ge=0, le=MAX_SIZE)],
                    tree_size: Annotated[int | None, Query(
                        ge=1, le=MAX_SIZE, description="The size of a checkpoint the "
                        "depositary signed (a receipt's tree_size); default: the latest.")]
                    = None) -> dict[str, Any]:
    return await found.run(found.entry, index, tree_size)


@router.get("/{treaty}/checkpoint", response_class=PlainTextResponse,
            summary="The latest signed checkpoint (C2SP tlog-checkpoint note)",
            responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}},
                             "description": "The signed note."}, **ERRORS_BESIDE_TEXT})
async def get_checkpoint(found: Ledger) -> PlainTextResponse:
    return PlainTextResponse(await found.run(found.checkpoint))


class CheckpointKey(BaseModel):
    """The key that signs the checkpoints: the depositary's, from the log's genesis entry."""

    name: str = Field(description="The key's name: the name on the checkpoint's "
                      "signature line (— name base64(key id || signature)).")
    key_id: str = Field(description="The note key id, 8 hex digits: the first four bytes "
                        "of SHA-256(name || 0x0A || 0x01 || public key).")
    public_key: str = Field(description="The raw 32-byte Ed25519 public key, base64.")
    vkey: str = Field(description="The verifier key as Go's sumdb/note writes it "
                      "(name+keyid+base64(0x01 || public key)).")


def _checkpoint_key(found: TreatyLedger) -> dict[str, Any]:
    verifier = found.fresh().state.depositary
    assert verifier is not None  # a served ledger has its genesis entry
    return {"name": verifier.name, "key_id": f"{verifier.key_id:08x}",
            "public_key": base64.b64encode(verifier.public_key).decode("ascii"),
            "vkey": verifier.to_vkey()}


@router.get("/{treaty}/checkpoint/key", response_model=CheckpointKey,
            summary="The depositary's public key that signs the checkpoints")
async def get_checkpoint_key(found: Ledger) -> dict[str, Any]:
    return await found.run(_checkpoint_key, found)


@router.get("/{treaty}/proofs/consistency", response_model=ConsistencyProof,
            summary="Proof that the log of size `first` is a prefix of the log of `second`")
async def get_consistency(found: Ledger, first: Size,
                          second: Annotated[int | None, Query(
                              ge=1, le=MAX_SIZE, description="The size of a signed "
                              "checkpoint; default: the latest.")] = None) -> dict[str, Any]:
    return await found.run(found.consistency, first, second)
