"""`pas updater --list | --once JOB`, and `python scripts/run_updater.py`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from pas.cli import main

ROOT = Path(__file__).parents[3]


def test_list_and_once(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["init-db", "--json"]) == 0
    capsys.readouterr()
    assert main(["updater", "--list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [j["name"] for j in listed["jobs"]][:2] == ["prices", "factors"]
    assert all(j["last_run"] is None for j in listed["jobs"])
    assert main(["updater", "--once", "prices", "--json"]) == 0
    once = json.loads(capsys.readouterr().out)
    assert once["job"] == "prices" and once["status"] == "skipped"
    assert main(["updater", "--list", "--json"]) == 0
    listed = {j["name"]: j for j in json.loads(capsys.readouterr().out)["jobs"]}
    assert listed["prices"]["last_run"]["status"] == "skipped"
    assert main(["updater", "--list"]) == 0
    assert "strategies" in capsys.readouterr().out


def test_bad_use_is_one_line_and_a_nonzero_exit(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["updater", "--once", "nope"]) == 1
    err = capsys.readouterr().err
    assert (
        err.startswith("error: unknown job 'nope'; jobs: prices, factors") and err.count("\n") == 1
    )
    assert main(["updater", "--once", "prices", "--list"]) == 2


def test_a_failed_job_exits_1(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PAS_UPDATER__FACTORS_URL", "http://127.0.0.1:1/none.zip")
    assert main(["updater", "--once", "factors", "--json"]) == 1
    captured = capsys.readouterr()
    assert json.loads(captured.out)["status"] == "failed"
    assert "cannot download the factors" in captured.err


def test_the_script_runs_the_same_command(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAS_")}
    env["PAS_DATABASE__URL"] = f"sqlite:///{tmp_path / 'pas.db'}"
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "run_updater.py"), "--once", "stale_data", "--json"],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["status"] == "done"
