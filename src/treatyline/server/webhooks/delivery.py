"""The delivering worker: one asyncio task per ledger, started and stopped with the app.

At every tick (`DeliveryOptions.poll_seconds`) the worker takes the database's delivery
lock if it can (one worker delivers per database, however many server processes run),
then, for each subscription due (no failure pending, or its next attempt's time reached
on the server's clock), POSTs the notifications from the subscription's cursor on, in
order: one entry at a time, each signed with the depositary's key. A 2xx moves the cursor;
anything else (another status, a timeout, a connection error) is logged, and the entry is
tried again after an exponential backoff with jitter, capped. Redirects are not followed
(a moved receiver registers its new address). Every time comes from the injected clock,
so tests move time instead of sleeping through a backoff.

A webhook registered over HTTP is sent through a client whose connections go only to
public addresses, checked as each is opened (`pinned.py`), unless the server allows
private webhooks; one registered with the depositary's CLI is trusted. A refused address
is a failed attempt like any connection error ("address not public: 10.0.0.5 (private)"),
retried with the same backoff: the host may be pointed back.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from http import HTTPStatus
from typing import TYPE_CHECKING, Any, TypeVar

import httpx

from ...ledger.store import LedgerStore, StoredEntry, open_store
from ..deadlines.store import IssuedNotice, NoticeStore
from ..feeds import notification_item
from ..tasks import cancelled
from .pinned import NotPublicAddress, public_only_transport
from .signing import webhook_headers
from .store import Attempt, Subscription, SubscriptionStore

if TYPE_CHECKING:
    from fastapi import FastAPI

    from ...ledger.keys import PartyKey
    from ..settings import Clock

__all__ = ["NOTICE_TYPES", "DeliveryOptions", "WebhookWorker", "delivering_webhooks",
           "retry_delay", "webhook_id"]

NOTICE_TYPES = {"obligation_triggered": "obligation.triggered",
                "deadline_reminder": "deadline.reminder",
                "deadline_passed": "deadline.passed",
                "obligation_fulfilled": "obligation.fulfilled"}
"""The webhook `type` of each kind of deadline notice (entries are `ledger.notification`)."""

log = logging.getLogger("treatyline.server.webhooks")
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class DeliveryOptions:
    poll_seconds: float = 0.5
    timeout_seconds: float = 10.0
    """For each of connecting, sending and reading the answer; the whole request gets
    twice that."""
    first_retry_seconds: float = 5.0
    max_retry_seconds: float = 3600.0
    batch: int = 100
    """Entries read at a time for one subscription."""


def retry_delay(failures: int, options: DeliveryOptions, rng: random.Random) -> timedelta:
    """How long to wait after the `failures`-th failed attempt in a row: the first retry
    delay doubled each time, capped, of which a random half ("equal jitter": never less
    than half the delay, so retries stay spread out, and never in step across
    receivers)."""
    full = min(options.max_retry_seconds,
               options.first_retry_seconds * 2.0 ** min(failures - 1, 60))
    return timedelta(seconds=full / 2 + rng.uniform(0, full / 2))


def webhook_id(treaty: str, index: int) -> str:
    """The `webhook-id` of an entry's notification: the same at every attempt and in every
    process, so that receivers can drop repeats. A treaty id's '.' becomes '_' (the id may
    hold no '.'; '_' is never in a treaty id, so no two treaties share one)."""
    return f"msg_{treaty.replace('.', '_')}_{index}"


def _outcome(status: int) -> str | None:
    if 200 <= status < 300:
        return None
    try:
        return f"HTTP {status} {HTTPStatus(status).phrase}"
    except ValueError:
        return f"HTTP {status}"


class WebhookWorker:
    """Delivers one ledger's notifications to its subscriptions (see the module)."""

    def __init__(self, db: str, treaty: str, signer: PartyKey, clock: Clock,
                 options: DeliveryOptions, rng: random.Random | None = None, *,
                 allow_private: bool = False) -> None:
        self.db, self.treaty, self.signer, self.clock = db, treaty, signer, clock
        self.options, self.rng = options, rng or random.Random()
        self.allow_private = allow_private
        """Whether webhooks registered over HTTP may go to non-public addresses."""
        self._public_only: httpx.AsyncClient | None = None
        self._thread = ThreadPoolExecutor(1, thread_name_prefix=f"webhooks-{db}")
        self._subscriptions: SubscriptionStore | None = None
        self._ledger: LedgerStore | None = None
        self._notices: NoticeStore | None = None

    async def _call(self, call: Callable[[], T]) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._thread, call)

    def _open(self) -> SubscriptionStore:
        if self._subscriptions is None:
            self._subscriptions = SubscriptionStore(self.db)
            self._ledger = open_store(self.db)
            self._notices = NoticeStore(self.db)
        return self._subscriptions

    def _close(self) -> None:
        for opened in (self._subscriptions, self._ledger, self._notices):
            if opened is not None:
                with suppress(Exception):
                    opened.close()
        self._subscriptions = self._ledger = self._notices = None

    async def run(self) -> None:
        """Tick until cancelled; a failing tick (the database gone, say) is logged, and the
        connections are opened again at the next, after a wait that doubles while it
        fails."""
        timeout = httpx.Timeout(self.options.timeout_seconds)
        async with (httpx.AsyncClient(timeout=timeout, follow_redirects=False) as client,
                    httpx.AsyncClient(timeout=timeout, follow_redirects=False,
                                      transport=public_only_transport()) as public_only):
            self._public_only = public_only
            failing = 0  # ticks failed in a row: waits grow to 30 s, not to flood the log
            try:
                while True:
                    try:
                        await self.tick(client)
                        failing = 0
                    except Exception:
                        failing += 1
                        log.exception("webhook delivery of %s failed (%d in a row); trying "
                                      "again", self.db, failing)
                        await self._call(self._close)
                    await asyncio.sleep(min(30.0, self.options.poll_seconds * 2.0 ** min(
                        failing, 10)))
            finally:
                await self._call(self._close)
                self._thread.shutdown()

    async def tick(self, client: httpx.AsyncClient) -> None:
        store = await self._call(self._open)
        if not await self._call(store.try_lock):
            return
        now = self.clock.now()
        subscriptions = await self._call(store.subscriptions)
        due = [s for s in subscriptions if s.next_attempt is None or s.next_attempt <= now]
        # a party's notices go apart from its entries: a receiver that fails one kind
        # does not hold up the other, each with its own cursor and backoff
        notices_due = [s for s in subscriptions if s.notice_next_attempt is None
                       or s.notice_next_attempt <= now]
        await asyncio.gather(*(self._deliver(client, store, s) for s in due),
                             *(self._deliver_notices(client, store, s) for s in notices_due))

    def _entries(self, start: int) -> list[StoredEntry]:
        assert self._ledger is not None
        return self._ledger.entries(start, start + self.options.batch)

    async def _deliver(self, client: httpx.AsyncClient, store: SubscriptionStore,
                       subscription: Subscription) -> None:
        """Deliver from the cursor on until an attempt fails or the log's end."""
        cursor = subscription.next_index
        entries = await self._call(partial(self._entries, cursor))
        for entry in entries:
            item = notification_item(self.treaty, entry)
            if item is None:
                continue
            attempt = await self._attempt(client, subscription, entry.index, item)
            await self._call(partial(store.record, subscription, attempt))
            if not attempt.delivered:
                return
            cursor = entry.index + 1
        if entries and entries[-1].index + 1 > cursor:  # a tail with nothing to deliver
            await self._call(partial(store.advance, subscription.id, cursor,
                                     entries[-1].index + 1))

    def _notice_page(self, start: int) -> list[IssuedNotice]:
        assert self._notices is not None
        return self._notices.page(start, self.options.batch)

    async def _deliver_notices(self, client: httpx.AsyncClient, store: SubscriptionStore,
                               subscription: Subscription) -> None:
        """Deliver the party's deadline notices from the notices' cursor on, as entries
        are delivered: until an attempt fails or the last notice."""
        cursor = subscription.next_notice
        notices = await self._call(partial(self._notice_page, cursor))
        for issued in notices:
            if issued.bearer != subscription.party:
                continue
            number = (subscription.notice_failures + 1
                      if issued.seq == subscription.next_notice else 1)
            attempt = await self._post(
                client, subscription, issued.seq, number, issued.notice["id"],
                {"type": NOTICE_TYPES[issued.notice["kind"]], "timestamp": issued.issued,
                 "data": issued.to_json()})
            await self._call(partial(store.record_notice, attempt))
            if not attempt.delivered:
                return
            cursor = issued.seq + 1
        if notices and notices[-1].seq + 1 > cursor:  # a tail of the other parties'
            await self._call(partial(store.advance_notices, subscription.id, cursor,
                                     notices[-1].seq + 1))

    async def _attempt(self, client: httpx.AsyncClient, subscription: Subscription,
                       index: int, item: dict[str, Any]) -> Attempt:
        # a failure stops the cursor at its entry: the failures counted are this entry's
        # when the cursor is at it
        number = subscription.failures + 1 if index == subscription.next_index else 1
        return await self._post(client, subscription, index, number,
                                webhook_id(self.treaty, index),
                                {"type": "ledger.notification", "timestamp": item["received"],
                                 "data": item})

    async def _post(self, client: httpx.AsyncClient, subscription: Subscription, index: int,
                    number: int, message_id: str, payload: dict[str, Any]) -> Attempt:
        """POST one signed payload: the attempt, delivered or not (`index`: the entry's
        index or the notice's sequence number)."""
        at = self.clock.now()
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        headers = webhook_headers(self.signer.sign, message_id, int(at.timestamp()), body)
        status: int | None = None
        if subscription.over_http and not self.allow_private:
            assert self._public_only is not None, "made by `run`, with `client`"
            client = self._public_only
        try:
            async with asyncio.timeout(2 * self.options.timeout_seconds):
                async with client.stream("POST", subscription.url, content=body,
                                         headers=headers) as response:
                    status = response.status_code  # the answer's body is not read
            error = _outcome(status)
        except (TimeoutError, httpx.TimeoutException):
            error = "timeout"
        except httpx.HTTPError as failure:
            if isinstance(failure.__cause__, NotPublicAddress):
                error = str(failure.__cause__)
            else:
                error = f"connection error: {type(failure).__name__}: {failure}"[:500]
        delivered = error is None
        later = (None if delivered else
                 at + retry_delay(number, self.options, self.rng))
        if not delivered:
            log.warning("webhook %s of %s to %s: attempt %d failed (%s); next at %s",
                        subscription.id, message_id, subscription.url, number, error, later)
        return Attempt(subscription.id, index, number, at, delivered, status, error, later)


@asynccontextmanager
async def delivering_webhooks(app: FastAPI, signer: PartyKey) -> AsyncIterator[None]:
    """A delivering worker for each ledger the app holds, for as long as the block runs
    (the app's lifespan). Options: `app.state.delivery_options` if set."""
    options: DeliveryOptions = getattr(app.state, "delivery_options", DeliveryOptions())
    allow_private: bool = getattr(app.state, "allow_private_webhooks", False)
    workers = [WebhookWorker(ledger.settings.db, ledger.treaty_id, signer, app.state.clock,
                             options, allow_private=allow_private)
               for ledger in app.state.treaties.by_id.values()]
    tasks = [asyncio.create_task(worker.run(), name=f"webhooks {worker.db}")
             for worker in workers]
    try:
        yield
    finally:
        await cancelled(tasks)

