"""A loopback server that speaks Alpaca's REST protocol, for alpaca-py's real clients.

Only what PAS uses is implemented; later tests register more routes. The
shapes follow /work/shared/ALPACA.md (checked against alpaca-py 0.44). The
trading API (orders, account, positions, scripted faults) lives in
`alpaca_trading.FakeTrading`, reachable as `fake.trading`.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

from tests.fakes.alpaca_trading import DROP, FakeTrading

KEY_ID = "PKTESTKEY"
SECRET = "test-secret"

Route = Callable[["FakeAlpaca", dict[str, list[str]], Any], tuple[int, Any]]


@dataclass
class FakeAlpaca:
    """State of the fake: bars per symbol, page size, requests seen, extra routes."""

    bars: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    page_size: int = 3
    requests: list[tuple[str, str, dict[str, list[str]]]] = field(default_factory=list)
    routes: dict[tuple[str, str], Route] = field(default_factory=dict)
    trading: FakeTrading = field(default_factory=FakeTrading)
    url: str = ""

    def add_bar(self, symbol: str, timestamp: str, close: float, volume: int = 1000) -> None:
        """Add one daily bar (timestamp as Alpaca sends it, e.g. 2024-01-02T05:00:00Z)."""
        self.bars.setdefault(symbol, []).append(
            {
                "t": timestamp,
                "o": close * 0.99,
                "h": close * 1.01,
                "l": close * 0.98,
                "c": close,
                "v": volume,
                "n": 10,
                "vw": close,
            }
        )

    def stock_bars(self, query: dict[str, list[str]]) -> tuple[int, Any]:
        """Answer GET /v2/stocks/bars with pagination over (symbol, time)."""
        symbols = query.get("symbols", [""])[0].split(",")
        start = _ts(query["start"][0]) if "start" in query else None
        end = _ts(query["end"][0]) if "end" in query else None
        stream = [
            (sym, bar)
            for sym in sorted(symbols)
            for bar in self.bars.get(sym, [])
            if (start is None or _ts(bar["t"]) >= start) and (end is None or _ts(bar["t"]) <= end)
        ]
        offset = int(query.get("page_token", ["0"])[0])
        size = min(self.page_size, int(query.get("limit", ["10000"])[0]))
        page = stream[offset : offset + size]
        out: dict[str, list[dict[str, Any]]] = {}
        for sym, bar in page:
            out.setdefault(sym, []).append(bar)
        token = str(offset + size) if offset + size < len(stream) else None
        return 200, {"bars": out, "next_page_token": token}


def _ts(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _handler(fake: FakeAlpaca) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:  # keep test output quiet
            pass

        def _answer(self, method: str) -> None:
            parsed = urlparse(self.path)
            query = parse_qs(parsed.query)
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length)) if length else None
            fake.requests.append((method, parsed.path, query))
            if (
                self.headers.get("APCA-API-KEY-ID") != KEY_ID
                or self.headers.get("APCA-API-SECRET-KEY") != SECRET
            ):
                return self._send(401, {"code": 40110000, "message": "request is not authorized"})
            route = fake.routes.get((method, parsed.path))
            if route is not None:
                return self._send(*route(fake, query, body))
            if method == "GET" and parsed.path == "/v2/stocks/bars":
                return self._send(*fake.stock_bars(query))
            answer = fake.trading.handle(method, parsed.path, query, body)
            if answer is DROP:  # the server acted, but the client never hears back
                self.close_connection = True
                return None
            if answer is not None:
                return self._send(*answer)
            return self._send(
                404, {"code": 40410000, "message": f"no route {method} {parsed.path}"}
            )

        def _send(self, status: int, payload: Any) -> None:
            kind = "text/html" if isinstance(payload, str) else "application/json"
            if payload is None:
                data = b""
            elif isinstance(payload, str):  # a proxy's HTML error page
                data = payload.encode()
            else:
                data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            self._answer("GET")

        def do_POST(self) -> None:
            self._answer("POST")

        def do_DELETE(self) -> None:
            self._answer("DELETE")

        def do_PATCH(self) -> None:
            self._answer("PATCH")

    return Handler


@contextmanager
def serve(fake: FakeAlpaca | None = None, port: int = 0) -> Iterator[FakeAlpaca]:
    """Run a fake Alpaca on loopback `port` (0: a free one); `fake.url` is its base URL."""
    fake = fake or FakeAlpaca()
    server = ThreadingHTTPServer(("127.0.0.1", port), _handler(fake))
    server.daemon_threads = True
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
