"""Alpaca's trade-updates stream in a background thread, feeding order snapshots.

Each event carries the whole order with its cumulative fill state, so the
consumer applies it idempotently (a duplicate or a late event adds nothing).
Streams drop events: reconciliation polls the orders to recover what was missed.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable
from typing import Any

from pas.brokers.alpaca_convert import to_order
from pas.core.orders import BrokerOrder

log = logging.getLogger(__name__)


class TradeUpdates:
    """Runs `TradingStream` in a daemon thread and hands each event's order to a callback."""

    def __init__(
        self, key_id: str, secret_key: str, *, paper: bool = True, url_override: str | None = None
    ) -> None:
        self.key_id = key_id
        self.secret_key = secret_key
        self.paper = paper
        self.url_override = url_override
        self.events = 0
        self._stream: Any = None
        self._thread: threading.Thread | None = None

    def start(self, on_order: Callable[[BrokerOrder], None]) -> None:
        """Connect and start delivering order snapshots to `on_order`."""
        from alpaca.trading.stream import TradingStream

        stream = TradingStream(
            self.key_id,
            self.secret_key,
            paper=self.paper,
            url_override=self.url_override,  # type: ignore[arg-type]
        )

        async def handle(update: Any) -> None:
            try:
                self.events += 1
                on_order(to_order(update.order))
            except Exception:  # a bad event must not kill the stream
                log.exception("trade update not applied")

        stream.subscribe_trade_updates(handle)
        self._stream = stream
        self._thread = threading.Thread(target=stream.run, name="alpaca-trade-updates", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the stream from outside its loop (stop_ws runs inside it) and join the thread."""
        stream, thread = self._stream, self._thread
        self._stream = self._thread = None
        if stream is None or thread is None:
            return
        loop = getattr(stream, "_loop", None)
        if loop is not None and loop.is_running():
            # never stream.stop() from a handler: it waits on the loop it runs in
            asyncio.run_coroutine_threadsafe(_halt(stream), loop)
        else:
            stream._stop_stream_queue.put_nowait({"should_stop": True})
        thread.join(timeout)
        if thread.is_alive():
            log.warning("trade-updates thread did not stop within %.0f s", timeout)


async def _halt(stream: Any) -> None:
    """Inside the stream's loop: ask it to stop, then close the socket so recv returns now."""
    await stream.stop_ws()
    await stream.close()
