"""A TCP proxy the fault tests control: forward, refuse (closed port), hang, drop.

PAS is pointed at the proxy instead of the real server; the test then
closes the port (connections refused, open ones reset), makes the proxy
stop forwarding while keeping every connection open (a server that accepts
and never answers), and opens or resumes it again to watch PAS recover.
"""

from __future__ import annotations

import contextlib
import select
import socket
import threading
import time
from types import TracebackType


class TcpProxy:
    """Forwards 127.0.0.1:`port` to `upstream`, until told to refuse or to hang."""

    def __init__(self, port: int, upstream: tuple[str, int]) -> None:
        self.port = port
        self.upstream = upstream
        self._listener: socket.socket | None = None
        self._hanging = threading.Event()
        self._open = threading.Event()
        self._lock = threading.Lock()
        self._sockets: set[socket.socket] = set()
        self._threads: list[threading.Thread] = []

    def open(self) -> None:
        """Listen on the port and forward every connection."""
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(128)
        listener.settimeout(0.1)
        self._listener = listener
        self._hanging.clear()
        self._open.set()
        self._spawn(self._accept, listener)

    def close(self) -> None:
        """Stop listening (new connections are refused) and reset every open connection."""
        self._open.clear()
        if self._listener is not None:
            self._listener.close()
            self._listener = None
        with self._lock:
            doomed, self._sockets = list(self._sockets), set()
        for sock in doomed:
            _reset(sock)
        for thread in self._threads:
            thread.join(5)
        self._threads = []

    def hang(self) -> None:
        """Keep accepting and keep every connection open, but forward nothing either way."""
        self._hanging.set()

    def resume(self) -> None:
        """Forward again (connections whose clients gave up are closed as they notice)."""
        self._hanging.clear()

    def __enter__(self) -> TcpProxy:
        self.open()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # -- the threads ------------------------------------------------------------

    def _spawn(self, target: object, *args: object) -> None:
        thread = threading.Thread(target=target, args=args, daemon=True)  # type: ignore[arg-type]
        thread.start()
        self._threads.append(thread)

    def _accept(self, listener: socket.socket) -> None:
        while self._open.is_set():
            try:
                client, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:  # the listener was closed
                return
            self._track(client)
            self._spawn(self._serve, client)

    def _track(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.add(sock)

    def _serve(self, client: socket.socket) -> None:
        while self._hanging.is_set() and self._open.is_set():
            time.sleep(0.05)  # accepted, never answered: the server's greeting never comes
        try:
            server = socket.create_connection(self.upstream, timeout=5)
        except OSError:
            _reset(client)
            return
        self._track(server)
        self._pump(client, server)
        for sock in (client, server):
            with contextlib.suppress(OSError):
                sock.close()

    def _pump(self, client: socket.socket, server: socket.socket) -> None:
        peer = {client: server, server: client}
        while self._open.is_set():
            if self._hanging.is_set():
                time.sleep(0.05)
                continue
            try:
                ready, _, _ = select.select(list(peer), [], [], 0.1)
                for sock in ready:
                    data = sock.recv(65536)
                    if not data:
                        return
                    peer[sock].sendall(data)
            except (OSError, ValueError):  # a side closed or was reset
                return


def _reset(sock: socket.socket) -> None:
    """Close with a reset (RST), as a crashed server or a dropped route does."""
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
    with contextlib.suppress(OSError):
        sock.close()
