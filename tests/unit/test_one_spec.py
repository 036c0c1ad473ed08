"""One allocation spec, one answer: `pas.allocate`, `pas allocate` and the HTTP API agree."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

import pas
from pas.bootstrap import Container
from pas.cli import app
from pas.data.csv_prices import read_prices_csv
from pas.service.app import create_app
from pas.workflows.data import import_prices
from pas.workflows.keys import create_key

SYMBOLS = ["AAPL", "KO", "XOM", "JNJ", "JPM", "PG", "MSFT", "WMT"]

#: (CLI options, HTTP parameters, pas.allocate keywords): one spec, three spellings
SPECS: dict[str, tuple[list[str], dict[str, Any], dict[str, Any]]] = {
    "defaults": ([], {}, {}),
    "risk parity, 500 days, sample covariance, capped": (
        ["--method", "risk_parity", "--lookback", "500", "--covariance", "sample",
         "--max-weight", "0.3", "--risk-free", "0.02"],
        {"lookback": 500, "covariance": "sample", "max_weight": 0.3, "risk_free": 0.02},
        {"method": "risk_parity", "lookback": 500, "covariance": "sample",
         "bounds": (0.0, 0.3), "risk_free": 0.02},
    ),
    "min variance on historical estimates": (
        ["--method", "min_variance", "--expected-returns", "historical", "--lookback", "300"],
        {"expected_returns": "historical", "lookback": 300},
        {"method": "min_variance", "expected_returns": "historical", "lookback": 300},
    ),
}  # fmt: skip


@pytest.fixture(scope="module")
def csv_path(tmp_path_factory: pytest.TempPathFactory, demo_batches) -> Path:  # type: ignore[no-untyped-def]
    prices, _ = demo_batches
    wide = prices.prices.pivot(index="date", columns="symbol", values="adj_close")[SYMBOLS]
    path = tmp_path_factory.mktemp("spec") / "prices.csv"
    wide.iloc[-900:].to_csv(path, index_label="date", float_format="%.17g")
    return path


@pytest.fixture
def stored(container: Container, csv_path: Path) -> Container:
    """A database holding exactly the CSV's prices (no factors: the same estimators)."""
    import_prices(container.uow(), read_prices_csv(csv_path))
    return container


def _frame(csv_path: Path) -> pd.DataFrame:
    long = read_prices_csv(csv_path).prices
    wide = long.pivot(index="date", columns="symbol", values="adj_close").sort_index()
    wide.index = pd.DatetimeIndex(wide.index)
    wide.columns.name = None
    return wide[SYMBOLS].astype(float)


def _weights(weights: dict[str, float]) -> np.ndarray:
    return np.array([weights.get(s, 0.0) for s in [*SYMBOLS, "CASH"]])


@pytest.mark.parametrize("name", list(SPECS))
def test_python_cli_and_http_give_the_same_weights(
    name: str, csv_path: Path, stored: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    cli_options, http_parameters, python_options = SPECS[name]
    method = python_options.get("method", "max_sharpe")
    python = pas.allocate(_frame(csv_path), **python_options)
    runner = CliRunner()
    from_csv = runner.invoke(app, ["allocate", "--prices", str(csv_path), "--json", *cli_options])
    assert from_csv.exit_code == 0, from_csv.output
    monkeypatch.setenv("PAS_DATABASE__URL", stored.settings.database.url)
    from_db = runner.invoke(
        app, ["allocate", "--symbols", ",".join(SYMBOLS), "--json", "--no-save", *cli_options]
    )
    assert from_db.exit_code == 0, from_db.output
    body = {"method": method, "universe": SYMBOLS, "parameters": http_parameters}
    key, _ = create_key(stored.uow(), "trader")
    with TestClient(create_app(stored)) as client:
        http = client.post("/api/v1/allocations", json=body, headers={"X-API-Key": key})
    assert http.status_code == 201, http.text
    want = _weights(python.weights.to_dict())
    for answer in (json.loads(from_csv.stdout), json.loads(from_db.stdout), http.json()):
        np.testing.assert_allclose(_weights(answer["weights"]), want, rtol=0, atol=1e-12)
        assert answer["requested_method"] == method
        assert answer["estimators"]["covariance"] == python.covariance_estimator
    assert python.spec is not None and python.spec.method == method
    assert json.loads(from_csv.stdout)["spec"] == python.spec.to_dict()


def test_every_surface_starts_from_the_same_defaults() -> None:
    from pas.analytics.allocation import DEFAULT_LOOKBACK, AllocationSpec
    from pas.service.routers.allocations import AllocationBody, AllocationParameters

    spec = AllocationSpec()
    assert (spec.method, spec.lookback, spec.covariance) == (
        "max_sharpe",
        DEFAULT_LOOKBACK,
        "ledoit_wolf",
    )
    params = AllocationParameters()
    assert AllocationBody().method == spec.method and params.lookback == spec.lookback
    assert (params.covariance, params.risk_free) == (spec.covariance, spec.risk_free)
    help_text = CliRunner().invoke(app, ["allocate", "--help"], env={"COLUMNS": "200"}).output
    assert f"default {DEFAULT_LOOKBACK}" in help_text and "default max_sharpe" in help_text
