"""The CLI on the embedded defaults: demo load, keys, --json everywhere."""

from __future__ import annotations

import json

import pytest

from pas.cli import main


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> object:
    assert main([*argv, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_load_demo_then_reuse(capsys: pytest.CaptureFixture[str]) -> None:
    first = run_json(capsys, "data", "load-demo")
    assert [s["rows"] for s in first] == [174_573, 13_118, 1_109]  # type: ignore[index]
    again = run_json(capsys, "data", "load-demo")
    assert again[0]["skipped"] is True  # type: ignore[index]


def test_keys_create_list_revoke(capsys: pytest.CaptureFixture[str]) -> None:
    made = run_json(capsys, "keys", "create", "--role", "trader", "--name", "bot")
    assert set(made) == {"key", "role", "id", "name"} and made["role"] == "trader"  # type: ignore[index]
    listed = run_json(capsys, "keys", "list")
    assert [k["prefix"] for k in listed] == [made["key"][:12]]  # type: ignore[index]
    assert made["key"] not in json.dumps(listed)  # type: ignore[index]
    revoked = run_json(capsys, "keys", "revoke", str(made["id"]))  # type: ignore[index]
    assert revoked["revoked_at"]  # type: ignore[index]
    assert main(["keys", "revoke", "999"]) == 1
    assert "no API key with id 999" in capsys.readouterr().err


def test_bad_role_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["keys", "create", "--role", "god"]) == 1
    err = capsys.readouterr().err.strip()
    assert err == "error: unknown role 'god'; expected one of viewer, trader, admin"


def test_demo_key_is_created_once_and_reused(capsys: pytest.CaptureFixture[str]) -> None:
    first = run_json(capsys, "keys", "demo")
    second = run_json(capsys, "keys", "demo")
    assert first["created"] is True and second["created"] is False  # type: ignore[index]
    assert first["key"] == second["key"]  # type: ignore[index]


def test_import_factors_cli(capsys: pytest.CaptureFixture[str]) -> None:
    from pathlib import Path

    fixture = (
        Path(__file__).resolve().parents[2]
        / "fixtures"
        / "ken_french"
        / "F-F_Research_Data_Factors_daily_CSV.zip"
    )
    out = run_json(capsys, "data", "import-factors", str(fixture))
    assert out["frequency"] == "daily" and out["rows"] > 0  # type: ignore[index]


def test_import_factors_without_header(tmp_path, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "f.csv"
    bad.write_text("just text\n19260701, 1, 2, 3, 4\n")
    assert main(["data", "import-factors", str(bad)]) == 1
    assert "no header line" in capsys.readouterr().err


def test_each_database_keeps_its_own_demo_key(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    first = run_json(capsys, "keys", "demo")
    monkeypatch.setenv("PAS_DATABASE__URL", f"sqlite:///{tmp_path / 'other.db'}")
    other = run_json(capsys, "keys", "demo")
    assert other["created"] is True and other["file"] != first["file"]  # type: ignore[index]
    monkeypatch.delenv("PAS_DATABASE__URL")
    again = run_json(capsys, "keys", "demo")  # the first database's key is still there
    assert again["created"] is False and again["key"] == first["key"]  # type: ignore[index]
    assert first["file"].endswith("demo-admin.key")  # type: ignore[index]


def test_demo_key_file_ignores_the_password() -> None:
    from pathlib import Path

    from pas.workflows.keys import demo_key_file

    a = demo_key_file(Path("v"), "mysql+pymysql://pas:one@db:3306/pas", "sqlite:///x")
    b = demo_key_file(Path("v"), "mysql+pymysql://pas:two@db:3306/pas", "sqlite:///x")
    c = demo_key_file(Path("v"), "mysql+pymysql://pas@db:3306/other", "sqlite:///x")
    assert a == b != c and a.name.startswith("demo-admin-")


def test_tables_keep_their_full_width_when_piped(capsys: pytest.CaptureFixture[str]) -> None:
    from pas.cli.output import table

    cells = ["AAPL", "x" * 40, "y" * 40, "z" * 40]
    table("wide", ["symbol", "first", "second", "third"], [cells])
    out = capsys.readouterr().out
    assert "…" not in out and all(cell in out for cell in cells)
    assert max(len(line) for line in out.splitlines()) > 80
