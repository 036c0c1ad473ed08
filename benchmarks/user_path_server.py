"""What benchmarks/user_path.py runs on: PAS processes and a `pas serve` on the demo data."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx
import pandas as pd

MYSQL = os.environ.get("PAS_TEST_MYSQL_URL", "mysql+pymysql://root@127.0.0.1:3306/test")
REDIS = os.environ.get("PAS_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
RUN = uuid.uuid4().hex[:6]


def env_for(src: Path, **settings: str) -> dict[str, str]:
    """Return the environment of a PAS process on `src` with PAS_* `settings`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAS_")}
    env.update(PAS_CONFIG="", PAS_LOG_LEVEL="WARNING", **settings)
    env["PYTHONPATH"] = str(src) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def pas(env: dict[str, str], *args: str) -> str:
    """Run `python -m pas args` and return its stdout (raises on a non-zero exit)."""
    done = subprocess.run(
        [sys.executable, "-m", "pas", *args], env=env, capture_output=True, text=True
    )
    if done.returncode != 0:
        raise RuntimeError(f"pas {' '.join(args)}: {done.stderr.strip()[-500:]}")
    return done.stdout


def verify_ledger(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run `pas ledger verify --json` (exit 0: the ledger matches its journal)."""
    return subprocess.run(
        [sys.executable, "-m", "pas", "ledger", "verify", "--json"],
        env=env,
        capture_output=True,
        text=True,
    )


def quantile(values: list[float], q: float) -> float:
    """Return the q-quantile (0..1) of `values`, interpolated."""
    return float(pd.Series(values).quantile(q))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """A `pas serve` on the demo data (loaded, demo strategies, default evaluation, a key)."""

    def __init__(
        self,
        src: Path,
        backend: str,
        *,
        port: int | None = None,
        database_prefix: str = "pas_bench",
        redis_url: str = REDIS,
    ) -> None:
        self.tmp = Path(tempfile.mkdtemp(prefix=f"pas-{backend}-"))
        self.port = port or free_port()
        self.backend, self.database, self.redis_url = backend, None, redis_url
        settings = {"PAS_VAR_DIR": str(self.tmp / "var"), "PAS_SERVER__PORT": str(self.port)}
        if backend == "sqlite":
            settings["PAS_DATABASE__URL"] = f"sqlite:///{self.tmp / 'pas.db'}"
        else:
            self.database = f"{database_prefix}_{RUN}_{uuid.uuid4().hex[:4]}"
            _mysql(f"CREATE DATABASE `{self.database}`")
            settings["PAS_DATABASE__URL"] = MYSQL.rsplit("/", 1)[0] + f"/{self.database}"
            settings.update(
                PAS_REDIS__URL=redis_url, PAS_REDIS__PREFIX=f"pasbench:{RUN}:{self.database}"
            )
        self.env = env_for(src, **settings)
        start = time.perf_counter()
        for args in (["init-db"], ["data", "load-demo", "--json"], ["strategies", "demo"]):
            pas(self.env, *args)
        pas(self.env, "evaluate", "--update", "--json")
        self.setup_seconds = time.perf_counter() - start
        key = json.loads(pas(self.env, "keys", "create", "--role", "trader", "--json"))["key"]
        self.headers = {"Authorization": f"Bearer {key}"}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "pas", "serve"],
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.base = f"http://127.0.0.1:{self.port}"
        for _ in range(300):
            try:
                if httpx.get(self.base + "/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)

    def close(self) -> None:
        self.process.terminate()
        self.process.wait(20)
        if self.database:
            _mysql(f"DROP DATABASE IF EXISTS `{self.database}`")
            import redis

            client = redis.Redis.from_url(self.redis_url)
            for key in client.scan_iter(f"pasbench:{RUN}:{self.database}*", count=1000):
                client.delete(key)
            client.close()


def _mysql(statement: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(MYSQL)
    with engine.begin() as conn:
        conn.execute(text(statement))
    engine.dispose()


def process_cpu(pid: int) -> float:
    """Return the CPU seconds (user + system) process `pid` used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
