"""Hot read values with a TTL, invalidated by bumping a namespace's version.

A key is stored under `<namespace>:<version>:<key>`; `invalidate(namespace)`
increments the version, so every worker misses at once and old entries die
with their TTL. Redis when configured (shared by every worker), else a dict
in this process.
"""

from __future__ import annotations

import threading
import time
from typing import Any


class RedisCache:
    """The cache in Redis, shared by every API worker and the updater."""

    def __init__(self, client: Any, prefix: str) -> None:
        self.client = client
        self.prefix = f"{prefix}:cache"

    def get(self, namespace: str, key: str) -> str | None:
        """Return the cached text, or None on a miss (or when Redis does not answer)."""
        try:
            version = self.client.get(f"{self.prefix}:{namespace}:v") or b"0"
            value = self.client.get(f"{self.prefix}:{namespace}:{version.decode()}:{key}")
        except Exception:  # a cache outage is a miss, not an error
            return None
        return value.decode() if value is not None else None

    def put(self, namespace: str, key: str, value: str, ttl_seconds: float) -> None:
        """Store `value` for `ttl_seconds` under the namespace's current version."""
        try:
            version = self.client.get(f"{self.prefix}:{namespace}:v") or b"0"
            name = f"{self.prefix}:{namespace}:{version.decode()}:{key}"
            self.client.set(name, value, px=max(int(ttl_seconds * 1000), 1))
        except Exception:
            return

    def invalidate(self, namespace: str) -> None:
        """Make every entry of the namespace a miss."""
        try:
            self.client.incr(f"{self.prefix}:{namespace}:v")
        except Exception:
            return


class MemoryCache:
    """The cache inside this process (no Redis)."""

    def __init__(self) -> None:
        self._entries: dict[tuple[str, str], tuple[float, int, str]] = {}
        self._versions: dict[str, int] = {}
        self._lock = threading.Lock()

    def get(self, namespace: str, key: str) -> str | None:
        """Return the cached text, or None on a miss."""
        with self._lock:
            entry = self._entries.get((namespace, key))
            if entry is None:
                return None
            expires, version, value = entry
            if expires < time.monotonic() or version != self._versions.get(namespace, 0):
                del self._entries[(namespace, key)]
                return None
            return value

    def put(self, namespace: str, key: str, value: str, ttl_seconds: float) -> None:
        """Store `value` for `ttl_seconds`."""
        with self._lock:
            if len(self._entries) > 10_000:
                self._entries.clear()
            version = self._versions.get(namespace, 0)
            self._entries[(namespace, key)] = (time.monotonic() + ttl_seconds, version, value)

    def invalidate(self, namespace: str) -> None:
        """Make every entry of the namespace a miss."""
        with self._lock:
            self._versions[namespace] = self._versions.get(namespace, 0) + 1
