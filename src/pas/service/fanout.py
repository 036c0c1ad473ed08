"""The WebSocket fan-out of one process: the hub's events to each subscribed client's queue.

Each event is encoded once and offered to every subscribed client without
waiting: a client whose bounded queue is full is marked for closing (4408)
and never delays the others. Per client and topic the fan-out keeps the last
offset sent, so a resumed subscription never repeats or skips an event.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pas.core.events import TOPICS, Event
from pas.workflows.updater_ports import EventHub, HubSnapshot

#: WebSocket close code for a client that does not read fast enough
SLOW_CLIENT = 4408


@dataclass
class TopicState:
    """What one client has been sent on one topic (pending: events held during a catch-up)."""

    epoch: str | None = None
    last: int = 0
    pending: list[Event] | None = field(default_factory=list)


class Client:
    """One connection's subscriptions and its bounded outgoing queue."""

    def __init__(self, queue_size: int) -> None:
        self.queue: asyncio.Queue[str] = asyncio.Queue(queue_size)
        self.topics: dict[str, TopicState] = {}
        self.overflowed = asyncio.Event()

    def send(self, message: dict[str, Any] | str) -> None:
        """Queue a message; a full queue marks the client as too slow."""
        if self.overflowed.is_set():
            return
        text = message if isinstance(message, str) else json.dumps(message)
        try:
            self.queue.put_nowait(text)
        except asyncio.QueueFull:
            self.overflowed.set()

    def _room(self, count: int) -> bool:
        """Return True when `count` more messages fit the queue (a bigger catch-up is a reset)."""
        return self.queue.qsize() + count < self.queue.maxsize - 1

    def offer(self, event: Event, text: Callable[[], str]) -> None:
        """Take a live event: held while the topic catches up, else sent."""
        state = self.topics.get(event.topic)
        if state is None:
            return
        if state.pending is not None:
            state.pending.append(event)
            return
        self.push(state, event, text)

    def push(self, state: TopicState, event: Event, text: Callable[[], str]) -> None:
        """Send `event` unless it was sent already; a new epoch or a gap means reset."""
        if event.epoch != state.epoch:
            self.send({"op": "reset", "topic": event.topic, "epoch": event.epoch})
            state.epoch = event.epoch
        elif event.offset <= state.last:
            return
        elif event.offset != state.last + 1:
            self.send({"op": "reset", "topic": event.topic, "epoch": event.epoch})
        state.last = event.offset
        self.send(text())

    def start_topic(
        self, topic: str, snap: HubSnapshot, since: int | None, epoch: str | None
    ) -> None:
        """Finish subscribing to `topic`: send what was missed (or reset), then what was held."""
        state = self.topics[topic]
        held, state.pending = state.pending or [], None
        state.epoch = snap.epoch
        if since is None:
            state.last = snap.last
        elif epoch == snap.epoch and snap.missed is not None and self._room(len(snap.missed)):
            state.last = since
            for event in snap.missed:
                self.push(state, event, event.text)
        else:
            self.send({"op": "reset", "topic": topic, "epoch": snap.epoch})
            state.last = snap.last
        for event in held:
            self.push(state, event, event.text)


class Fanout:
    """Every client of this process's event loop, fed by the hub's listener."""

    def __init__(self, hub: EventHub, loop: asyncio.AbstractEventLoop) -> None:
        self.hub = hub
        self.loop = loop
        self.clients: set[Client] = set()
        self._stop = hub.add_listener(self._from_hub)

    def _from_hub(self, event: Event) -> None:
        # the hub calls from its own thread, in offset order; the loop keeps that order
        self.loop.call_soon_threadsafe(self.deliver, event)

    def deliver(self, event: Event) -> None:
        """Offer `event` to every client (encoded at most once)."""
        encoded: list[str] = []

        def text() -> str:
            if not encoded:
                encoded.append(event.text())
            return encoded[0]

        for client in tuple(self.clients):
            client.offer(event, text)

    async def subscribe(
        self,
        client: Client,
        topics: list[str],
        since: dict[str, int],
        epochs: dict[str, str],
    ) -> dict[str, str]:
        """Subscribe `client` to `topics`; return topic -> epoch (the ack is queued first)."""
        for topic in topics:
            client.topics[topic] = TopicState()
        snaps = await asyncio.to_thread(
            lambda: {t: self.hub.snapshot(t, since.get(t)) for t in topics}
        )
        answer = {t: snaps[t].epoch for t in topics}
        client.send({"op": "subscribed", "topics": topics, "epoch": answer})
        for topic in topics:
            client.start_topic(topic, snaps[topic], since.get(topic), epochs.get(topic))
        return answer

    def close(self) -> None:
        """Stop listening to the hub."""
        self._stop()


def fanout_for(state: Any, hub: EventHub) -> Fanout:
    """Return the fan-out of the running loop (created on first use)."""
    loop = asyncio.get_running_loop()
    fanout: Fanout | None = getattr(state, "fanout", None)
    if fanout is None or fanout.loop is not loop:
        if fanout is not None:
            fanout.close()
        fanout = Fanout(hub, loop)
        state.fanout = fanout
    return fanout


__all__ = ["SLOW_CLIENT", "TOPICS", "Client", "Fanout", "fanout_for"]
