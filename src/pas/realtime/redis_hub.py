"""The Redis hub: one stream per topic, shared by every API worker and the updater.

Keys, under `<prefix>:rt:<topic>`: the stream (entry id `<offset>-0`, capped
at the history size), `:epoch` and `:seq`. One Lua script gives each event
the next offset and appends it, so offsets are gapless across processes.
When Redis loses the keys (a restart without persistence, a flush) the next
publish or subscribe starts a new epoch at offset 1, and a client resuming
with the old epoch is told to reload.

Publishing never waits for Redis: events go to a queue that one thread sends
in pipelined batches (a ledger listener must not slow the ledger down). One
reader thread per process follows every stream with XREAD and hands the
events to the listeners in offset order.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
import time
from typing import Any

from pas.core.events import TOPICS, Event, encode
from pas.realtime.base import HubBase, Snapshot, new_epoch

log = logging.getLogger(__name__)

# KEYS: stream, epoch, seq; ARGV: fresh epoch
_ENSURE = """
local epoch = redis.call('GET', KEYS[2])
if not epoch then
  epoch = ARGV[1]
  redis.call('SET', KEYS[2], epoch)
  redis.call('DEL', KEYS[1], KEYS[3])
end
"""

# KEYS: stream, epoch, seq; ARGV: fresh epoch, max history, data, ts
_PUBLISH = (
    _ENSURE
    + """
local offset = redis.call('INCR', KEYS[3])
redis.call('XADD', KEYS[1], 'MAXLEN', ARGV[2], offset .. '-0', 'd', ARGV[3], 'ts', ARGV[4], 'e', epoch)
return {epoch, offset}
"""
)

# KEYS: stream, epoch, seq; ARGV: fresh epoch, after (or -1), max entries
_SNAPSHOT = (
    _ENSURE
    + """
local last = tonumber(redis.call('GET', KEYS[3]) or '0')
local after = tonumber(ARGV[2])
if after < 0 then return {epoch, last} end
return {epoch, last, redis.call('XRANGE', KEYS[1], (after + 1) .. '-0', '+', 'COUNT', ARGV[3])}
"""
)

#: how long the reader blocks before it checks the epochs again (ms)
BLOCK_MS = 1000
#: events sent in one pipeline
BATCH = 256


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


class RedisHub(HubBase):
    """Publish/subscribe over Redis streams with an epoch and gapless offsets per topic."""

    def __init__(
        self, client: Any, prefix: str, history_size: int = 1000, queue_size: int = 100_000
    ) -> None:
        super().__init__()
        self.client = client
        self.prefix = prefix
        self.history_size = history_size
        self._publish_script = client.register_script(_PUBLISH)
        self._snapshot_script = client.register_script(_SNAPSHOT)
        self._outbox: queue.Queue[tuple[str, str, float] | None] = queue.Queue(queue_size)
        self._sender: threading.Thread | None = None
        self._reader: threading.Thread | None = None
        self._start_lock = threading.Lock()
        self._closed = threading.Event()
        self._dropped = 0
        self._lost = 0

    def _keys(self, topic: str) -> list[str]:
        base = f"{self.prefix}:rt:{topic}"
        return [base, f"{base}:epoch", f"{base}:seq"]

    # --- publishing -------------------------------------------------------

    def publish(self, topic: str, data: dict[str, Any]) -> None:
        """Queue `data` for `topic`; one thread sends it (never blocks the caller)."""
        self._check(topic)
        item = (topic, encode(data), time.time())
        self._ensure_sender()
        try:
            self._outbox.put_nowait(item)
        except queue.Full:
            self._dropped += 1
            if self._dropped in (1, 10, 100) or self._dropped % 10_000 == 0:
                log.warning("event hub outbox full: %d event(s) dropped", self._dropped)

    def _ensure_sender(self) -> None:
        if self._sender is None:
            with self._start_lock:
                if self._sender is None:
                    self._sender = threading.Thread(
                        target=self._send_loop, name="hub-sender", daemon=True
                    )
                    self._sender.start()

    def _send_loop(self) -> None:
        while True:
            first = self._outbox.get()
            batch = [first]
            while len(batch) < BATCH:
                try:
                    batch.append(self._outbox.get_nowait())
                except queue.Empty:
                    break
            items = [item for item in batch if item is not None]
            if items:
                self._send(items)
            for _ in batch:
                self._outbox.task_done()
            if None in batch:
                return

    def _send(self, items: list[tuple[str, str, float]]) -> None:
        for attempt in range(2):
            try:
                pipe = self.client.pipeline(transaction=False)
                for topic, raw, ts in items:
                    args = [new_epoch(), self.history_size, raw, repr(ts)]
                    self._publish_script(keys=self._keys(topic), args=args, client=pipe)
                pipe.execute()
                return
            except Exception as exc:  # Redis down: the events are lost, the process goes on
                if attempt == 1:
                    self._lost += len(items)
                    if (
                        self._lost == len(items)
                        or self._lost // 1000 > (self._lost - len(items)) // 1000
                    ):
                        log.warning(
                            "event hub: %d event(s) not published so far: %s", self._lost, exc
                        )

    def flush(self, timeout: float = 5.0) -> bool:
        """Wait until every queued event was sent; return False on timeout."""
        deadline = time.monotonic() + timeout
        while self._outbox.unfinished_tasks:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.01)
        return True

    # --- reading ----------------------------------------------------------

    def snapshot(self, topic: str, after: int | None = None) -> Snapshot:
        """Return the topic's epoch and last offset, and the events after `after` when asked."""
        self._check(topic)
        limit = self.history_size + 1
        args = [new_epoch(), -1 if after is None else after, limit]
        reply = self._snapshot_script(keys=self._keys(topic), args=args)
        epoch, last = _text(reply[0]), int(reply[1])
        if after is None:
            return Snapshot(epoch, last)
        events = tuple(self._event(topic, entry) for entry in reply[2])
        reaches = after <= last and (
            after == last or (bool(events) and events[0].offset == after + 1)
        )
        return Snapshot(epoch, last, events if reaches else None)

    @staticmethod
    def _event(topic: str, entry: Any) -> Event:
        entry_id, raw_fields = entry
        pairs = (
            raw_fields.items()
            if isinstance(raw_fields, dict)
            else zip(raw_fields[::2], raw_fields[1::2], strict=True)
        )
        fields = {_text(k): _text(v) for k, v in pairs}
        raw = fields["d"]
        offset = int(_text(entry_id).split("-", 1)[0])
        return Event(topic, offset, fields["e"], float(fields["ts"]), json.loads(raw), raw)

    def _listening(self) -> None:
        if self._reader is None:
            with self._start_lock:
                if self._reader is None:
                    reader = _Follower(self)
                    try:  # positioned now: an event published after add_listener is seen
                        reader.start_at_end()
                    except Exception as exc:  # Redis away: the loop positions itself later
                        log.warning("event hub reader: %s", exc)
                    self._reader = threading.Thread(
                        target=self._read_loop, args=(reader,), name="hub-reader", daemon=True
                    )
                    self._reader.start()

    def _read_loop(self, reader: _Follower) -> None:
        while not self._closed.is_set():
            try:
                reader.step()
            except Exception as exc:  # Redis away: retry from where it was, the stream kept it
                log.warning("event hub reader: %s", exc)
                self._closed.wait(1.0)

    def close(self) -> None:
        """Send what is queued, then stop both threads."""
        if self._sender is not None:
            self.flush()
            self._outbox.put(None)
            self._sender.join(timeout=5)
        self._closed.set()
        if self._reader is not None:
            self._reader.join(timeout=BLOCK_MS / 1000 + 5)
        with self._listeners_lock:
            self._listeners.clear()


class _Follower:
    """The reader's position in every stream; follows epoch changes."""

    def __init__(self, hub: RedisHub) -> None:
        self.hub = hub
        self.client = hub.client.__class__(connection_pool=hub.client.connection_pool)
        self.last_id = dict.fromkeys(TOPICS, "0-0")
        self.epochs: dict[str, str | None] = dict.fromkeys(TOPICS)
        self.checked = 0.0
        self.fresh = True

    def start_at_end(self) -> None:
        """Begin after the newest entry of each stream (earlier ones are history)."""
        for topic in TOPICS:
            stream, epoch_key, _ = self.hub._keys(topic)
            newest = self.client.xrevrange(stream, count=1)
            self.last_id[topic] = _text(newest[0][0]) if newest else "0-0"
            epoch = self.client.get(epoch_key)
            self.epochs[topic] = _text(epoch) if epoch is not None else None
        self.fresh = False
        self.checked = time.monotonic()

    def check_epochs(self) -> None:
        """Start over on a stream whose epoch changed (its keys were lost and begun anew)."""
        keys = [self.hub._keys(topic)[1] for topic in TOPICS]
        for topic, value in zip(TOPICS, self.client.mget(keys), strict=True):
            epoch = _text(value) if value is not None else None
            if epoch is not None and epoch != self.epochs[topic]:
                self.epochs[topic] = epoch
                self.last_id[topic] = "0-0"
        self.checked = time.monotonic()

    def step(self) -> None:
        """Read what is new on every stream (blocking up to BLOCK_MS) and dispatch it."""
        if self.fresh:
            self.start_at_end()
        if time.monotonic() - self.checked >= BLOCK_MS / 1000:
            self.check_epochs()
        streams = {self.hub._keys(t)[0]: self.last_id[t] for t in TOPICS}
        reply = self.client.xread(streams, count=1000, block=BLOCK_MS)
        if not reply:
            self.check_epochs()
            return
        for stream, entries in reply:
            topic = _text(stream).rsplit(":", 1)[1]
            for entry in entries:
                event = self.hub._event(topic, entry)
                if event.epoch != self.epochs[topic]:
                    # a new epoch: read the new stream from its start, in order
                    self.epochs[topic] = event.epoch
                    self.last_id[topic] = "0-0"
                    break
                self.last_id[topic] = _text(entry[0])
                self.hub._dispatch(event)
