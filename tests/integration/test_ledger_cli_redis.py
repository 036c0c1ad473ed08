"""`pas ledger verify` and `rebuild` against the real Redis."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.unit.cli.test_ledger_cli import run


def test_verify_exits_1_on_a_difference(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, redis_url: str, redis_prefix: str,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    monkeypatch.setenv("PAS_DATABASE__URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("PAS_REDIS__URL", redis_url)
    monkeypatch.setenv("PAS_REDIS__PREFIX", redis_prefix)
    assert run(capsys, "ledger", "create", "alpha", "--cash", "1000")[0] == 0
    import redis

    client = redis.Redis.from_url(redis_url)
    client.hset(f"{redis_prefix}:ledger:sleeve:1", "cash", "5")
    code, out = run(capsys, "ledger", "verify", "--json")
    report = json.loads(out)
    assert code == 1 and report["ok"] is False
    assert "sleeves.1.cash: live 5 != journal 1000000000" in report["differences"]
    assert any("account cash" in v for v in report["violations"])
    assert run(capsys, "ledger", "rebuild")[0] == 0
    assert run(capsys, "ledger", "verify")[0] == 0
    client.close()
