"""Real PAS processes for integration tests: `pas serve` and `pas updater`, with readiness polling."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests.live_server import free_port

PAS = [sys.executable, "-m", "pas"]


def pas_env(tmp_path: Path, **settings: str) -> dict[str, str]:
    """Return an environment with no developer PAS_* variables and these settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAS_")}
    env.update({f"PAS_{k.upper()}": v for k, v in settings.items()})
    env.setdefault("PAS_VAR_DIR", str(tmp_path / "var"))
    return env


def wait_until(check: object, timeout: float, what: str, every: float = 0.1) -> None:
    """Poll `check()` until it is truthy; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            if check():  # type: ignore[operator]
                return
        except Exception:
            pass
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(every)


@contextmanager
def serve(env: Mapping[str, str], cwd: Path, log: Path) -> Iterator[str]:
    """Run `pas serve` on a free port until the block ends; yield its base URL once ready."""
    port = free_port()
    with open(log, "ab") as out:
        proc = subprocess.Popen(
            [*PAS, "serve", "--port", str(port)], env=dict(env), cwd=cwd, stdout=out, stderr=out
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until(
            lambda: (
                (proc.poll() is None and httpx.get(f"{url}/ready", timeout=5).status_code == 200)
                or _died(proc, log)
            ),
            120,
            f"pas serve on {port}",
        )
        yield url
    finally:
        stop(proc)


def _died(proc: subprocess.Popen[bytes], log: Path) -> bool:
    if proc.poll() is not None:
        raise AssertionError(
            f"the process exited with {proc.returncode}:\n{log.read_text()[-3000:]}"
        )
    return False


def run_pas(env: Mapping[str, str], cwd: Path, *args: str, timeout: float = 600) -> str:
    """Run one `pas` command to its end; return its stdout (fail with its stderr)."""
    done = subprocess.run(
        [*PAS, *args], env=dict(env), cwd=cwd, capture_output=True, text=True, timeout=timeout
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def start_updater(env: Mapping[str, str], cwd: Path, log: Path) -> subprocess.Popen[bytes]:
    """Start `pas updater` (stopped by the caller)."""
    with open(log, "ab") as out:
        return subprocess.Popen(
            [*PAS, "updater", "--json"], env=dict(env), cwd=cwd, stdout=out, stderr=out
        )


def stop(proc: subprocess.Popen[bytes], sig: int = signal.SIGTERM) -> None:
    """Stop a process and wait for it (killed after 30 s)."""
    if proc.poll() is None:
        proc.send_signal(sig)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)
