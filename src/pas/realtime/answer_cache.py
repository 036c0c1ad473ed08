"""Cache adapters: an in-process LRU, Redis shared by every worker, and the two in tiers.

Keys embed the data versions an answer rests on (`pas.service.answers`), so no
entry is ever stale: a write bumps its version and the old entries are never
asked for again; they age out by LRU order or TTL. A Redis outage costs a miss,
never a failed read.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)


class LruCache:
    """The in-process twin: least recently used entries go first beyond `max_bytes`."""

    def __init__(self, max_bytes: int = 64 << 20, clock: Callable[[], float] = time.monotonic):
        self.max_bytes = max_bytes
        self.clock = clock
        self._entries: OrderedDict[str, tuple[float, bytes]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: str) -> bytes | None:
        """Return the value stored under `key` unless expired, or None."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            expires, value = entry
            if expires <= self.clock():
                self._drop(key)
                return None
            self._entries.move_to_end(key)
            return value

    def set(self, key: str, value: bytes, ttl_seconds: float) -> None:
        """Store `value` under `key` for `ttl_seconds` (a value larger than the cache is skipped)."""
        if len(value) > self.max_bytes:
            return
        with self._lock:
            if key in self._entries:
                self._drop(key)
            self._entries[key] = (self.clock() + ttl_seconds, value)
            self._bytes += len(value)
            while self._bytes > self.max_bytes:
                self._drop(next(iter(self._entries)))

    def clear(self) -> None:
        """Drop every entry."""
        with self._lock:
            self._entries.clear()
            self._bytes = 0

    def _drop(self, key: str) -> None:
        _, value = self._entries.pop(key)
        self._bytes -= len(value)


class RedisCache:
    """Entries shared by every API worker under `<prefix>:cache:<sha1 of the key>`."""

    def __init__(self, client: Any, prefix: str) -> None:
        self.client = client
        self.space = f"{prefix}:cache:"

    def _key(self, key: str) -> str:
        return self.space + hashlib.sha1(key.encode()).hexdigest()

    def get(self, key: str) -> bytes | None:
        """Return the stored value, or None (also when Redis does not answer)."""
        try:
            value = self.client.get(self._key(key))
        except Exception as exc:  # a cache outage is a miss, never a failed read
            log.warning("cache read failed: %s", type(exc).__name__)
            return None
        return bytes(value) if value is not None else None

    def set(self, key: str, value: bytes, ttl_seconds: float) -> None:
        """Store `value` with a TTL (best effort)."""
        try:
            self.client.set(self._key(key), value, px=max(1, int(ttl_seconds * 1000)))
        except Exception as exc:
            log.warning("cache write failed: %s", type(exc).__name__)

    def clear(self) -> None:
        """Drop every entry of this prefix."""
        for key in self.client.scan_iter(self.space + "*", count=1000):
            self.client.delete(key)


class TieredCache:
    """A small in-process LRU in front of Redis: a hit costs no round trip.

    Safe because keys carry the data versions: an in-process entry can never
    be older than the data its key names.
    """

    def __init__(self, near: LruCache, far: RedisCache) -> None:
        self.near = near
        self.far = far

    def get(self, key: str) -> bytes | None:
        """Return the value from the near tier, else from Redis (kept near for next time)."""
        value = self.near.get(key)
        if value is None:
            value = self.far.get(key)
            if value is not None:
                self.near.set(key, value, 60.0)
        return value

    def set(self, key: str, value: bytes, ttl_seconds: float) -> None:
        """Store in both tiers."""
        self.near.set(key, value, min(ttl_seconds, 60.0))
        self.far.set(key, value, ttl_seconds)

    def clear(self) -> None:
        """Drop every entry in both tiers."""
        self.near.clear()
        self.far.clear()
