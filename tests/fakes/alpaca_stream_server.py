"""A loopback trade-updates websocket speaking Alpaca's handshake, fed by FakeTrading.

`serve_stream(trading)` runs it in a thread; every event the fake trading API
produces after a client has listened is sent to that client as a binary frame,
unless `drop` (a predicate over events) says to lose it. Tests may also
`trading.emit(event)` again to deliver a duplicate.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from websockets.asyncio.server import ServerConnection, serve

from tests.fakes.alpaca_server import KEY_ID, SECRET
from tests.fakes.alpaca_trading import FakeTrading


@dataclass
class StreamServer:
    """State of the websocket fake: URL, connected listeners, events sent."""

    trading: FakeTrading
    url: str = ""
    drop: Callable[[dict[str, Any]], bool] = lambda event: False
    sent: list[dict[str, Any]] = field(default_factory=list)
    listening: threading.Event = field(default_factory=threading.Event)
    loop: asyncio.AbstractEventLoop | None = None
    queues: list[asyncio.Queue[dict[str, Any]]] = field(default_factory=list)

    def publish(self, event: dict[str, Any]) -> None:
        """Queue `event` for every listening client (called from any thread)."""
        if self.drop(event) or self.loop is None:
            return
        for queue in list(self.queues):
            self.loop.call_soon_threadsafe(queue.put_nowait, event)

    async def handler(self, ws: ServerConnection) -> None:
        """Authenticate, accept the listen request, then forward events."""
        auth = json.loads(await ws.recv())
        data = auth.get("data", {})
        if data.get("key_id") != KEY_ID or data.get("secret_key") != SECRET:
            reply = {"action": "authenticate", "status": "unauthorized"}
            await ws.send(json.dumps({"stream": "authorization", "data": reply}))
            return
        reply = {"action": "authenticate", "status": "authorized"}
        await ws.send(json.dumps({"stream": "authorization", "data": reply}))
        listen = json.loads(await ws.recv())
        streams = listen.get("data", {}).get("streams", [])
        await ws.send(json.dumps({"stream": "listening", "data": {"streams": streams}}))
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.queues.append(queue)
        self.listening.set()
        closed = asyncio.ensure_future(ws.wait_closed())
        try:
            while True:
                getter = asyncio.ensure_future(queue.get())
                await asyncio.wait({getter, closed}, return_when=asyncio.FIRST_COMPLETED)
                if not getter.done():
                    getter.cancel()
                    return
                event = getter.result()
                self.sent.append(event)
                await ws.send(json.dumps(event).encode())  # binary, as the real service
        finally:
            self.queues.remove(queue)


@contextmanager
def serve_stream(trading: FakeTrading) -> Iterator[StreamServer]:
    """Run the websocket fake on a free loopback port; `server.url` is ws://127.0.0.1:PORT."""
    server = StreamServer(trading)
    trading.listeners.append(server.publish)
    ready = threading.Event()
    stop: dict[str, asyncio.Future[None]] = {}

    async def main() -> None:
        server.loop = asyncio.get_running_loop()
        async with serve(server.handler, "127.0.0.1", 0) as ws_server:
            port = next(iter(ws_server.sockets)).getsockname()[1]
            server.url = f"ws://127.0.0.1:{port}"
            stop["future"] = server.loop.create_future()
            ready.set()
            await stop["future"]

    thread = threading.Thread(target=asyncio.run, args=(main(),), daemon=True)
    thread.start()
    ready.wait(10)
    try:
        yield server
    finally:
        trading.listeners.remove(server.publish)
        assert server.loop is not None
        server.loop.call_soon_threadsafe(stop["future"].set_result, None)
        thread.join(10)
