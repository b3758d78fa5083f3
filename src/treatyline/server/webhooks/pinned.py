"""Delivery to a webhook registered over HTTP: its host is checked again at every
connection, and the connection goes to the address that was checked.

A host checked once, at registration, may later resolve to the server's loopback or its
private network (DNS rebinding, or a name simply re-pointed). Checking the name at delivery
and then letting httpx resolve it again would leave a window: a DNS answer with a short
lifetime can change between the two look-ups. So the check is made inside the connection
itself: `PublicOnlyBackend` is httpcore's network backend, the layer that opens the TCP
socket. It resolves the host once, refuses the connection if any address is not public,
and connects to one of those same addresses. Everything above the socket is unchanged:
the URL keeps its host name, so the request's Host header is the name, and for https the
TLS handshake's server name (SNI) and the certificate's check use the name too (httpcore
takes them from the request's origin, not from the address the socket went to). Rewriting
the URL to the address instead would break exactly those for https.

A connection kept alive is reused without a new look-up: it goes to an address that was
checked when it was opened."""

from __future__ import annotations

import ssl
import typing

import httpcore
import httpx

from .public_hosts import non_public_kind, resolve

__all__ = ["NotPublicAddress", "PublicOnlyBackend", "public_only_transport"]


class NotPublicAddress(httpcore.ConnectError):
    """A webhook's host resolved to an address it may not be sent to. A `ConnectError`,
    so that httpx reports it as one (`httpx.ConnectError`, this as its cause)."""


class PublicOnlyBackend(httpcore.AsyncNetworkBackend):
    """httpcore's own backend, except that a TCP connection goes only to a public
    address: the host is resolved here, and the socket opened to the checked address."""

    def __init__(self, inner: httpcore.AsyncNetworkBackend | None = None) -> None:
        self._inner = inner or httpcore.AnyIOBackend()

    async def connect_tcp(
            self, host: str, port: int, timeout: float | None = None,
            local_address: str | None = None,
            socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        try:
            addresses = await resolve(host)
        except (OSError, UnicodeError) as error:
            raise httpcore.ConnectError(f"the host {host!r} does not resolve: "
                                        f"{error}") from error
        for address in addresses:  # one bad address refuses all: the same as registering
            kind = non_public_kind(address)
            if kind is not None:
                raise NotPublicAddress(f"address not public: {address} ({kind})")
        failure: Exception | None = None
        for address in addresses:
            try:
                return await self._inner.connect_tcp(
                    str(address), port, timeout=timeout, local_address=local_address,
                    socket_options=socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as error:
                failure = error  # the next address, as a resolver's caller would
        assert failure is not None  # resolve returns at least one address
        raise failure

    async def connect_unix_socket(
            self, path: str, timeout: float | None = None,
            socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("a webhook is not sent to a Unix socket")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


def public_only_transport(verify: ssl.SSLContext | bool = True) -> httpx.AsyncHTTPTransport:
    """An httpx transport whose connections go through `PublicOnlyBackend`, with httpx's
    TLS verification (`verify` as httpx takes it: the tests' own authority) and limits,
    and no proxy (a proxy would resolve the host itself, past the check)."""
    transport = httpx.AsyncHTTPTransport()
    limits = httpx.Limits(max_connections=100, max_keepalive_connections=20)
    # httpx takes no network backend of its own; its pool is httpcore's, which does. The
    # pool is replaced before any use (the transport opens nothing when made).
    transport._pool = httpcore.AsyncConnectionPool(
        ssl_context=httpx.create_ssl_context(verify=verify),
        max_connections=limits.max_connections,
        max_keepalive_connections=limits.max_keepalive_connections,
        network_backend=PublicOnlyBackend())
    return transport

