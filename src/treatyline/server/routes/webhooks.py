"""Webhook subscriptions over HTTP: a party's officer registers, lists and removes the
addresses its notifications are POSTed to, and reads their delivery log; the depositary's
administrator does so for any party. Another party's webhook is answered 404, as if it
did not exist (its id says nothing to the asker). The addresses must be public unless
the server allows others (`webhooks/public_hosts.py`). The tables are the ledger's own
(`webhooks/store.py`), shared with `treatyline webhooks` and the delivering worker."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, Path, Request
from pydantic import BaseModel, Field

from ..access import Access, Ledger, Now, Principal, refuse, require
from ..errors import ApiError
from ..webhooks.public_hosts import check_public_host
from ..webhooks.signing import public_key_text
from ..webhooks.store import MAX_URL_LENGTH, Subscription, SubscriptionStore, check_webhook_url
from .admin import ACCESS_ERRORS, party_codes
from .common import ERRORS
from .log import MAX_SIZE

__all__ = ["router"]

T = TypeVar("T")
router = APIRouter(prefix="/api/treaties", tags=["webhooks"], responses=ERRORS | ACCESS_ERRORS)
Holder = Annotated[Principal, Depends(require("admin", "officer"))]
WebhookId = Annotated[str, Path(max_length=64, description="The webhook's id (wh_...).")]


class WebhookIn(BaseModel):
    url: str = Field(max_length=MAX_URL_LENGTH, description="Where to POST the "
                     "notifications: http:// or https://, no user or password, a public "
                     "host (unless the server allows others).")
    party: str | None = Field(None, max_length=32, description="Whose webhook: the "
                              "administrator names the party; an officer's is its own "
                              "(it may name it, no other).")
    since: int | None = Field(None, ge=0, le=MAX_SIZE, description="The first entry to "
                              "deliver; default: the entries appended from now on.")


class WebhookModel(BaseModel):
    id: str
    party: str
    url: str
    created: str
    next_index: int = Field(description="The first entry not yet delivered.")
    failures: int = Field(description="Failed attempts since the last delivery.")
    next_attempt: str | None = Field(description="When delivery is tried again after a "
                                     "failure; null: at once.")
    next_notice: int = Field(description="The first deadline notice (by its sequence "
                             "number) not yet delivered; the party's own are delivered.")
    notice_failures: int = Field(description="Failed attempts at notices since the last "
                                 "one delivered.")
    notice_next_attempt: str | None = Field(description="When a notice's delivery is tried "
                                            "again after a failure; null: at once.")
    over_http: bool = Field(description="Registered over HTTP: its host is checked again "
                            "at every delivery (false: by the depositary's CLI, trusted).")


class RegisteredWebhook(WebhookModel):
    signing_key: str = Field(description="The depositary's public key that signs the "
                             "webhooks, as Standard Webhooks writes it (whpk_...).")


class WebhookList(BaseModel):
    webhooks: list[WebhookModel]


class AttemptModel(BaseModel):
    subscription: str
    entry: int
    attempt: int
    at: str
    delivered: bool
    status: int | None = Field(description="The receiver's HTTP status; null when none "
                               "came (see error).")
    error: str | None
    next_attempt: str | None


class AttemptList(BaseModel):
    attempts: list[AttemptModel] = Field(description="Deliveries of ledger entries (`entry` "
                                         "is the entry's index).")
    notice_attempts: list[AttemptModel] = Field(description="Deliveries of deadline notices "
                                                "(`entry` is the notice's sequence number).")


async def _in_store(db: str, call: Callable[[SubscriptionStore], T]) -> T:
    """`call` with the ledger's webhook tables, in a thread (a short-lived connection:
    registering is rare, and the store's connection belongs to one thread)."""

    def opened() -> T:
        with SubscriptionStore(db) as store:
            return call(store)

    return await asyncio.to_thread(opened)


async def _owned(found: Ledger, who: Principal, webhook: str) -> Subscription:
    """The webhook `webhook` if the asker may see it; else 404, as for no webhook."""
    for subscription in await _in_store(found.settings.db, lambda s: s.subscriptions()):
        if subscription.id == webhook and (who.role == "admin"
                                           or subscription.party == who.party):
            return subscription
    raise ApiError(404, "webhook_not_found", f"there is no webhook {webhook!r} of yours "
                   f"in {found.treaty_id}", "path.webhook")


@router.post("/{treaty}/webhooks", status_code=201, response_model=RegisteredWebhook,
             summary="Register a webhook (an officer: its party's; the admin: any party's)")
async def register_webhook(request: Request, body: WebhookIn, found: Ledger, access: Access,
                           now: Now, who: Holder) -> dict[str, Any]:
    if who.role == "officer":
        if body.party is not None and body.party != who.party:
            await refuse(request, access, now, who.describe(), 403, "forbidden",
                         f"an officer registers its own party's webhooks ({who.party}), "
                         f"not {body.party}'s", "body.party")
        party = who.party
    else:
        party = body.party
    if party is None:
        raise ApiError(422, "invalid_parameter", "the administrator names the party whose "
                       "webhook this is", "body.party")
    if party not in await found.run(party_codes, found):
        raise ApiError(422, "invalid_parameter", f"{party!r} is not a party of "
                       f"{found.treaty_id}", "body.party")
    try:
        url = check_webhook_url(body.url)
        if not request.app.state.allow_private_webhooks:
            await check_public_host(url)
    except ValueError as error:
        raise ApiError(422, "invalid_webhook_url", str(error), "body.url") from None
    size = int((await found.entries_page(0, 1))["tree_size"])
    if body.since is not None and body.since > size:
        raise ApiError(422, "invalid_parameter", f"the log has {size} entries; "
                       f"{body.since} is past its end", "body.since")
    moment: datetime = now.now()
    added = await _in_store(found.settings.db, lambda s: s.add(
        party, url, size if body.since is None else body.since, moment, over_http=True))
    return added.to_json() | {"signing_key": public_key_text(found.signer.public().public_key)}


@router.get("/{treaty}/webhooks", response_model=WebhookList,
            summary="The webhooks and where their delivery stands (an officer: its "
            "party's; the admin: all)")
async def list_webhooks(found: Ledger, who: Holder) -> dict[str, Any]:
    party = None if who.role == "admin" else who.party
    found_now = await _in_store(found.settings.db, lambda s: s.subscriptions(party))
    return {"webhooks": [s.to_json() for s in found_now]}


@router.delete("/{treaty}/webhooks/{webhook}", response_model=WebhookModel,
               summary="Stop delivering to a webhook (its delivery log is kept)")
async def remove_webhook(found: Ledger, who: Holder, webhook: WebhookId) -> dict[str, Any]:
    subscription = await _owned(found, who, webhook)
    if not await _in_store(found.settings.db, lambda s: s.remove(subscription.id)):
        raise ApiError(404, "webhook_not_found", f"there is no webhook {webhook!r} of "
                       f"yours in {found.treaty_id}", "path.webhook")
    return subscription.to_json()


@router.get("/{treaty}/webhooks/{webhook}/attempts", response_model=AttemptList,
            summary="A webhook's delivery log, oldest first")
async def webhook_attempts(found: Ledger, who: Holder, webhook: WebhookId) -> dict[str, Any]:
    subscription = await _owned(found, who, webhook)
    attempts, notices = await _in_store(
        found.settings.db, lambda s: (s.attempts(subscription.id),
                                      s.notice_attempts(subscription.id)))
    return {"attempts": [a.to_json() for a in attempts],
            "notice_attempts": [a.to_json() for a in notices]}
