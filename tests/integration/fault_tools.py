"""What the fault tests share: a MariaDB database of their own, `pas serve` on their own
port, a redis-server of their own, and the checks of a 503 answer.

Ports and names are this suite's own (HTTP 8110-8119, Redis 6410-6419,
databases `t_fail_*`), so the suite runs beside others on one machine.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy.engine import make_url

from pas.bootstrap import Container
from pas.workflows.keys import create_key
from tests.conftest import fresh_database, make_settings
from tests.fakes.prices import store_prices

PAS = str(Path(sys.executable).with_name("pas"))
PRICES = {"AAA": 50.0, "BBB": 20.0, "CCC": 125.0}
#: what a driver's own error text looks like; none of it may reach a client
DRIVER_TEXT = ("pymysql", "Lost connection", "Can't connect", "Errno", "Error 1", "127.0.0.1")


def fail_database(server_url: str) -> AbstractContextManager[str]:
    """Return a context giving the URL of a fresh MariaDB database `t_fail_*`, dropped afterwards."""
    return fresh_database(server_url, f"t_fail_{uuid.uuid4().hex[:10]}")


def prepare(db_url: str, tmp_path: Path) -> str:
    """Migrate the database, store prices of three symbols; return an admin API key."""
    container = Container(make_settings(db_url, tmp_path))
    try:
        container.init_schema()
        store_prices(container, PRICES)
        key, _ = create_key(container.uow(), "admin", "faults")
    finally:
        container.close()
    return key


def through(db_url: str, port: int) -> str:
    """Return `db_url` pointed at 127.0.0.1:`port` (a proxy) instead of its server."""
    return make_url(db_url).set(host="127.0.0.1", port=port).render_as_string(hide_password=False)


def pas_env(tmp_path: Path, **settings: str) -> dict[str, str]:
    """Return the environment of a `pas` process: no developer PAS_* variables, these settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAS_")}
    env.update({f"PAS_{k.upper()}": v for k, v in settings.items()})
    env.setdefault("PAS_VAR_DIR", str(tmp_path / "var"))
    env.setdefault("PAS_LOG_LEVEL", "WARNING")
    return env


@contextmanager
def serve(env: dict[str, str], port: int, log: Path) -> Iterator[str]:
    """Run `pas serve` on `port` until the block ends; yield its base URL once ready."""
    with log.open("ab") as out:
        proc = subprocess.Popen(
            [PAS, "serve", "--port", str(port)], env=env, stdout=out, stderr=out
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while not _ready(base):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"pas serve did not start:\n{log.read_text()[-3000:]}")
            time.sleep(0.1)
        yield base
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


def _ready(base: str) -> bool:
    try:
        return httpx.get(f"{base}/ready", timeout=5).status_code == 200
    except httpx.HTTPError:
        return False


class RedisServer:
    """A redis-server of the test's own on a fixed port; killed with SIGKILL, started empty."""

    def __init__(self, port: int, workdir: Path) -> None:
        self.port = port
        self.workdir = workdir
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """Return the server's URL."""
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        """Start an empty server (no persistence) and wait until it listens."""
        exe = shutil.which("redis-server") or "/usr/bin/redis-server"
        args = ["--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly"]
        self.proc = subprocess.Popen(
            [exe, *args, "no", "--dir", str(self.workdir)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for(lambda: _listens(self.port), 10, f"redis-server on {self.port}")

    def kill(self) -> None:
        """Kill the server at once (SIGKILL): everything it held is gone."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)


def _listens(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def wait_for(check: Callable[[], Any], timeout_s: float, what: str) -> float:
    """Poll `check()` until truthy; return the seconds it took (fail after `timeout_s`)."""
    started = time.monotonic()
    while not check():
        if time.monotonic() - started > timeout_s:
            raise AssertionError(f"timed out after {timeout_s:.0f} s waiting for {what}")
        time.sleep(0.05)
    return time.monotonic() - started


def timed(call: Callable[[], httpx.Response]) -> tuple[float, httpx.Response]:
    """Return (seconds, answer) of one request."""
    started = time.monotonic()
    answer = call()
    return time.monotonic() - started, answer


def assert_unavailable(answer: httpx.Response, *codes: str) -> None:
    """Assert a 503 with Retry-After, the JSON error body with one of `codes`, no driver text."""
    assert answer.status_code == 503, answer.text
    assert int(answer.headers["retry-after"]) >= 1
    error = answer.json()["error"]
    assert error["code"] in codes, error
    leaked = [t for t in DRIVER_TEXT if t.lower() in answer.text.lower()]
    assert leaked == [], answer.text


def ok_or_unavailable(answer: httpx.Response, *codes: str) -> bool:
    """Return True for a 2xx; assert the 503 shape otherwise (and return False)."""
    if answer.status_code < 300:
        return True
    assert_unavailable(answer, *codes)
    return False


def outage_lines(log: Path, what: str) -> tuple[int, int]:
    """Return how many lines of `log` report `what` unavailable, and available again."""
    lines = log.read_text(errors="replace").splitlines()
    down = sum(f"{what} is unavailable" in line for line in lines)
    back = sum(f"{what} is available again" in line for line in lines)
    return down, back
