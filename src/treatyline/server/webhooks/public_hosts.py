"""The guard against server-side request forgery at a webhook's registration over HTTP:
a party's officer chooses where the depositary's server will send requests, so by default
that place must be on the public internet — not the server's own loopback, the private
networks behind it, link-local addresses (cloud metadata services live at 169.254.169.254)
or any other address the `ipaddress` module does not call global. A host name is resolved
and every address it resolves to must be public. The server's operator may allow the
others (`treatyline serve --allow-private-webhooks`: a receiver on the same network, the
tests' on 127.0.0.1).

The check is made when the webhook is registered, and again at every connection the
delivering worker opens for it (`webhooks/pinned.py`): a name whose DNS answer changes
later (DNS rebinding, a host re-pointed) is refused then, and the connection goes to the
very address that was checked."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from urllib.parse import urlsplit

__all__ = ["IpAddress", "check_public_host", "non_public_kind", "non_public_reason",
           "resolve"]

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def non_public_kind(address: IpAddress) -> str | None:
    """What kind of non-public address `address` is ("loopback", "private", ...); None if
    it is public."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return non_public_kind(address.ipv4_mapped)
    for kind, found in (("loopback", address.is_loopback), ("private", address.is_private),
                        ("link-local", address.is_link_local),
                        ("multicast", address.is_multicast),
                        ("unspecified", address.is_unspecified),
                        ("reserved", address.is_reserved)):
        if found:
            return kind
    if not address.is_global:
        return "not public"
    return None


def non_public_reason(address: IpAddress) -> str | None:
    """Why a webhook may not be sent to `address` by default; None if it is public."""
    kind = non_public_kind(address)
    if kind is None:
        return None
    return "not a public address" if kind == "not public" else f"a {kind} address"


async def resolve(host: str) -> list[IpAddress]:
    """The addresses of `host` (itself if it is an address). OSError or UnicodeError if
    it does not resolve."""
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    found = await asyncio.get_running_loop().getaddrinfo(host, None, type=socket.SOCK_STREAM)
    # a scoped IPv6 address (fe80::1%eth0) is checked without its zone
    return list(dict.fromkeys(ipaddress.ip_address(str(info[4][0]).split("%")[0])
                              for info in found))


async def check_public_host(url: str) -> None:
    """ValueError unless the host of `url` (a URL `check_webhook_url` accepted) is, or
    resolves only to, public addresses."""
    host = urlsplit(url).hostname or ""
    try:
        addresses = await resolve(host)
    except (OSError, UnicodeError) as error:
        raise ValueError(f"the host {host!r} does not resolve ({error}); a webhook's "
                         "host must be reachable") from None
    for address in addresses:
        reason = non_public_reason(address)
        if reason is not None:
            raise ValueError(f"the host {host!r} is {address}, {reason}: webhooks go to "
                             "public addresses only on this server (its operator may allow "
                             "others: serve --allow-private-webhooks)")
