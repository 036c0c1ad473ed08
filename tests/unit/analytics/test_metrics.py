"""Metrics against hand-made series and independent formulas."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from pas.analytics import metrics as m


def series(values: list[float], start: str = "2024-01-01") -> pd.Series:
    return pd.Series(values, index=pd.bdate_range(start, periods=len(values)))


def test_drawdown_dates_on_a_hand_made_series() -> None:
    # wealth: 1.1, 1.21, 0.968, 0.871, 1.0, 1.3 -> peak day 2, trough day 4, recovery day 6
    r = series([0.1, 0.1, -0.2, -0.1, 0.148, 0.3])
    dd = m.drawdown(r)
    wealth = np.cumprod(1 + r.to_numpy())
    assert dd.depth == pytest.approx(wealth[3] / wealth[1] - 1)
    assert (dd.peak, dd.trough, dd.recovery) == (r.index[1], r.index[3], r.index[5])


def test_drawdown_from_the_start_and_never_recovered() -> None:
    dd = m.drawdown(series([-0.1, 0.05, -0.2]))
    assert dd.peak is None and dd.recovery is None
    assert dd.depth == pytest.approx(0.9 * 1.05 * 0.8 - 1)


def test_cagr_volatility_sharpe_sortino() -> None:
    rng = np.random.default_rng(5)
    r = series(list(rng.normal(0.0004, 0.01, 756)))
    rf = pd.Series(0.0001, index=r.index)
    assert m.cagr(r) == pytest.approx(np.prod(1 + r) ** (252 / 756) - 1)
    assert m.volatility(r) == pytest.approx(np.std(r, ddof=1) * np.sqrt(252))
    ex = r - 0.0001
    assert m.sharpe(r, rf) == pytest.approx(ex.mean() / ex.std(ddof=1) * np.sqrt(252))
    down = np.sqrt(np.mean(np.minimum(ex, 0) ** 2))
    assert m.sortino(r, rf) == pytest.approx(ex.mean() / down * np.sqrt(252))


def test_sharpe_uses_rf_only_where_known() -> None:
    r = series([0.01, -0.005, 0.007, 0.002])
    rf = series([0.001, 0.001]).reindex(r.index)  # unknown for the last two days
    ex = r.iloc[:2] - 0.001
    assert m.sharpe(r, rf) == pytest.approx(ex.mean() / ex.std(ddof=1) * np.sqrt(252))


def test_var_and_cvar() -> None:
    r = series(list(np.linspace(-0.05, 0.05, 101)))
    assert m.value_at_risk(r) == pytest.approx(np.quantile(r, 0.05))
    assert m.conditional_var(r) == pytest.approx(r[r <= np.quantile(r, 0.05)].mean())
    assert m.conditional_var(r) <= m.value_at_risk(r) < 0


def test_tracking_error_and_information_ratio() -> None:
    rng = np.random.default_rng(9)
    b = series(list(rng.normal(0, 0.01, 300)))
    r = b + rng.normal(0.0002, 0.002, 300)
    te, ir = m.tracking(r, b)
    active = r - b
    assert te == pytest.approx(active.std(ddof=1) * np.sqrt(252))
    assert ir == pytest.approx(active.mean() * 252 / te)


def test_probabilistic_sharpe_ratio_formula() -> None:
    rng = np.random.default_rng(2)
    x = rng.standard_t(5, 1000) * 0.01 + 0.0005
    r = series(list(x))
    sr = x.mean() / x.std(ddof=1)
    g3, g4 = stats.skew(x), stats.kurtosis(x, fisher=False)
    z = sr * np.sqrt(999) / np.sqrt(1 - g3 * sr + (g4 - 1) / 4 * sr**2)
    assert m.probabilistic_sharpe(r) == pytest.approx(stats.norm.cdf(z))
    assert (m.probabilistic_sharpe(r) > 0.5) == (sr > 0)
    assert (m.probabilistic_sharpe(-r) > 0.5) == (sr < 0)


def test_hit_rate() -> None:
    assert m.hit_rate(series([0.1, -0.1, 0.0, 0.2])) == 0.5
