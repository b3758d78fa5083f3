"""The administrator's routes for monitors' signing keys (`monitor_keys.py`): a monitor's
Ed25519 public key registered under its name, listed, revoked (kept with the time of its
revocation). A request signed with a registered key is the monitor's (`access.py`)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path
from pydantic import BaseModel, Field

from ..access import Access, Admin, Now
from ..errors import ApiError
from ..models import ErrorResponse
from ..monitor_keys import parse_public_key
from .admin import ACCESS_ERRORS
from .common import ERRORS

__all__ = ["router"]

router = APIRouter(prefix="/api/treaties", tags=["access"], responses=ERRORS | ACCESS_ERRORS)


class MonitorKeyIn(BaseModel):
    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$", description="The "
                      "monitor's name, as its reports' `submitted_by` will show it.")
    public_key: str = Field(max_length=4096, description="The monitor's Ed25519 public key: "
                            "base64 of its 32 raw bytes, a PEM public key, or a key file as "
                            "`treatyline keys public` writes it.")


class MonitorKeyModel(BaseModel):
    id: str = Field(description="The key id: `m-` and 16 hex digits (the keyid of the "
                    "monitor's signatures).")
    name: str
    public_key: str = Field(description="Base64 of the 32 raw bytes.")
    registered: str
    registered_by: str
    revoked: str | None


class MonitorKeyList(BaseModel):
    keys: list[MonitorKeyModel]


@router.post("/{treaty}/monitors/keys", status_code=201, response_model=MonitorKeyModel,
             responses={409: {"model": ErrorResponse, "description": "The key is "
                              "registered already."}},
             summary="Register a monitor's signing key (admin)",
             description="From now on, a request signed (RFC 9421) with the key, keyid its "
             "id, is the monitor's: it may report incidents.")
async def register_monitor_key(body: MonitorKeyIn, access: Access, now: Now,
                               who: Admin) -> dict[str, Any]:
    try:
        public_key = parse_public_key(body.public_key)
    except ValueError as error:
        raise ApiError(422, "invalid_key", str(error), "body.public_key") from None
    key = await access.run(access.monitor_keys.register, body.name, public_key,
                           who.describe(), now.now())
    if key is None:
        raise ApiError(409, "key_exists", "this public key is registered already (see GET "
                       "monitors/keys)", "body.public_key")
    return key.to_json()


@router.get("/{treaty}/monitors/keys", response_model=MonitorKeyList,
            summary="Monitors' signing keys, revoked ones too (admin)")
async def list_monitor_keys(access: Access, who: Admin) -> dict[str, Any]:
    return {"keys": [k.to_json() for k in await access.run(access.monitor_keys.all)]}


@router.delete("/{treaty}/monitors/keys/{key_id}", response_model=MonitorKeyModel,
               summary="Revoke a monitor's signing key (admin)")
async def revoke_monitor_key(access: Access, now: Now, who: Admin,
                             key_id: Annotated[str, Path(max_length=64, description="The "
                                                         "key id, m- and 16 hex digits.")]
                             ) -> dict[str, Any]:
    key = await access.run(access.monitor_keys.revoke, key_id, now.now())
    if key is None:
        raise ApiError(404, "key_not_found", f"no monitor key {key_id!r} is registered here",
                       "path.key_id")
    return key.to_json()
