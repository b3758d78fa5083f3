"""The response models: the OpenAPI document's contract for every route's JSON.

Models of the engine's own JSON (status, timeline, notifications) type the fields a
client relies on and allow the rest (`extra="allow"`): the engine may add a field without
breaking the contract, never drop or retype one.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["ConsistencyProof", "Entry", "EntryPage", "EntryWithProof", "ErrorBody",
           "ErrorResponse", "NotificationPage", "ReceiptModel", "RejectedDeposit",
           "StatusModel", "TimelineModel", "TreatyList", "TreatyModel"]


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class ErrorBody(BaseModel):
    status: int = Field(description="The HTTP status, repeated.")
    code: str = Field(description="A machine-readable code, e.g. invalid_parameter.")
    message: str = Field(description="What is wrong, in plain words.")
    place: str | None = Field(description="The part of the request at fault: "
                              "'query.as_of', 'path.index', 'body'; null for the whole.")


class ErrorResponse(BaseModel):
    """The shape of every error."""

    error: ErrorBody


class TreatySummary(BaseModel):
    id: str
    title: str
    short_title: str | None
    hypothetical: bool
    legal_form: str


class TreatyList(BaseModel):
    treaties: list[TreatySummary]


class PartyModel(BaseModel):
    code: str
    name: str
    kind: str
    roles: list[str]


class ClauseModel(BaseModel):
    part: str = Field(description="Where the clause is in the spec, e.g. "
                      "'provisions.consultation', 'entry_into_force'.")
    article: str | None
    text: str | None = Field(description="The treaty's own words.")
    note: str | None = Field(description="The encoder's remark.")
    logic: dict[str, Any] = Field(description="The clause's machine fields, as in the spec.")


class TreatyModel(TreatySummary):
    adopted: str | None
    place: str | None
    source: str | None
    note: str | None
    depositary: list[str]
    parties: list[PartyModel]
    clauses: list[ClauseModel]


class Diagnostic(BaseModel):
    position: str | None
    message: str


class Reason(_Open):
    statement: str
    clause: str | None
    acts: list[str]


class PartyStatusModel(_Open):
    name: str
    roles: list[str]
    standing: str
    signed_on: str | None
    bound_since: str | None


class StatusModel(_Open):
    """As `treatyline status --json` prints it."""

    treaty: str
    title: str
    as_of: str
    state: Literal["not_in_force", "in_force", "terminated"]
    in_force: bool
    in_force_since: str | None
    parties: dict[str, PartyStatusModel]
    pending: list[str]
    because: list[Reason]
    rejected: list[Diagnostic]
    known_on: str | None = None
    not_yet_known: list[str] | None = None


class TimelineEntryModel(_Open):
    date: str
    kind: str
    what: str
    description: str
    party: str | None
    act: str | None
    hypothetical: bool
    clause: str | None
    recorded: str | None = None


class TimelineModel(BaseModel):
    """As `treatyline timeline --json` prints it."""

    treaty: str
    entries: list[TimelineEntryModel]
    rejected: list[Diagnostic]
    known_on: str | None = None
    not_yet_known: list[str] | None = None


class NotificationModel(_Open):
    reference: str = Field(description="C.N.<entry>.<year>.TREATIES")
    treaty: str
    received: str
    party: str | None
    kind: str
    act_date: str
    act: str
    counts: bool
    text: str = Field(description="The notification as the depositary circulates it.")


class ReceiptModel(BaseModel):
    """The receipt of a deposit (as `treatyline deposit --json` prints it)."""

    index: int
    accepted: bool
    reasons: list[str]
    leaf_hash: str = Field(description="base64 of the RFC 6962 leaf hash.")
    tree_size: int
    inclusion_proof: list[str] = Field(description="base64 hashes, the leaf's sibling first.")
    checkpoint: str = Field(description="The signed checkpoint (C2SP tlog-checkpoint).")
    notification: NotificationModel | None


class RejectedDeposit(ErrorResponse):
    """A rejected instrument: the error, and the receipt of the entry that logs it."""

    receipt: ReceiptModel


class Entry(BaseModel):
    index: int
    received: str = Field(description="The time of receipt, UTC.")
    kind: str
    party: str | None
    accepted: bool
    reasons: list[str]
    document: dict[str, Any] = Field(description="The entry as the log holds it.")
    leaf_hash: str
    notification: NotificationModel | None


class EntryPage(BaseModel):
    treaty: str
    tree_size: int
    start: int
    entries: list[Entry]
    next: int | None = Field(description="The start of the next page; null at the end.")


class EntryWithProof(Entry):
    leaf: str = Field(description="base64 of the leaf's bytes (their SHA-256 with the "
                      "0x00 prefix is the leaf hash).")
    tree_size: int
    inclusion_proof: list[str]
    checkpoint: str


class ConsistencyProof(BaseModel):
    treaty: str
    first: int
    second: int
    proof: list[str]
    first_checkpoint: str | None = Field(description="The signed checkpoint of size "
                                         "`first`, when the depositary signed one.")
    second_checkpoint: str


class NotificationItem(BaseModel):
    index: int
    received: str
    party: str | None
    notification: NotificationModel


class NotificationPage(BaseModel):
    treaty: str
    since: int
    tree_size: int
    notifications: list[NotificationItem]
    next: int = Field(description="The `since` to ask next time.")
