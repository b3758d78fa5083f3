"""The response models of the access routes (tokens, keys, drafts, the refusal log,
cosignatures): the OpenAPI document's contract for their JSON."""

from __future__ import annotations

from pydantic import BaseModel, Field

__all__ = ["CosignatureAdded", "DraftList", "DraftModel", "DraftSummary", "IssuedToken",
           "RefusalModel", "RefusalPage", "TokenList", "TokenModel"]


class TokenModel(BaseModel):
    id: str = Field(description="The token's public id (to list and revoke it by).")
    role: str = Field(description="admin, officer or monitor.")
    party: str | None = Field(description="The officer's party.")
    issuer: str
    issued: str
    expires: str
    revoked: str | None
    note: str | None


class IssuedToken(TokenModel):
    token: str = Field(description="The token: shown this once, stored only as its SHA-256.")


class TokenList(BaseModel):
    tokens: list[TokenModel]


class RefusalModel(BaseModel):
    id: int
    time: str
    principal: str = Field(description="Who was refused, as far as the server could tell.")
    method: str
    route: str
    status: int
    code: str
    reason: str


class RefusalPage(BaseModel):
    refusals: list[RefusalModel]
    next: int = Field(description="The `since` of the next page.")


class DraftSummary(BaseModel):
    id: str
    title: str
    dated: str
    parties: list[str] = Field(description="The negotiating parties.")
    registered: str


class DraftModel(DraftSummary):
    text: str
    registered_by: str


class DraftList(BaseModel):
    drafts: list[DraftSummary]


class CosignatureAdded(BaseModel):
    tree_size: int
    witness: str
    party: str
    cosignature: str = Field(description="The signature line kept with the checkpoint.")
