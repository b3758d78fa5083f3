"""`treatyline webhooks`: the parties' webhook subscriptions of a ledger, and their delivery
log (see docs/server.md, "Notifications").

This is the depositary's own machine: any party's webhook, any address (the rule against
non-public addresses is for the HTTP route, where a party's officer registers its own:
server/routes/webhooks.py).
"""

from __future__ import annotations

from types import ModuleType
from typing import TYPE_CHECKING, Annotated

import typer
from rich.text import Text

from .cli_ledger_common import DbOpt, SpecOpt, now, open_ledger, print_json, stdout
from .errors import UsageError

if TYPE_CHECKING:
    from .server.webhooks import SubscriptionStore

__all__ = ["webhooks_app"]

webhooks_app = typer.Typer(help="Webhooks: the depositary's notifications POSTed to the "
                           "address a party registers, signed with the depositary's key "
                           "(see docs/server.md).", no_args_is_help=True)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON.")]


def _webhooks() -> ModuleType:
    """The server's webhooks module (its libraries are needed: a message if missing)."""
    try:
        from .server import webhooks
    except ImportError as error:
        raise UsageError(f"webhooks need the server's libraries: pip install "
                         f"'treatyline[server]' ({error})") from None
    return webhooks


def _subscriptions(db: str) -> SubscriptionStore:
    """The webhook tables of the ledger at `db`."""
    store: SubscriptionStore = _webhooks().SubscriptionStore(db)
    return store


@webhooks_app.command("add")
def webhooks_add(
    db: DbOpt,
    party: Annotated[str, typer.Option("--party", help="The party whose address this is "
                                       "(a party of the treaty, e.g. UA).")],
    url: Annotated[str, typer.Option("--url", help="Where to POST the notifications: an "
                                     "http:// or https:// URL, with no user or password.")],
    since: Annotated[int | None, typer.Option("--since", min=0, help="The first entry to "
                                              "deliver (default: the entries appended from "
                                              "now on).")] = None,
    spec: SpecOpt = None,
    json_output: JsonOpt = False,
) -> None:
    """Register a party's webhook: every notification from now on (or from --since) is
    POSTed to it by the running server, signed by the depositary's key (printed, as
    Standard Webhooks writes it: whpk_ and base64)."""
    try:
        _webhooks().check_webhook_url(url)
    except ValueError as error:
        raise UsageError(f"--url: {error}") from None
    with open_ledger(db, spec) as depositary:
        parties = [p.code for p in depositary.treaty.parties]
        if party not in parties:
            raise UsageError(f"--party: {party!r} is not a party of {depositary.treaty.id} "
                             f"(its parties: {', '.join(parties)})")
        size = depositary.store.size()
        signing_key = _webhooks().public_key_text(depositary.state.depositary_key().public_key)
    if since is not None and since > size:
        raise UsageError(f"--since: the log has {size} entries; {since} is past its end")
    with _subscriptions(db) as store:
        added = store.add(party, url, size if since is None else since, now())
    if json_output:
        print_json(added.to_json() | {"signing_key": signing_key})
        return
    stdout.print(Text(f"added {added.id}: {party} at {url}, from entry {added.next_index}; "
                      f"signed by the depositary's key {signing_key}"), soft_wrap=True)


@webhooks_app.command("list")
def webhooks_list(
    db: DbOpt,
    party: Annotated[str | None, typer.Option("--party", help="Only this party's.")] = None,
    json_output: JsonOpt = False,
) -> None:
    """The webhooks registered: id, party, address, the next entry and the next deadline
    notice to deliver, and the failures since the last delivery with the time of the next
    attempt."""
    with _subscriptions(db) as store:
        found = store.subscriptions(party)
    if json_output:
        print_json({"subscriptions": [s.to_json() for s in found]})
        return
    for s in found:
        pending = (f"; {s.failures} failed attempt(s), next at {s.next_attempt.isoformat()}"
                   if s.next_attempt else "")
        notices = (f"; {s.notice_failures} failed notice attempt(s), next at "
                   f"{s.notice_next_attempt.isoformat()}" if s.notice_next_attempt else "")
        stdout.print(Text(f"{s.id}  {s.party:<8} {s.url}  next entry {s.next_index}{pending}"
                          f", next notice {s.next_notice}{notices}"), soft_wrap=True)


@webhooks_app.command("remove")
def webhooks_remove(
    db: DbOpt,
    subscription: Annotated[str, typer.Argument(help="The webhook's id (webhooks list).")],
) -> None:
    """Stop delivering to a webhook (its delivery log is kept)."""
    with _subscriptions(db) as store:
        if not store.remove(subscription):
            raise UsageError(f"there is no webhook {subscription!r} in {db} "
                             "(see 'treatyline webhooks list')")
    stdout.print(Text(f"removed {subscription}"), soft_wrap=True)


@webhooks_app.command("log")
def webhooks_log(
    db: DbOpt,
    subscription: Annotated[str | None, typer.Option("--id", help="Only this webhook's.")]
    = None,
    json_output: JsonOpt = False,
) -> None:
    """The delivery log: each attempt's webhook, entry or deadline notice, number, time, and
    outcome (the receiver's status, a timeout or a connection error) with the time of the
    next."""
    with _subscriptions(db) as store:
        found = store.attempts(subscription)
        notices = store.notice_attempts(subscription)
    if json_output:
        print_json({"attempts": [a.to_json() for a in found],
                    "notice_attempts": [a.to_json() for a in notices]})
        return
    for a, what in sorted([(a, "entry") for a in found] + [(a, "notice") for a in notices],
                          key=lambda pair: pair[0].at):
        outcome = f"delivered ({a.status})" if a.delivered else (
            f"failed: {a.error}" + (f"; next at {a.next_attempt.isoformat()}"
                                    if a.next_attempt else ""))
        stdout.print(Text(f"{a.at.isoformat()}  {a.subscription}  {what} {a.entry} "
                          f"attempt {a.attempt}  {outcome}"), soft_wrap=True)
