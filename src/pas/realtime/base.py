"""What both hub backends share: topic checks, listeners, and the snapshot a resume reads."""

from __future__ import annotations

import logging
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass

from pas.core.events import Event, check_topic

log = logging.getLogger(__name__)

#: called with every event of every topic, in offset order per topic
Listener = Callable[[Event], None]


def new_epoch() -> str:
    """Return a fresh random epoch id."""
    return secrets.token_hex(8)


@dataclass(frozen=True)
class Snapshot:
    """A topic's position and, when asked, what came after an offset.

    `missed` is None when the history no longer reaches back to the offset
    asked for (or was not asked for); otherwise it holds every event after it.
    """

    epoch: str
    last: int
    missed: tuple[Event, ...] | None = None


class HubBase:
    """Listener bookkeeping; backends call `_dispatch` once per event, in order."""

    def __init__(self) -> None:
        self._listeners: list[Listener] = []
        self._listeners_lock = threading.Lock()

    def add_listener(self, listener: Listener) -> Callable[[], None]:
        """Call `listener(event)` for every event from now on; return a function that stops it."""
        with self._listeners_lock:
            self._listeners.append(listener)
        self._listening()

        def remove() -> None:
            with self._listeners_lock:
                if listener in self._listeners:
                    self._listeners.remove(listener)

        return remove

    def _listening(self) -> None:
        """Hook: a listener was added (the Redis backend starts reading then)."""

    def _dispatch(self, event: Event) -> None:
        for listener in tuple(self._listeners):
            try:
                listener(event)
            except Exception:  # one broken listener must not starve the others
                log.exception("hub listener failed on %s/%s", event.topic, event.offset)

    @staticmethod
    def _check(topic: str) -> str:
        return check_topic(topic)
