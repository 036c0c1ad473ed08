"""Leader election for the updater: a Redis lock with a TTL, renewed while held.

The holder renews every third of the TTL; a holder that dies (or cannot reach
Redis) loses the lock once the TTL runs out, and another instance takes it.
Renewal and release are compare-and-set on the holder's token, so an instance
that lost the lock can never extend or delete the new leader's.
"""

from __future__ import annotations

import logging
import secrets
import socket
import threading
from typing import Any

log = logging.getLogger(__name__)

_RENEW = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
"""

_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""


class RedisLeaderLock:
    """One holder at a time among every process sharing the Redis key."""

    def __init__(self, client: Any, key: str, ttl_seconds: float = 30.0) -> None:
        self.client = client
        self.key = key
        self.ttl_ms = max(int(ttl_seconds * 1000), 300)
        self.token = f"{socket.gethostname()}:{secrets.token_hex(6)}"
        self._renew = client.register_script(_RENEW)
        self._release = client.register_script(_RELEASE)
        self._held = False
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def is_leader(self) -> bool:
        """Return True while this process holds the lock."""
        return self._held

    def holder(self) -> str | None:
        """Return the token of the current holder (None when nobody holds it)."""
        value = self.client.get(self.key)
        return value.decode() if isinstance(value, bytes) else value

    def try_acquire(self) -> bool:
        """Take the lock when free, or renew it when held; return whether it is held now."""
        try:
            if self._held:
                self._held = bool(self._renew(keys=[self.key], args=[self.token, self.ttl_ms]))
            else:
                self._held = bool(self.client.set(self.key, self.token, nx=True, px=self.ttl_ms))
        except Exception as exc:  # Redis away: assume the lock lost, another may take it
            if self._held:
                log.warning("updater lost its leader lock (Redis: %s)", exc)
            self._held = False
        return self._held

    def start(self) -> None:
        """Keep trying to take (and then renew) the lock every third of the TTL."""
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="leader-lock", daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        was = False
        while not self._stop.is_set():
            held = self.try_acquire()
            if held != was:
                log.info("updater %s: %s", self.token, "leader" if held else "standby")
                was = held
            self._stop.wait(self.ttl_ms / 3000)

    def stop(self) -> None:
        """Stop renewing and release the lock when held."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        if self._held:
            try:
                self._release(keys=[self.key], args=[self.token])
            except Exception:  # it expires by itself
                log.warning("could not release the leader lock; it expires in its TTL")
            self._held = False


class LocalLeader:
    """The leader when there is no Redis: the one process that runs the updater."""

    token = "local"
    is_leader = True

    def holder(self) -> str | None:
        """Return this process's token."""
        return self.token

    def start(self) -> None:
        """Nothing to take."""

    def stop(self) -> None:
        """Nothing to release."""
