"""A short mixed load (benchmarks/load_mixed.py, 10 s at 50 requests/s) on MariaDB + Redis.

The benchmark's own set-up as a process: `pas serve` on the demo data, a MariaDB
database and a redis-server of its own. No answer may be a 5xx (but a request
shed with 503 `overloaded` on a busy machine, which never ran), every
acknowledged ledger write must be in the journal once and in the ledger's
state, and `pas ledger verify` must pass afterwards.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.mysql, pytest.mark.redis]

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "load_mixed.py"


def test_short_mixed_load_answers_no_5xx_and_loses_no_write(mysql_server_url: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAS_")}
    env["PAS_TEST_MYSQL_URL"] = mysql_server_url
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--rate", "50", "--seconds", "10", "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.stdout.strip(), done.stderr[-3000:]
    report = json.loads(done.stdout)
    assert report["sent"] == report["answered"] == 500, report["statuses"]
    assert report["server_errors_5xx"] == 0, report["failures"]
    # nothing else but 2xx and, under a busy machine, 429 busy or a shed request (503
    # overloaded, nothing of it ran): another 4xx would be a bad request
    assert set(report["statuses"]) <= {"200", "201", "429", "shed"}, report["failures"]
    acknowledged = report["acknowledged"]
    assert acknowledged["reserve"] > 50 and acknowledged["execute"] > 10
    assert acknowledged["cancel"] > 10
    assert report["lost"] == {"reserve": 0, "execute": 0, "cancel": 0, "journaled twice": 0}
    assert report["verify_ok"], report["verify"]
    assert done.returncode == 0
