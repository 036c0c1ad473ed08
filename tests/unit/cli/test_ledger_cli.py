"""`pas ledger ...` against a SQLite database (embedded backend) and the real Redis."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pas.cli import main


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PAS_DATABASE__URL", f"sqlite:///{tmp_path / 'cli.db'}")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    return code, capsys.readouterr().out


def test_create_transfer_show_events_verify(env: None, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "ledger", "create", "alpha", "--cash", "1000")[0] == 0
    assert run(capsys, "ledger", "create", "beta")[0] == 0
    assert run(capsys, "ledger", "transfer", "250", "--from", "1", "--to", "2")[0] == 0
    code, out = run(capsys, "ledger", "show", "beta", "--json")
    assert code == 0 and json.loads(out)["cash"] == "250"
    code, out = run(capsys, "ledger", "sleeves", "--json")
    data = json.loads(out)
    assert [s["name"] for s in data["sleeves"]] == ["alpha", "beta"]
    assert data["account"]["unallocated"] == "9999000"
    code, out = run(capsys, "ledger", "events", "--json")
    assert [e["kind"] for e in json.loads(out)] == [
        "sleeve_created",
        "sleeve_created",
        "transferred",
    ]
    code, out = run(capsys, "ledger", "verify", "--json")
    assert code == 0 and json.loads(out)["ok"] is True
    assert run(capsys, "ledger", "show", "nope")[0] == 1


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
