"""The in-process hub: one ring buffer per topic, for a single process (no Redis)."""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from pas.core.events import TOPICS, Event, encode
from pas.realtime.base import HubBase, Snapshot, new_epoch


@dataclass
class _Stream:
    epoch: str
    size: int
    last: int = 0
    history: deque[Event] = field(init=False)

    def __post_init__(self) -> None:
        self.history = deque(maxlen=self.size)


class MemoryHub(HubBase):
    """Publish/subscribe inside one process; history lives as long as the process."""

    def __init__(self, history_size: int = 1000) -> None:
        super().__init__()
        self.history_size = history_size
        self._streams = {topic: _Stream(new_epoch(), history_size) for topic in TOPICS}
        # one lock for offsets and dispatch: listeners see each topic's events in offset order
        self._lock = threading.Lock()

    def publish(self, topic: str, data: dict[str, Any]) -> None:
        """Publish `data` on `topic` (any thread)."""
        stream = self._streams[self._check(topic)]
        # encoded in the publisher's thread: what cannot be sent is refused there, and
        # listeners see the data as every client will (and as the Redis backend gives it)
        raw = encode(data)
        sent = json.loads(raw)
        with self._lock:
            stream.last += 1
            event = Event(topic, stream.last, stream.epoch, time.time(), sent, raw)
            stream.history.append(event)
            self._dispatch(event)

    def snapshot(self, topic: str, after: int | None = None) -> Snapshot:
        """Return the topic's epoch and last offset, and the events after `after` when asked."""
        stream = self._streams[self._check(topic)]
        with self._lock:
            if after is None:
                return Snapshot(stream.epoch, stream.last)
            missed = [e for e in stream.history if e.offset > after]
            reaches = after <= stream.last and (
                after == stream.last or (bool(missed) and missed[0].offset == after + 1)
            )
            return Snapshot(stream.epoch, stream.last, tuple(missed) if reaches else None)

    def flush(self, timeout: float = 5.0) -> bool:
        """Return True: publishing here is synchronous."""
        return True

    def close(self) -> None:
        """Forget every listener."""
        with self._listeners_lock:
            self._listeners.clear()
