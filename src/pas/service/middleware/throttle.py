"""Failed authentication per client address: beyond a limit, 429 without a key lookup."""

from __future__ import annotations

import ipaddress
import math
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from urllib.parse import unquote_to_bytes

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pas.core.auth import hash_key
from pas.service.middleware.addresses import ClientAddress
from pas.service.middleware.answers import send_error

#: probes that must answer even to an address that is being throttled
UNTHROTTLED = frozenset({"/health", "/ready"})
#: how long a key that authenticated stays "known good" for its address's throttle
KNOWN_GOOD_SECONDS = 3600.0
#: bound on the addresses and keys remembered (about 15 MB at most: a flood from many
#: sources cannot grow memory; the least recently seen are forgotten first)
MAX_TRACKED = 10_000
#: the close code /ws ends a session with when its key is refused (routers/ws.py)
WS_UNAUTHORIZED = 4401
#: the close code a refused WebSocket handshake gets (the server answers it with HTTP 403)
WS_POLICY_VIOLATION = 1008


class FailureWindows:
    """The times of each address's recent 401 answers (a sliding window)."""

    def __init__(self, max_failures: int, window_seconds: float) -> None:
        self.max_failures = max_failures
        self.window_seconds = window_seconds
        self._failures: OrderedDict[str, deque[float]] = OrderedDict()

    def record(self, address: str, now: float) -> None:
        """Remember one failure of `address` at `now`."""
        times = self._failures.pop(address, None) or deque(maxlen=self.max_failures)
        times.append(now)
        self._failures[address] = times  # most recent last: the oldest are dropped first
        while len(self._failures) > MAX_TRACKED:
            self._failures.popitem(last=False)

    def retry_after(self, address: str, now: float) -> float:
        """Return the seconds until `address` may try again (0 when it may now)."""
        times = self._failures.get(address)
        if times is None or len(times) < self.max_failures:
            return 0.0
        wait = times[0] + self.window_seconds - now
        if wait <= 0:
            return 0.0
        return wait


class FailedAuthLimit:
    """429 for an address that failed authentication `max_failures` times in a window.

    A refused request never reaches a route, so it costs no database lookup.
    A key that authenticated within the last hour still passes (`verified`
    says whether a key hash is one the app has just verified), so a
    neighbour behind the same address flooding bad keys does not lock out a
    valid key; health probes always pass. WebSocket sessions closed for a bad
    key count as failures too.
    """

    def __init__(
        self,
        app: ASGIApp,
        addresses: ClientAddress,
        verified: Callable[[str], bool],
        max_failures: int,
        window_seconds: float,
    ) -> None:
        self.app = app
        self.addresses = addresses
        self.verified = verified
        self.windows = FailureWindows(max_failures, window_seconds)
        self._good: OrderedDict[str, float] = OrderedDict()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve one request, or refuse it when its address is throttled."""
        if scope["type"] == "websocket":
            await self._websocket(scope, receive, send)
            return
        if scope["type"] != "http" or scope["path"] in UNTHROTTLED:
            await self.app(scope, receive, send)
            return
        address = bucket(self.addresses(scope))
        credential = _credential(scope)
        now = time.monotonic()
        wait = self.windows.retry_after(address, now)
        if wait > 0 and not self._known_good(credential, now):
            await send_error(
                send,
                429,
                "too_many_failures",
                "too many failed authentications from this address; try again later",
                {"retry_after_s": math.ceil(wait)},
                {"Retry-After": str(math.ceil(wait))},
            )
            return

        async def watch(message: Message) -> None:
            if message["type"] == "http.response.start":
                self._outcome(message["status"], address, credential)
            await send(message)

        await self.app(scope, receive, watch)

    async def _websocket(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Refuse the handshake of a throttled address; count sessions closed as unauthorized.

        The key of a WebSocket usually comes in its first message, after the
        handshake: a throttled address is refused before it can send one
        (unless its `token` parameter is a key known to be good).
        """
        address = bucket(self.addresses(scope))
        credential = _query_token(scope)
        now = time.monotonic()
        if self.windows.retry_after(address, now) > 0 and not self._known_good(credential, now):
            await send({"type": "websocket.close", "code": WS_POLICY_VIOLATION})
            return

        async def watch(message: Message) -> None:
            if message["type"] == "websocket.close" and message.get("code") == WS_UNAUTHORIZED:
                self._outcome(401, address, credential)
            await send(message)

        await self.app(scope, receive, watch)

    def _outcome(self, status: int, address: str, credential: str | None) -> None:
        now = time.monotonic()
        if status == 401:
            self.windows.record(address, now)
            if credential is not None:
                self._good.pop(credential, None)
        elif credential is not None and self.verified(credential):
            self._good.pop(credential, None)
            self._good[credential] = now
            while len(self._good) > MAX_TRACKED:
                self._good.popitem(last=False)

    def _known_good(self, credential: str | None, now: float) -> bool:
        seen = self._good.get(credential) if credential is not None else None
        return seen is not None and now - seen < KNOWN_GOOD_SECONDS


def bucket(address: str) -> str:
    """Return what failures are counted under: the address, or its /64 for IPv6.

    One IPv6 host usually holds a whole /64, so counting single addresses
    would let it try 2**64 times as often.
    """
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv4Address):
        return str(ip)
    if ip.ipv4_mapped is not None:
        return str(ip.ipv4_mapped)
    return str(ipaddress.ip_network(f"{ip}/64", strict=False))


def _query_token(scope: Scope) -> str | None:
    """Return the hash of a `token` query parameter (the WebSocket's optional key), or None."""
    for pair in scope.get("query_string", b"").split(b"&"):
        name, _, value = pair.partition(b"=")
        if name == b"token" and value:
            return hash_key(unquote_to_bytes(value).decode("utf-8", "replace"))
    return None


def _credential(scope: Scope) -> str | None:
    """Return the hash of the key a request presents (never the key itself), or None."""
    for name, value in scope.get("headers", ()):
        if name == b"authorization" and value[:7].lower() == b"bearer ":
            key = value[7:].strip()
        elif name == b"x-api-key":
            key = value.strip()
        else:
            continue
        if key:
            return hash_key(key.decode("latin-1"))
    return None
