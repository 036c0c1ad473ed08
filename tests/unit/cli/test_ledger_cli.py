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


def test_unreachable_redis_is_one_line_and_exit_1(
    env: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PAS_REDIS__URL", "redis://127.0.0.1:1/0")
    for argv in (["ledger", "sleeves"], ["ledger", "verify"], ["ledger", "create", "a"]):
        assert main(argv) == 1
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and err[0].startswith("error: the ledger's store (Redis)"), err


def test_events_show_their_actor_and_sync_cash_books_the_broker(
    env: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys, "ledger", "create", "alpha", "--cash", "1000")[0] == 0
    assert main(["ledger", "sync-cash", "--reason", " "]) == 1  # a reason is required
    capsys.readouterr()
    code, out = run(
        capsys, "ledger", "sync-cash", "--reason", "deposit", "--cash", "12000000", "--json"
    )
    assert code == 0 and json.loads(out)["data"]["previous"] == "10000000.000000"
    code, out = run(capsys, "ledger", "events", "--json")
    assert [(e["kind"], e["actor"]) for e in json.loads(out)] == [
        ("sleeve_created", "cli"),
        ("account_synced", "cli"),
    ]
    code, out = run(capsys, "ledger", "sleeves", "--json")
    account = json.loads(out)["account"]
    assert account["account_cash"] == "12000000" and account["unallocated"] == "11999000"
    assert account["broker_cash"] == "10000000"  # the paper broker was not told: reconcile says so
    code, out = run(capsys, "ledger", "events")
    assert "actor" in out and "cli" in out
