"""Deposits: a party's signed instrument received, examined and logged by the depositary."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse

from ..access import Principal, access_of, instrument_party, principal, refuse
from ..errors import error_json
from ..ledgers import TreatyLedger
from ..models import ErrorResponse, ReceiptModel, RejectedDeposit
from ..settings import Clock
from .common import ERRORS, clock, ledger

__all__ = ["router"]

router = APIRouter(prefix="/api/treaties", tags=["instruments"], responses=ERRORS)

_INSTRUMENT_BODY = {
    "required": True,
    "description": "A signed instrument, byte for byte as `treatyline deposit --sign-only` "
    "writes it (canonical JSON, RFC 8785). The bytes are examined as they are; the "
    "Content-Type is not looked at.",
    "content": {"application/json": {"schema": {
        "type": "object", "required": ["type", "treaty", "act", "key_id", "signature"],
        "properties": {"type": {"const": "instrument"}, "treaty": {"type": "string"},
                       "act": {"type": "object"}, "key_id": {"type": "string"},
                       "signature": {"type": "string"}}}}},
}


@router.post(
    "/{treaty}/instruments", status_code=201, response_model=ReceiptModel,
    summary="Deposit a signed instrument",
    description="The depositary examines the instrument and appends it to the log: "
    "accepted (201, the receipt), or rejected with its reasons (422, the error and the "
    "receipt of the entry that logs it: nothing received is lost). The time of receipt is "
    "the server's clock. The signature authenticates the instrument: no credential is "
    "needed; a request with an officer's credential may deposit only that party's "
    "instruments (else 403).",
    responses={201: {"description": "Accepted; Location names the entry."},
               413: {"model": ErrorResponse, "description": "The body is larger than the "
                     "limit (an instrument is at most 64 KiB); nothing is logged."},
               422: {"model": RejectedDeposit, "description": "Rejected by the depositary's "
                     "examination, and logged as rejected."}},
    openapi_extra={"requestBody": _INSTRUMENT_BODY})
async def deposit(request: Request, response: Response,
                  found: Annotated[TreatyLedger, Depends(ledger)],
                  now: Annotated[Clock, Depends(clock)],
                  who: Annotated[Principal, Depends(principal)]) -> Any:
    data = b"".join([chunk async for chunk in request.stream()])
    # the instrument's signature authenticates it; an officer's credential also binds the
    # request to the officer's own party (refused before anything is received)
    party = await found.run(instrument_party, found, data) if who.role == "officer" else None
    if party is not None and party != who.party:
        await refuse(request, access_of(request, found), now, who.describe(), 403,
                     "forbidden", f"the {who.describe()} deposits {who.party}'s instruments "
                     f"only, not {party}'s", "body")
    receipt = (await found.deposit_received(data, now)).to_json()  # see group_commit
    location = f"/api/treaties/{found.treaty_id}/entries/{receipt['index']}"
    if not receipt["accepted"]:
        reasons = "; ".join(receipt["reasons"]) or "not in due form"
        return JSONResponse(error_json(422, "instrument_rejected", f"the depositary rejected "
                                       f"the instrument (logged as entry {receipt['index']}): "
                                       f"{reasons}", "body") | {"receipt": receipt},
                            status_code=422, headers={"Location": location})
    response.headers["Location"] = location
    return receipt
