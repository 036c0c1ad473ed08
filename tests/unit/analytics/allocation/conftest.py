"""Shared data for the allocation tests: the demo window and seeded factor-model returns."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

DEMO_DAYS = 756


def demo_wide(demo_batches) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    """Return the demo adjusted closes of the 20 stocks, dates x symbols."""
    prices, _ = demo_batches
    wide = prices.prices.pivot(index="date", columns="symbol", values="adj_close")
    wide.index = pd.DatetimeIndex(wide.index)
    return wide.drop(columns="SP500").astype(float)


@pytest.fixture(scope="session")
def demo_prices_wide(demo_batches) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    """Return the last three years (+1 day) of demo prices."""
    return demo_wide(demo_batches).iloc[-(DEMO_DAYS + 1) :]


@pytest.fixture(scope="session")
def demo_sectors(demo_batches) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """Return symbol -> GICS sector of the demo stocks."""
    prices, _ = demo_batches
    return {s.symbol: s.sector for s in prices.securities if s.sector}


def factor_model_returns(n: int, t: int = 1260, seed: int = 0) -> pd.DataFrame:
    """Return seeded daily returns of a 3-factor model (dates x n assets)."""
    rng = np.random.default_rng(seed)
    betas = rng.normal([1.0, 0.0, 0.0], [0.3, 0.5, 0.5], size=(n, 3))
    factors = rng.normal([0.0004, 0.0001, 0.0001], [0.011, 0.006, 0.006], size=(t, 3))
    noise = rng.normal(0.0, 1.0, size=(t, n)) * rng.uniform(0.008, 0.025, size=n)
    alpha = rng.normal(0.0003, 0.0004, size=n)
    index = pd.bdate_range("2015-01-01", periods=t)
    return pd.DataFrame(
        alpha + factors @ betas.T + noise, index=index, columns=[f"S{i:02d}" for i in range(n)]
    )


def annual_moments(n: int, t: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Return (annual sample covariance, annual mean) of `factor_model_returns(n, t, seed)`."""
    values = factor_model_returns(n, t, seed).to_numpy()
    return np.cov(values, rowvar=False) * 252, values.mean(axis=0) * 252
