"""The `referendums:` section of a treaty file: each popular vote the treaty's
procedure depends on, declared by name (see docs/language.md, "Referendums").

Kept apart from spec/model.py so that the referendum language can grow without
touching the core rule language; `Treaty.referendums` holds these models.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema

from ..calendar import check_day, parse_day

__all__ = ["OnRejection", "ReferendumApproval", "ReferendumDeclaration"]

OnRejection = Literal["vote_again", "void", "drop_out"]
"""What a rejection (or a missed deadline) does: nothing final (a further vote on the same
treaty may be held), the treaty is null and void, or the holding party drops out and the
others proceed without it."""


def _day(value: Any) -> Any:
    if isinstance(value, str):
        return check_day(parse_day(value))
    if isinstance(value, date):
        return check_day(value)
    raise ValueError(f"{value!r} is not a date; write it as YYYY-MM-DD")


_Day = Annotated[date, BeforeValidator(_day), WithJsonSchema({"type": "string",
                                                                "format": "date"})]

_Fraction = Annotated[float, Field(gt=0, le=1)]
"""A share in (0, 1]: 0.5 is half."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class ReferendumApproval(_Strict):
    """When one vote approves the treaty: a majority rule and, optionally, quorums."""

    yes_share_at_least: _Fraction = Field(0.5, description="Share of the valid votes.")
    yes_share_strictly_more: bool = Field(
        True, description="True: more than the share (a majority); False: at least it.")
    turnout_at_least: _Fraction | None = Field(
        None, description="Quorum: votes cast as a share of the electorate.")
    yes_of_electorate_at_least: _Fraction | None = Field(
        None, description="Approval quorum: yes votes as a share of the electorate ('yes "
        "above X% of the electorate and more yes than no'); the act then needs "
        "yes_of_electorate.")
    quorum_only_if_binding: bool = Field(
        False, description="The quorums apply only to a binding vote (the declaration must "
        "then say binding: true).")

    @property
    def has_quorum(self) -> bool:
        return self.turnout_at_least is not None or self.yes_of_electorate_at_least is not None


class ReferendumDeclaration(_Strict):
    """One popular vote the treaty depends on."""

    held_by: str = Field(description="The party that holds the vote (its code).")
    jurisdiction: str | None = Field(
        None, description="Where it is held: the party's own code or an ISO 3166-2 "
        "subdivision of it (GB-NIR: Northern Ireland). Default: the whole party.")
    question: str | None = Field(None, description="The question put to the voters.")
    binding: bool | None = Field(
        None, description="true: binding; false: consultative; omitted: not known (say why "
        "in note).")
    approval: ReferendumApproval = Field(default_factory=ReferendumApproval)
    preconditions: tuple[str, ...] = Field(
        (), description="Facts that must be established before a vote counts.")
    on_rejection: OnRejection = Field(
        "vote_again", description="vote_again: a further vote may approve; void: the treaty "
        "is null and void; drop_out: the holder drops out, the others proceed.")
    deadline: _Day | None = Field(
        None, description="The last day on which an approving vote counts; after it, the "
        "rejection rule applies (vote_again then means void).")
    replaced_when: str | None = Field(
        None, description="A fact: once established (the text renegotiated, a parliamentary "
        "procedure chosen instead), the popular vote is no longer needed.")
    article: str | None = None
    text: str | None = None
    note: str | None = None
