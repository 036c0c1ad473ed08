"""A database out of reach is one error line saying so (not a schema hint) and exit 1."""

from __future__ import annotations

import pytest

from pas.cli import main


def test_an_unreachable_database_is_one_error_line_and_exit_1(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PAS_DATABASE__URL", "mysql+pymysql://root@127.0.0.1:1/nothing")
    for argv in (["keys", "list", "--json"], ["ledger", "sleeves", "--json"]):
        assert main(argv) == 1
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1, err
        assert err[0].startswith("error: the database cannot be reached"), err
        assert "init-db" not in err[0]
