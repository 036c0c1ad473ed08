"""With Redis, a revocation reaches every API worker at once (announced over pub/sub)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from pas.bootstrap import Container
from pas.cli import main
from pas.core.auth import hash_key
from pas.service.app import create_app
from pas.workflows.keys import create_key
from tests.conftest import make_settings
from tests.unit.service.conftest import auth

#: longer than the time the test allows: a refusal in time is the announcement's doing
CACHE_SECONDS = 1.0
ALLOWED = 0.3


@pytest.fixture
def workers(tmp_path: Path, redis_url: str, redis_prefix: str) -> Iterator[list[TestClient]]:
    """Return two API workers on one database and one Redis, each with its own key cache."""
    settings = {
        "redis": {"url": redis_url, "prefix": redis_prefix},
        "auth": {"key_cache_seconds": CACHE_SECONDS},
    }
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    containers = [Container(make_settings(url, tmp_path, **settings)) for _ in range(2)]
    containers[0].init_schema()
    clients = [TestClient(create_app(c), raise_server_exceptions=False) for c in containers]
    for client in clients:
        client.__enter__()
        assert client.app.state.revocations.subscribed.wait(5)  # type: ignore[attr-defined]
    yield clients
    for client in clients:
        client.__exit__(None, None, None)


def _forgotten_within(client: TestClient, key: str, seconds: float) -> bool:
    """Return True when the worker's cache drops `key` in time, with no request to reload it."""
    cache = client.app.state.key_cache  # type: ignore[attr-defined]
    deadline = time.monotonic() + seconds
    while cache.holds(hash_key(key)):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def _refused_within(client: TestClient, key: str, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if client.get("/api/v1/securities", headers=auth(key)).status_code == 401:
            return True
        time.sleep(0.01)
    return False


def test_a_revocation_through_one_worker_is_seen_by_the_other_at_once(
    workers: list[TestClient],
) -> None:
    first, second = workers
    container: Container = first.app.state.container  # type: ignore[attr-defined]
    admin, _ = create_key(container.uow(), "admin")
    viewer, info = create_key(container.uow(), "viewer")
    assert second.get("/api/v1/securities", headers=auth(viewer)).status_code == 200
    assert first.delete(f"/api/v1/keys/{info.id}", headers=auth(admin)).status_code == 200
    assert _forgotten_within(second, viewer, ALLOWED)
    assert _refused_within(second, viewer, ALLOWED)


def test_a_revocation_by_the_cli_is_seen_by_every_worker_at_once(
    workers: list[TestClient],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    redis_url: str,
    redis_prefix: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    container: Container = workers[0].app.state.container  # type: ignore[attr-defined]
    viewer, info = create_key(container.uow(), "viewer")
    monkeypatch.setenv("PAS_DATABASE__URL", f"sqlite:///{tmp_path / 'shared.db'}")
    monkeypatch.setenv("PAS_REDIS__URL", redis_url)
    monkeypatch.setenv("PAS_REDIS__PREFIX", redis_prefix)
    for worker in workers:
        assert worker.get("/api/v1/securities", headers=auth(viewer)).status_code == 200
    assert main(["keys", "revoke", str(info.id), "--json"]) == 0
    capsys.readouterr()
    assert all(_forgotten_within(worker, viewer, ALLOWED) for worker in workers)
    assert all(_refused_within(worker, viewer, ALLOWED) for worker in workers)


def test_without_an_announcement_a_worker_keeps_its_entry(workers: list[TestClient]) -> None:
    """The control: a revocation nobody announces leaves the entry until it expires."""
    from pas.workflows.keys import revoke_key

    worker = workers[1]
    container: Container = worker.app.state.container  # type: ignore[attr-defined]
    viewer, info = create_key(container.uow(), "viewer")
    assert worker.get("/api/v1/securities", headers=auth(viewer)).status_code == 200
    revoke_key(container.uow(), info.id)
    assert not _forgotten_within(worker, viewer, ALLOWED)
    assert _refused_within(worker, viewer, CACHE_SECONDS + 0.5)


@pytest.mark.timeout(120)
def test_a_listener_that_lost_redis_forgets_everything_when_it_is_back(tmp_path: Path) -> None:
    import shutil
    import signal
    import subprocess
    import threading

    import redis

    from pas.realtime.revocations import RevocationListener, announce

    port = 6420  # this suite's own Redis port (6420-6429)

    def start() -> subprocess.Popen[bytes]:
        exe = shutil.which("redis-server") or "/usr/bin/redis-server"
        args = [
            exe,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--dir",
            str(tmp_path),
        ]
        proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while not _answers(port):
            assert time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.05)
        return proc

    server = start()
    client = redis.Redis(port=port, socket_timeout=5, socket_connect_timeout=1)
    forgotten = threading.Semaphore(0)
    listener = RevocationListener(client, "edge", forgotten.release)
    listener.start()
    try:
        assert listener.subscribed.wait(5) and forgotten.acquire(timeout=5)  # on subscribing
        announce(client, "edge", 7)
        assert forgotten.acquire(timeout=2)
        server.send_signal(signal.SIGKILL)
        server.wait(10)
        announce(client, "edge", 8)  # lost: nobody hears it, and announcing does not raise
        time.sleep(1.5)
        server = start()
        assert forgotten.acquire(timeout=10)  # it came back and forgot what it may have missed
        assert listener.subscribed.wait(5)
    finally:
        listener.stop()
        server.send_signal(signal.SIGKILL)
        server.wait(10)
        client.close()


def _answers(port: int) -> bool:
    import socket

    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0
