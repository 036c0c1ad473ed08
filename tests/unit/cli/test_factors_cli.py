"""`pas factors` on the demo database: the table, --json, and one-line errors."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from typer.testing import CliRunner

from pas.analytics.factors import factor_model
from pas.analytics.returns import simple_returns
from pas.bootstrap import Container
from pas.cli import app

runner = CliRunner()


@pytest.fixture
def demo_db(demo_container: Container, monkeypatch: pytest.MonkeyPatch) -> Container:
    """Point the CLI's settings at the demo database."""
    monkeypatch.setenv("PAS_DATABASE__URL", demo_container.settings.database.url)
    return demo_container


def test_json_matches_factor_model(demo_db: Container, demo_batches) -> None:  # type: ignore[no-untyped-def]
    args = ["factors", "--symbols", "aapl,XOM", "--start", "2016-01-01", "--hac-lags", "3"]
    result = runner.invoke(app, [*args, "--model", "ff4", "--json"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert body["cov_type"] == "HAC" and body["hac_lags"] == 3 and "2022-12-28" in body["note"]
    prices, factors = demo_batches
    wide = prices.prices.pivot(index="date", columns="symbol", values="adj_close")
    wide.index = pd.DatetimeIndex(wide.index)
    returns = simple_returns(wide.loc["2016-01-01":, ["AAPL", "XOM"]])
    expected = factor_model(returns, factors[0].factors, model="ff4", hac_lags=3).table
    for row in body["rows"]:
        for column in ("alpha_annual", "beta_mom", "t_mom", "t_alpha", "resid_vol_annual"):
            assert row[column] == pytest.approx(expected.loc[row["symbol"], column], rel=1e-9)


def test_table_for_all_symbols(demo_db: Container) -> None:
    result = runner.invoke(
        app,
        ["factors", "--all", "--start", "2021-01-01", "--model", "capm"],
        env={"COLUMNS": "200"},
    )
    assert result.exit_code == 0, result.output
    assert "CAPM regression (OLS t-stats)" in result.stdout
    assert "SP500" in result.stdout and "beta_smb" not in result.stdout
    assert "dropped 249 return dates without factors" in result.stdout.replace("\n", " ")


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--symbols", "AAPL", "--all"], "give exactly one of --symbols"),
        ([], "give exactly one of --symbols"),
        (["--symbols", "AAPL", "--model", "ff5"], "unknown factor model 'ff5'"),
        (["--symbols", "NOPE"], "no prices for NOPE"),
        (["--symbols", "AAPL", "--hac-lags", "61"], "hac_lags is 61, above the limit of 60"),
        (["--symbols", "AAPL", "--start", "2022-02-01"], "no daily factors stored"),
    ],
)
def test_errors_print_one_line_and_exit_1(demo_db: Container, args, fragment) -> None:
    result = runner.invoke(app, ["factors", *args])
    assert result.exit_code == 1
    assert fragment in result.stderr and result.stderr.count("error:") == 1
