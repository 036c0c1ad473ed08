"""The address a request comes from, believing X-Forwarded-For only from trusted proxies."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from starlette.types import Scope

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def _ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


class ClientAddress:
    """Resolves a request's client address.

    The peer of the connection is the client, unless it is one of
    `trusted_proxies`: then X-Forwarded-For is read from the right, skipping
    trusted proxies, and the first other address is the client. A header
    from an untrusted peer is ignored (anyone can write one).
    """

    def __init__(self, trusted_proxies: Iterable[str] = ()) -> None:
        self.trusted: tuple[Network, ...] = tuple(
            ipaddress.ip_network(p, strict=False) for p in trusted_proxies
        )

    def _is_trusted(self, address: str) -> bool:
        ip = _ip(address)
        return ip is not None and any(ip in net for net in self.trusted)

    def __call__(self, scope: Scope) -> str:
        """Return the client address of an HTTP or WebSocket scope ("unknown" when none)."""
        client = scope.get("client")
        peer = str(client[0]) if client else "unknown"
        if not self.trusted or not self._is_trusted(peer):
            return peer
        hops = [
            hop.strip()
            for name, value in scope.get("headers", ())
            if name == b"x-forwarded-for"
            for hop in value.decode("latin-1").split(",")
        ]
        for hop in reversed(hops):
            if not self._is_trusted(hop):
                return hop if _ip(hop) is not None else peer
        return hops[0] if hops else peer

    @staticmethod
    def is_loopback(address: str) -> bool:
        """Return True for 127.0.0.0/8 and ::1."""
        ip = _ip(address)
        return ip is not None and ip.is_loopback
