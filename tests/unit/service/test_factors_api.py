"""GET /api/v1/factors/regression | rolling | premia on the demo database."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient

from pas.analytics.factors import factor_model, factor_premia, rolling_betas
from pas.analytics.returns import simple_returns
from tests.unit.service.conftest import auth


@pytest.fixture
def viewer(keys: dict[str, str]) -> dict[str, str]:
    """Return the header of a viewer key."""
    return auth(keys["viewer"])


@pytest.fixture(scope="module")
def oracle_inputs(demo_batches) -> tuple[pd.DataFrame, pd.DataFrame]:  # type: ignore[no-untyped-def]
    prices, factor_batches = demo_batches
    wide = prices.prices.pivot(index="date", columns="symbol", values="adj_close")
    wide.index = pd.DatetimeIndex(wide.index)
    return simple_returns(wide), factor_batches[0].factors


def test_regression_json_matches_factor_model(client: TestClient, viewer, oracle_inputs) -> None:
    answer = client.get(
        "/api/v1/factors/regression",
        params={"symbols": "aapl,KO", "start": "2015-01-01", "hac_lags": 5},
        headers=viewer,
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["model"] == "ff3" and body["cov_type"] == "HAC" and body["hac_lags"] == 5
    assert body["end"] == "2021-12-31" and "2022-12-28" in body["note"]
    assert body["dropped_asset_dates"] > 0
    rows = {row["symbol"]: row for row in body["rows"]}
    assert set(rows) == {"AAPL", "KO"}
    returns, factors = oracle_inputs
    # the stored prices start 2015-01-02, so the first return is the day after
    expected = factor_model(returns.loc["2015-01-05":, ["AAPL", "KO"]], factors, hac_lags=5)
    for symbol, row in rows.items():
        for column in ("alpha_annual", "beta_mkt", "beta_hml", "t_alpha", "t_smb", "r2"):
            assert row[column] == pytest.approx(expected.table.loc[symbol, column], rel=1e-9)
        assert row["n_obs"] == expected.n_obs[symbol]


def test_regression_csv_and_capm(client: TestClient, viewer) -> None:
    answer = client.get(
        "/api/v1/factors/regression",
        params={"model": "capm", "format": "csv", "start": "2020-01-01"},
        headers=viewer,
    )
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/csv")
    frame = pd.read_csv(io.StringIO(answer.text))
    assert len(frame) == 21 and frame["beta_smb"].isna().all() and frame["beta_mkt"].notna().all()


def test_rolling_json_and_csv(client: TestClient, viewer, oracle_inputs) -> None:
    params = {"symbol": "msft", "window": 126, "step": 21, "start": "2018-01-01"}
    answer = client.get("/api/v1/factors/rolling", params=params, headers=viewer)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["symbol"] == "MSFT" and body["window"] == 126 and "2022-12-28" in body["note"]
    returns, factors = oracle_inputs
    expected = rolling_betas(returns.loc["2018-01-03":, ["MSFT"]], factors, window=126, step=21)
    assert [r["date"] for r in body["rows"]] == [d.date().isoformat() for d in expected["date"]]
    np.testing.assert_allclose(
        [r["beta_mkt"] for r in body["rows"]], expected["beta_mkt"].to_numpy(), rtol=1e-9
    )
    csv = client.get("/api/v1/factors/rolling", params={**params, "format": "csv"}, headers=viewer)
    assert csv.status_code == 200
    assert pd.read_csv(io.StringIO(csv.text)).columns.tolist()[:3] == ["date", "symbol", "alpha"]


def test_premia(client: TestClient, viewer, oracle_inputs) -> None:
    answer = client.get("/api/v1/factors/premia", headers=viewer)
    assert answer.status_code == 200, answer.text
    rows = {row["factor"]: row for row in answer.json()["rows"]}
    expected = factor_premia(oracle_inputs[1])
    assert rows["mkt_rf"]["premium_annual"] == pytest.approx(
        expected.loc["mkt_rf", "premium_annual"], rel=1e-9
    )
    assert rows["hml"]["first"] == "1970-01-02" and rows["mom"]["n_obs"] == 13118
    monthly = client.get("/api/v1/factors/premia", params={"frequency": "monthly"}, headers=viewer)
    assert monthly.status_code == 200 and "mom" not in {r["factor"] for r in monthly.json()["rows"]}


@pytest.mark.parametrize(
    ("path", "params", "code", "fragment"),
    [
        ("regression", {"model": "ff5"}, "invalid_input", "unknown factor model"),
        ("regression", {"hac_lags": -1}, "invalid_input", "hac_lags"),
        ("regression", {"start": "2022-01-01"}, "data_error", "no daily factors"),
        (
            "regression",
            {"start": "2021-12-27", "symbols": "AAPL"},
            "data_error",
            "only 4 common dates",
        ),
        ("regression", {"start": "2021-01-01", "end": "2020-01-01"}, "invalid_input", "before"),
        ("rolling", {"symbol": "AAPL", "window": 3}, "invalid_input", "window must be"),
        (
            "rolling",
            {"symbol": "AAPL", "window": 300, "start": "2021-01-01"},
            "data_error",
            "longer than",
        ),
        ("rolling", {}, "invalid_input", "symbol"),
        ("premia", {"start": "2030-01-01"}, "data_error", "no daily factors"),
    ],
)
def test_bad_input_answers_422_with_the_error_body(
    client: TestClient, viewer, path, params, code, fragment
) -> None:
    answer = client.get(f"/api/v1/factors/{path}", params=params, headers=viewer)
    assert answer.status_code == 422, answer.text
    error = answer.json()["error"]
    assert error["code"] == code and fragment in error["message"]


def test_unknown_symbol_is_404_and_no_key_is_401(client: TestClient, viewer) -> None:
    missing = client.get("/api/v1/factors/regression", params={"symbols": "NOPE"}, headers=viewer)
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    assert client.get("/api/v1/factors/regression").status_code == 401
    assert client.get("/api/v1/factors/premia").status_code == 401
