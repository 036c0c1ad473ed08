"""Key revocations announced over Redis pub/sub, so every API worker forgets a key at once.

The key cache's short lifetime (auth.key_cache_seconds) is the guarantee; the
announcement makes it immediate where Redis is configured. A listener that
loses Redis clears its cache when it reconnects (it may have missed one).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)

#: how long the listener waits for a message before it checks whether to stop
POLL_SECONDS = 0.5


def channel(prefix: str) -> str:
    """Return the pub/sub channel of key revocations under a Redis key prefix."""
    return f"{prefix}:keys:revoked"


def announce(client: Any, prefix: str, key_id: int) -> None:
    """Publish that key `key_id` was revoked (best effort: the cache expiry still holds)."""
    try:
        client.publish(channel(prefix), str(key_id))
    except Exception as exc:
        log.warning("could not announce the revocation of key %s: %s", key_id, type(exc).__name__)


class RevocationListener:
    """A thread that calls `forget()` for every revocation announced on the channel."""

    def __init__(self, client: Any, prefix: str, forget: Callable[[], None]) -> None:
        self.client = client
        self.channel = channel(prefix)
        self.forget = forget
        self.subscribed = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="key-revocations", daemon=True)

    def start(self) -> None:
        """Start listening."""
        self._thread.start()

    def stop(self) -> None:
        """Stop listening and wait for the thread."""
        self._stop.set()
        self._thread.join(POLL_SECONDS * 4)

    def _run(self) -> None:
        warned = False
        while not self._stop.is_set():
            try:
                self._listen()
            except Exception as exc:  # Redis away: retry; the cache expiry still holds meanwhile
                if self.subscribed.is_set() or not warned:  # once per outage
                    log.warning("key revocations: Redis unavailable (%s)", type(exc).__name__)
                warned = True
                self.subscribed.clear()
                self._stop.wait(1.0)

    def _listen(self) -> None:
        pubsub = self.client.pubsub(ignore_subscribe_messages=True)
        try:
            pubsub.subscribe(self.channel)
            self.forget()  # anything announced while we were not listening
            self.subscribed.set()
            while not self._stop.is_set():
                if pubsub.get_message(timeout=POLL_SECONDS) is not None:
                    self.forget()
        finally:
            pubsub.close()
