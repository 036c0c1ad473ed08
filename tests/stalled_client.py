"""A WebSocket client that really stops reading: a raw socket with a tiny receive buffer,
driven by the `websockets` library's sans-I/O client protocol (handshake, framing)."""

from __future__ import annotations

import json
import socket
from typing import Any

from websockets.client import ClientProtocol
from websockets.frames import Opcode
from websockets.uri import parse_uri


class StalledClient:
    """Connects, sends messages, and reads only when told to."""

    def __init__(self, url: str) -> None:
        uri = parse_uri(url)
        self.protocol = ClientProtocol(uri, max_size=None)
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        self.sock.settimeout(120)
        self.sock.connect((uri.host, uri.port))
        self.protocol.send_request(self.protocol.connect())
        self._flush()
        self.messages: list[dict[str, Any]] = []
        while self.protocol.handshake_exc is None and not self._handshaken():
            self._feed(self.sock.recv(65536))
        if self.protocol.handshake_exc is not None:
            raise self.protocol.handshake_exc

    def _handshaken(self) -> bool:
        return self.protocol.state.name == "OPEN"

    def _flush(self) -> None:
        for data in self.protocol.data_to_send():
            if data:
                self.sock.sendall(data)

    def _feed(self, data: bytes) -> None:
        if data:
            self.protocol.receive_data(data)
        else:
            self.protocol.receive_eof()
        for event in self.protocol.events_received():
            if getattr(event, "opcode", None) is Opcode.TEXT:
                self.messages.append(json.loads(event.data))

    def send(self, message: dict[str, Any]) -> None:
        """Send one JSON message."""
        self.protocol.send_text(json.dumps(message).encode())
        self._flush()

    def read_until(self, op: str) -> dict[str, Any]:
        """Read until the server's message with this `op` arrives; return it."""
        while True:
            found = [m for m in self.messages if m.get("op") == op]
            if found:
                return found[0]
            self._feed(self.sock.recv(4096))

    def read_until_closed(self) -> int | None:
        """Read everything the server sent until it closes; return its close code."""
        while self.protocol.close_rcvd is None:
            data = self.sock.recv(1 << 20)
            self._feed(data)
            self._flush()
            if not data:
                break
        self.sock.close()
        return self.protocol.close_rcvd.code if self.protocol.close_rcvd else None
