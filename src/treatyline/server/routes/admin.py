"""The depositary administrator's routes: tokens issued and revoked, party keys registered
and revoked (entries of the log the depositary signs), restricted drafts registered, the
refusal log read; and the drafts, for the officers of the parties that negotiate them."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from ...calendar import check_day
from ...ledger.errors import KeyFileError
from ...ledger.keys import PublicPartyKey
from ..access import Access, Admin, Ledger, Now, Principal, refuse, require
from ..access_models import DraftList, DraftModel, IssuedToken, RefusalPage, TokenList, TokenModel
from ..drafts import Draft
from ..errors import ApiError, error_json
from ..ledgers import TreatyLedger
from ..models import ErrorResponse, ReceiptModel, RejectedDeposit
from ..settings import Clock
from .common import ERRORS
from .log import MAX_SIZE

__all__ = ["ACCESS_ERRORS", "party_codes", "router"]

ACCESS_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorResponse, "description": "No credential, or one that does not hold "
          "(unknown, expired or revoked token; a signature that does not verify, by a key "
          "not valid today, or replayed). Logged."},
    403: {"model": ErrorResponse, "description": "The credential's role may not do this. "
          "Logged."}}
router = APIRouter(prefix="/api/treaties", tags=["access"], responses=ERRORS | ACCESS_ERRORS)

Reader = Annotated[Principal, Depends(require("admin", "officer"))]
_NAME = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"


def _day(value: date, place: str) -> date:
    try:
        return check_day(value)
    except ValueError as error:
        raise ApiError(422, "invalid_date", str(error), place) from None


def party_codes(found: TreatyLedger) -> set[str]:
    state = found.fresh().state
    return {p.code for p in found.depositary.treaty.parties} | set(state.new_parties)


# -- tokens --------------------------------------------------------------------------


class TokenRequest(BaseModel):
    role: Literal["admin", "officer", "monitor"]
    party: str | None = Field(None, description="The officer's party (a party code of the "
                              "treaty); only for role officer.", max_length=32)
    valid_days: int = Field(90, ge=1, le=366, description="Days until it expires.")
    note: str | None = Field(None, max_length=500, description="Whose it is, for the list.")


@router.post("/{treaty}/tokens", status_code=201, response_model=IssuedToken,
             summary="Issue a token (admin)")
async def issue_token(body: TokenRequest, found: Ledger, access: Access, now: Now,
                      who: Admin) -> dict[str, Any]:
    if (body.role == "officer") != (body.party is not None):
        raise ApiError(422, "invalid_parameter", "an officer's token names its party, and "
                       "only an officer's does", "body.party")
    if body.party is not None and body.party not in await found.run(party_codes, found):
        raise ApiError(422, "invalid_parameter", f"{body.party!r} is not a party of "
                       f"{found.treaty_id}", "body.party")
    token, record = await access.run(access.tokens.issue, body.role, body.party,
                                     who.describe(), now.now(),
                                     timedelta(days=body.valid_days), body.note)
    return {"token": token} | record.to_json()


@router.get("/{treaty}/tokens", response_model=TokenList,
            summary="The tokens issued (admin; never the tokens)")
async def list_tokens(access: Access, who: Admin) -> dict[str, Any]:
    return {"tokens": [t.to_json() for t in await access.run(access.tokens.all)]}


@router.delete("/{treaty}/tokens/{token_id}", response_model=TokenModel,
               summary="Revoke a token (admin)")
async def revoke_token(access: Access, now: Now, who: Admin,
                       token_id: Annotated[str, Path(max_length=64)]) -> dict[str, Any]:
    record = await access.run(access.tokens.revoke, token_id, now.now())
    if record is None:
        raise ApiError(404, "token_not_found", f"no token {token_id!r} was issued here",
                       "path.token_id")
    return record.to_json()


# -- party keys ----------------------------------------------------------------------


class KeyRegistration(BaseModel):
    public_key: str = Field(max_length=4096, description="The party's public key file, as "
                            "`treatyline keys public` writes it (Party: and Key-Name: lines, "
                            "then the PEM block).")
    valid_from: date
    full_powers: str = Field(min_length=1, max_length=2000)


class KeyRevocation(BaseModel):
    revoked_from: date
    reason: str = Field(min_length=1, max_length=2000)


_KEY_EVENT: dict[int | str, dict[str, Any]] = {422: {
    "model": RejectedDeposit, "description": "Rejected by the depositary (e.g. a key "
    "registered or revoked already), and logged as rejected; or a body that is not valid."}}


def _receipt_answer(found: TreatyLedger, receipt: dict[str, Any], what: str) -> JSONResponse:
    location = f"/api/treaties/{found.treaty_id}/entries/{receipt['index']}"
    if receipt["accepted"]:
        return JSONResponse(receipt, status_code=201, headers={"Location": location})
    reasons = "; ".join(receipt["reasons"])
    return JSONResponse(error_json(422, "key_event_rejected", f"the depositary rejected the "
                                   f"{what} (logged as entry {receipt['index']}): {reasons}",
                                   "body") | {"receipt": receipt},
                        status_code=422, headers={"Location": location})


def _register(found: TreatyLedger, key: PublicPartyKey, valid_from: date, full_powers: str,
              now: Clock) -> dict[str, Any]:
    return found.depositary.register_key(key, valid_from, full_powers, now.now(),
                                         found.signer).to_json()


def _revoke(found: TreatyLedger, key_id: int, revoked_from: date, reason: str,
            now: Clock) -> dict[str, Any]:
    return found.depositary.revoke_key(key_id, revoked_from, reason, now.now(),
                                       found.signer).to_json()


@router.post("/{treaty}/keys", status_code=201, response_model=ReceiptModel,
             responses=_KEY_EVENT, summary="Register a party's key (admin)",
             description="The depositary signs a key registration entry: the key may act "
             "for its party from `valid_from`. 201 and the entry's receipt; 422 with the "
             "receipt when the depositary rejects it (e.g. registered already).")
async def register_key(body: KeyRegistration, found: Ledger, now: Now,
                       who: Admin) -> JSONResponse:
    try:
        key = PublicPartyKey.from_pem(body.public_key.encode("utf-8"),
                                      source="the public key")
    except KeyFileError as error:
        raise ApiError(422, "invalid_key", error.diagnostics[0].message,
                       "body.public_key") from None
    valid_from = _day(body.valid_from, "body.valid_from")
    receipt = await found.run(_register, found, key, valid_from, body.full_powers, now)
    return _receipt_answer(found, receipt, "key registration")


@router.post("/{treaty}/keys/{key_id}/revocation", status_code=201,
             response_model=ReceiptModel, responses=_KEY_EVENT,
             summary="Revoke a party's key (admin)",
             description="The depositary signs a key revocation entry: from `revoked_from` "
             "on, instruments and signed requests under the key are refused.")
async def revoke_key(body: KeyRevocation, found: Ledger, now: Now, who: Admin,
                     key_id: Annotated[str, Path(pattern=r"^[0-9a-f]{8}$",
                                                 description="The key id, 8 hex digits.")]
                     ) -> JSONResponse:
    revoked_from = _day(body.revoked_from, "body.revoked_from")
    receipt = await found.run(_revoke, found, int(key_id, 16), revoked_from, body.reason, now)
    return _receipt_answer(found, receipt, "key revocation")


# -- the refusal log -----------------------------------------------------------------


@router.get("/{treaty}/refusals", response_model=RefusalPage, summary="The refusal log (admin)")
async def list_refusals(access: Access, who: Admin,
                        since: Annotated[int, Query(ge=0, le=MAX_SIZE)] = 0,
                        limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> dict[str, Any]:
    found = await access.run(access.refusals.since, since, limit)
    return {"refusals": [{"id": id_} | r.to_json() for id_, r in found],
            "next": found[-1][0] + 1 if found else since}


# -- restricted drafts ---------------------------------------------------------------


class DraftIn(BaseModel):
    id: str = Field(pattern=_NAME, description="The draft's id, e.g. 2022-04-15.")
    title: str = Field(min_length=1, max_length=500)
    dated: date
    parties: list[str] = Field(min_length=1, max_length=64, description="The negotiating "
                               "parties (codes): only their officers may read the draft.")
    text: str = Field(min_length=1, max_length=60_000,
                      description="The draft's text (or a spec's YAML or JSON).")


@router.post("/{treaty}/drafts", status_code=201, response_model=DraftModel,
             responses={409: {"model": ErrorResponse, "description": "A draft of that id "
                              "is registered already."}},
             summary="Register a restricted draft (admin)")
async def register_draft(body: DraftIn, found: Ledger, access: Access, now: Now,
                         who: Admin) -> dict[str, Any]:
    codes = await found.run(party_codes, found)
    for number, party in enumerate(body.parties):
        if party not in codes:
            raise ApiError(422, "invalid_parameter", f"{party!r} is not a party of "
                           f"{found.treaty_id}", f"body.parties.{number}")
    draft = Draft(body.id, body.title, _day(body.dated, "body.dated"),
                  tuple(dict.fromkeys(body.parties)), body.text, now.now(), who.describe())
    if not await access.run(access.drafts.add, draft):
        raise ApiError(409, "draft_exists", f"a draft {body.id!r} is registered already",
                       "body.id")
    return draft.to_json()


@router.get("/{treaty}/drafts", response_model=DraftList, summary="The drafts the caller may read",
            description="The administrator sees every draft; a party's officer the drafts "
            "its party negotiates (the others are not listed).")
async def list_drafts(access: Access, who: Reader) -> dict[str, Any]:
    drafts = await access.run(access.drafts.all)
    return {"drafts": [d.summary() for d in drafts if d.readable_by(who.role, who.party)]}


@router.get("/{treaty}/drafts/{draft_id}", response_model=DraftModel, summary="A restricted draft",
            description="For the administrator and the officers of the negotiating "
            "parties. To anyone else with a credential the answer is 404, as for a draft "
            "that does not exist (its existence is not disclosed); the refusal is logged.")
async def get_draft(request: Request, access: Access, now: Now, who: Reader,
                    draft_id: Annotated[str, Path(max_length=64)]) -> dict[str, Any]:
    draft = await access.run(access.drafts.get, draft_id)
    if draft is not None and draft.readable_by(who.role, who.party):
        return draft.to_json()
    message = f"no draft {draft_id!r} that the {who.describe()} may read"
    if draft is not None:
        await refuse(request, access, now, who.describe(), 404, "draft_not_found", message,
                     "path.draft_id")
    raise ApiError(404, "draft_not_found", message, "path.draft_id")
