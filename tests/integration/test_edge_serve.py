"""`pas serve` at its edge: 50 MB uploads refused cheaply, revocation by the CLI within 1 s,
JSON log lines without secrets."""

from __future__ import annotations

import datetime as dt
import json
import select
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests.integration.processes import PAS, pas_env, run_pas, stop, wait_until

#: this suite's own ports (8120-8129)
PORTS = iter(range(8120, 8130))
UPLOAD = 50 * 1024 * 1024
MB = 1024 * 1024
#: uploads each of the four clients makes, one after the other
ROUNDS = 25


@contextmanager
def serving(
    tmp_path: Path, **settings: str
) -> Iterator[tuple[str, dict[str, str], subprocess.Popen[bytes]]]:
    """Run `pas serve` on a fresh SQLite database; yield (base URL, env, process)."""
    env = pas_env(tmp_path, database__url=f"sqlite:///{tmp_path / 'edge.db'}", **settings)
    run_pas(env, tmp_path, "init-db")
    port = next(PORTS)
    log = tmp_path / "serve.log"
    with open(log, "ab") as out:
        proc = subprocess.Popen(
            [*PAS, "serve", "--port", str(port)], env=env, cwd=tmp_path, stdout=out, stderr=out
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: httpx.get(f"{url}/ready", timeout=2).status_code == 200, 60, "serve")
        yield url, env, proc
    finally:
        stop(proc)


def rss_mb(pid: int) -> float:
    """Return a process's resident memory in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


def upload(url: str, chunked: bool) -> tuple[int, int]:
    """Try to POST 50 MB without a key; return (the status answered, the bytes sent)."""
    host, port = url.removeprefix("http://").split(":")
    framing = b"Transfer-Encoding: chunked" if chunked else b"Content-Length: %d" % UPLOAD
    block = b"x" * 65536
    sent = 0
    with socket.create_connection((host, int(port)), timeout=30) as s:
        s.sendall(
            b"POST /api/v1/keys HTTP/1.1\r\nHost: pas\r\nContent-Type: application/json\r\n"
            + framing
            + b"\r\n\r\n"
        )
        try:
            while sent < UPLOAD and not select.select([s], [], [], 0)[0]:
                s.sendall(b"%x\r\n%s\r\n" % (len(block), block) if chunked else block)
                sent += len(block)
        except (BrokenPipeError, ConnectionResetError):
            pass
        status_line = s.makefile("rb").readline()
    return int(status_line.split()[1]), sent


@pytest.mark.timeout(300)
def test_concurrent_50_mb_uploads_cost_no_memory_and_health_stays_fast(tmp_path: Path) -> None:
    with serving(tmp_path) as (url, _, proc):
        for _ in range(20):  # warm up: the first requests allocate what the process keeps
            httpx.get(f"{url}/health")
        upload(url, chunked=True)
        before = rss_mb(proc.pid)
        results: list[tuple[bool, int, int]] = []
        health_s: list[float] = []
        done = threading.Event()

        def probe() -> None:
            with httpx.Client() as client:
                while not done.is_set():
                    t0 = time.perf_counter()
                    assert client.get(f"{url}/health").status_code == 200
                    health_s.append(time.perf_counter() - t0)
                    time.sleep(0.02)

        prober = threading.Thread(target=probe)
        prober.start()
        while not health_s:
            time.sleep(0.01)

        def uploads(chunked: bool) -> None:
            for _ in range(ROUNDS):
                results.append((chunked, *upload(url, chunked)))

        workers = [threading.Thread(target=uploads, args=(c,)) for c in (False, True, False, True)]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        done.set()
        prober.join()
        grown = rss_mb(proc.pid) - before
        print(
            f"\nRSS growth {grown:.1f} MB; /health max {max(health_s) * 1000:.1f} ms "
            f"over {len(health_s)} probes; sent per upload (MB): "
            f"{sorted({round(s / MB, 1) for _, _, s in results})}"
        )
        assert [status for _, status, _ in results] == [413] * 4 * ROUNDS
        assert grown < 20, f"the server grew {grown:.1f} MB"
        assert max(health_s) < 0.5
        # the declared ones were refused before their body: little of it was even sent
        assert all(sent < UPLOAD // 2 for chunked, _, sent in results if not chunked)


@pytest.mark.timeout(300)
def test_a_key_revoked_by_the_cli_is_refused_within_a_second(tmp_path: Path) -> None:
    with serving(tmp_path) as (url, env, _):
        created = json.loads(run_pas(env, tmp_path, "keys", "create", "--role", "viewer", "--json"))
        key = {"Authorization": f"Bearer {created['key']}"}
        stop_polling = threading.Event()
        refused_at: list[float] = []

        def poll() -> None:  # keeps the key hot in the server's cache, as a busy client would
            with httpx.Client() as client:
                while not stop_polling.is_set():
                    status = client.get(f"{url}/api/v1/securities", headers=key).status_code
                    if status == 401:
                        refused_at.append(time.time())
                        return
                    assert status == 200
                    time.sleep(0.01)

        poller = threading.Thread(target=poll)
        poller.start()
        time.sleep(0.5)
        assert not refused_at
        revoked = json.loads(run_pas(env, tmp_path, "keys", "revoke", str(created["id"]), "--json"))
        poller.join(10)
        stop_polling.set()
        assert refused_at, "the revoked key was still accepted 10 s after the CLI returned"
        # the revocation's own time stamp (UTC, written just before its commit)
        revoked_at = dt.datetime.fromisoformat(revoked["revoked_at"]).replace(tzinfo=dt.UTC)
        delay = refused_at[0] - revoked_at.timestamp()
        print(f"\nrefused {delay * 1000:.0f} ms after the revocation was written")
        assert 0 < delay <= 1.0


@pytest.mark.timeout(300)
def test_json_log_lines_carry_the_request_id_and_no_key(tmp_path: Path) -> None:
    with serving(tmp_path, logging__json="true") as (url, env, _):
        created = json.loads(run_pas(env, tmp_path, "keys", "create", "--role", "viewer", "--json"))
        secret = created["key"]
        httpx.get(f"{url}/api/v1/securities", params={"token": secret})
        httpx.get(f"{url}/api/v1/securities", headers={"Authorization": f"Bearer {secret}"})
        httpx.get(f"{url}/health", headers={"X-Request-ID": "probe-1"})
    text = (tmp_path / "serve.log").read_text()
    lines = [json.loads(line) for line in text.splitlines() if line.strip()]
    assert lines and all({"time", "level", "logger", "message"} <= set(line) for line in lines)
    assert secret not in text
    assert any("token=[redacted]" in line["message"] for line in lines)
    access = [line for line in lines if line["logger"] == "uvicorn.access"]
    assert any(line.get("request_id") == "probe-1" for line in access)


@pytest.mark.timeout(300)
def test_past_max_in_flight_requests_are_shed_with_503_and_the_rest_served(
    tmp_path: Path,
) -> None:
    with serving(tmp_path, server__max_in_flight="2") as (url, env, _):
        created = json.loads(run_pas(env, tmp_path, "keys", "create", "--role", "viewer", "--json"))
        key = {"Authorization": f"Bearer {created['key']}"}
        answers: list[httpx.Response] = []
        health: list[int] = []

        def client() -> None:
            with httpx.Client(headers=key, timeout=30) as http:
                for _ in range(25):
                    answers.append(http.get(f"{url}/api/v1/securities"))
                    health.append(http.get(f"{url}/health").status_code)

        threads = [threading.Thread(target=client) for _ in range(12)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        shed = [a for a in answers if a.status_code == 503]
        print(f"\n{len(shed)} of {len(answers)} requests shed at max_in_flight 2, 12 clients")
        assert {a.status_code for a in answers} == {200, 503}
        assert {a.json()["error"]["code"] for a in shed} == {"overloaded"}
        assert {a.headers["retry-after"] for a in shed} == {"1"}
        assert set(health) == {200}
        metrics = httpx.get(f"{url}/metrics").text
        [counted] = [
            line for line in metrics.splitlines() if line.startswith("pas_http_shed_total")
        ]
        assert float(counted.split()[1]) == len(shed)
