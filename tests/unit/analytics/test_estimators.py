"""Covariance estimators against scikit-learn, the independent oracle."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.covariance import ledoit_wolf as sk_ledoit_wolf

from pas.analytics.estimators import estimate_return_model, ledoit_wolf


def test_ledoit_wolf_equals_sklearn_on_demo(demo_batches) -> None:
    prices, _ = demo_batches
    wide = prices.prices.pivot(index="date", columns="symbol", values="adj_close").drop(
        columns="SP500"
    )
    returns = wide.pct_change().iloc[1:].tail(756).to_numpy()
    ours, shrink = ledoit_wolf(returns)
    theirs, sk_shrink = sk_ledoit_wolf(returns)
    np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-16)
    assert abs(shrink - sk_shrink) < 1e-12


@settings(max_examples=40, deadline=None)
@given(n=st.integers(5, 80), p=st.integers(2, 12), seed=st.integers(0, 2**31))
def test_ledoit_wolf_equals_sklearn_random(n: int, p: int, seed: int) -> None:
    x = np.random.default_rng(seed).normal(0, 0.02, size=(n, p))
    ours, _ = ledoit_wolf(x)
    theirs, _ = sk_ledoit_wolf(x)
    np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-18)


def test_return_model_annualises() -> None:
    rng = np.random.default_rng(1)
    returns = pd.DataFrame(rng.normal(0.0005, 0.01, size=(500, 3)), columns=list("ABC"))
    model = estimate_return_model(returns, expected_returns="historical", covariance="sample")
    np.testing.assert_allclose(model.mu.to_numpy(), returns.mean().to_numpy() * 252)
    np.testing.assert_allclose(model.cov.to_numpy(), returns.cov().to_numpy() * 252)
    assert model.n_obs == 500 and model.covariance == "sample"
