"""Real-time events: the topics, the role each needs, one published event.

Each topic is a stream with an epoch (a random id that changes when the
stream's history is lost) and gapless offsets 1, 2, 3, ... within an epoch.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from pas.core.auth import Role

#: every topic, in the order the documentation lists them
TOPICS: tuple[str, ...] = ("metrics", "logs", "ledger", "orders", "evaluations", "jobs")

#: the least role a subscriber needs per topic: system logs are for operators
TOPIC_ROLES: dict[str, Role] = {topic: Role.viewer for topic in TOPICS} | {"logs": Role.admin}


@dataclass(frozen=True)
class Event:
    """One event as delivered: `ts` is the publish time in Unix seconds."""

    topic: str
    offset: int
    epoch: str
    ts: float
    data: dict[str, Any]
    #: `data` as JSON text, when the publisher encoded it already (sent as it is)
    raw: str | None = field(default=None, compare=False, repr=False)

    def message(self) -> dict[str, Any]:
        """Return the event as the WebSocket message `{topic, offset, epoch, ts, data}`."""
        return {
            "topic": self.topic,
            "offset": self.offset,
            "epoch": self.epoch,
            "ts": self.ts,
            "data": self.data,
        }

    def text(self) -> str:
        """Return the WebSocket message as JSON text (`data` encoded once, by the publisher)."""
        raw = self.raw if self.raw is not None else encode(self.data)
        head = json.dumps({"topic": self.topic, "offset": self.offset, "epoch": self.epoch})
        return f'{head[:-1]}, "ts": {self.ts!r}, "data": {raw}}}'


def encode(data: dict[str, Any]) -> str:
    """Return event data as JSON text (Decimals, dates and the like as strings)."""
    return json.dumps(data, default=str, separators=(",", ":"))


def check_topic(topic: str) -> str:
    """Return `topic` when it is known, else raise ValueError naming the known ones."""
    if topic not in TOPICS:
        raise ValueError(f"unknown topic {topic!r}; known: {', '.join(TOPICS)}")
    return topic
