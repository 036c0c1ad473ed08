"""`pas allocate` on a CSV (no database) and on the demo database."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from pas.bootstrap import Container
from pas.cli import app

runner = CliRunner()


@pytest.fixture
def wide_csv(tmp_path: Path, demo_batches) -> Path:  # type: ignore[no-untyped-def]
    prices, _ = demo_batches
    wide = prices.prices.pivot(index="date", columns="symbol", values="adj_close")
    path = tmp_path / "wide.csv"
    wide[["AAPL", "KO", "XOM", "JNJ"]].iloc[-600:].to_csv(path, index_label="date")
    return path


def test_csv_json(wide_csv: Path) -> None:
    result = runner.invoke(
        app,
        [
            "allocate",
            "--prices",
            str(wide_csv),
            "--method",
            "min_variance",
            "--json",
            "--lookback",
            "500",
        ],
    )
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert {
        "method",
        "as_of",
        "weights",
        "expected_return",
        "volatility",
        "sharpe",
        "fallback",
    } <= set(out)
    assert out["method"] == "min_variance" and out["estimators"]["expected_returns"] == "historical"
    assert abs(sum(out["weights"].values()) - 1.0) < 1e-12 and "id" not in out
    assert out["n_obs"] == 500


def test_csv_matches_python_api(wide_csv: Path) -> None:
    import pas

    frame = pd.read_csv(wide_csv, index_col="date", parse_dates=True)
    expected = pas.allocate(frame, risk_free=0.03, covariance="sample", bounds=(0, 0.4))
    result = runner.invoke(
        app,
        [
            "allocate",
            "--prices",
            str(wide_csv),
            "--json",
            "--risk-free",
            "0.03",
            "--covariance",
            "sample",
            "--max-weight",
            "0.4",
        ],
    )
    out = json.loads(result.stdout)
    assert out["weights"] == pytest.approx(expected.weights.to_dict(), abs=1e-12)
    assert max(out["weights"].values()) <= 0.4 + 1e-9


def test_csv_table_output_and_errors(wide_csv: Path) -> None:
    result = runner.invoke(app, ["allocate", "--prices", str(wide_csv), "--method", "hrp"])
    assert result.exit_code == 0 and "hrp as of" in result.output and "volatility" in result.output
    bad = runner.invoke(app, ["allocate", "--prices", str(wide_csv), "--method", "nope"])
    assert bad.exit_code == 1 and "unknown allocation method" in bad.output
    infeasible = runner.invoke(app, ["allocate", "--prices", str(wide_csv), "--max-weight", "0.2"])
    assert infeasible.exit_code == 1 and "infeasible constraints" in infeasible.output


def test_database_path_saves(demo_container: Container, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAS_DATABASE__URL", demo_container.settings.database.url)
    result = runner.invoke(
        app,
        [
            "allocate",
            "--method",
            "risk_parity",
            "--symbols",
            "AAPL,KO,XOM",
            "--as-of",
            "2021-12-31",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["id"] == 1 and out["as_of"] == "2021-12-31"
    assert out["estimators"] == {"expected_returns": "ff3", "covariance": "ledoit_wolf"}
    assert all(abs(v - 1 / 3) < 1e-8 for v in out["risk_contributions"].values())
    again = runner.invoke(
        app,
        [
            "allocate",
            "--method",
            "risk_parity",
            "--symbols",
            "AAPL,KO,XOM",
            "--as-of",
            "2021-12-31",
            "--json",
            "--no-save",
        ],
    )
    second = json.loads(again.stdout)
    assert "id" not in second and second["inputs_hash"] == out["inputs_hash"]
    unknown = runner.invoke(app, ["allocate", "--symbols", "NOPE"])
    assert unknown.exit_code == 1 and "no prices for NOPE" in unknown.output
