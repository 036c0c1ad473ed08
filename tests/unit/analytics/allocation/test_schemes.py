"""strategic, tactical and dynamic on hand-built inputs with answers worked out by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pas.analytics.allocation import CASH, allocate
from pas.analytics.allocation.strategic import breaches
from pas.core.errors import InvalidInput
from tests.unit.analytics.allocation.conftest import factor_model_returns

SECTORS = {"A": "Tech", "B": "Tech", "C": "Energy", "D": "Health"}


def _returns(seed: int = 0, n: int = 4, t: int = 400) -> pd.DataFrame:
    r = factor_model_returns(n, t, seed)
    r.columns = list("ABCDEFGH"[:n])
    return r


def test_strategic_default_is_equal_per_sector_then_inside() -> None:
    a = allocate(returns=_returns(), method="strategic", sectors=SECTORS)
    np.testing.assert_allclose(a.weights[list("ABCD")], [1 / 6, 1 / 6, 1 / 3, 1 / 3])
    b = allocate(returns=_returns(), method="strategic")
    np.testing.assert_allclose(b.weights.to_numpy(), 0.25)


def test_strategic_sector_policy_split_by_sub_scheme() -> None:
    policy = {"Tech": 0.5, "Energy": 0.3, "Health": 0.2}
    r = _returns(1)
    a = allocate(
        returns=r,
        method="strategic",
        sectors=SECTORS,
        policy=policy,
        within="inverse_volatility",
        covariance="sample",
    )
    vol = r[["A", "B"]].std().to_numpy()
    inv = (1 / vol) / (1 / vol).sum()
    np.testing.assert_allclose(a.weights[["A", "B"]].to_numpy(), 0.5 * inv, atol=1e-12)
    assert a.weights["C"] == pytest.approx(0.3) and a.weights["D"] == pytest.approx(0.2)


def test_strategic_bands_hold_or_rebalance() -> None:
    policy = {"A": 0.4, "B": 0.3, "C": 0.2, "D": 0.1}
    inside = {"A": 0.43, "B": 0.28, "C": 0.18, "D": 0.11}  # 5% absolute / 25% relative bands
    a = allocate(returns=_returns(), method="strategic", policy=policy, current_weights=inside)
    assert a.weights.to_dict() == pytest.approx(inside) and "holding current" in a.notes[0]
    drifted = {"A": 0.40, "B": 0.30, "C": 0.16, "D": 0.14}  # D: |0.04| > min(0.05, 0.025)
    b = allocate(returns=_returns(), method="strategic", policy=policy, current_weights=drifted)
    assert b.weights.to_dict() == pytest.approx(policy) and "outside the band: D" in b.notes[0]
    c = allocate(
        returns=_returns(),
        method="strategic",
        policy=policy,
        current_weights=drifted,
        band_rel=None,
    )
    assert c.weights.to_dict() == pytest.approx(drifted)


def test_breaches_uses_the_tighter_band() -> None:
    target = np.array([0.4, 0.1])
    assert breaches(np.array([0.44, 0.12]), target, 0.05, 0.25).tolist() == [False, False]
    assert breaches(np.array([0.46, 0.10]), target, 0.05, 0.25).tolist() == [True, False]
    assert breaches(np.array([0.40, 0.13]), target, 0.05, 0.25).tolist() == [False, True]


def test_strategic_rejects_a_bad_policy() -> None:
    with pytest.raises(InvalidInput, match="sum to 1"):
        allocate(returns=_returns(), method="strategic", policy={"A": 0.5})
    with pytest.raises(InvalidInput, match="unknown"):
        allocate(
            returns=_returns(), method="strategic", policy={"A": 0.5, "Tech": 0.5}, sectors=SECTORS
        )


def _trending_prices() -> pd.DataFrame:
    """A rises, B falls, C flat-ish then up, D gently up: 16 month-ends of daily prices."""
    days = pd.bdate_range("2020-01-01", periods=340)
    t = np.arange(len(days)) / 252
    return pd.DataFrame(
        {
            "A": 100 * np.exp(0.30 * t),
            "B": 100 * np.exp(-0.20 * t),
            "C": 100 * np.exp(0.05 * t + 0.001 * np.sin(np.arange(len(days)))),
            "D": 100 * np.exp(0.10 * t),
        },
        index=days,
    )


def test_tactical_tilts_by_momentum_and_filters_trend_to_cash() -> None:
    prices = _trending_prices()
    a = allocate(prices, method="tactical", tilt=0.05, sector_tilt=None)
    # momentum ranks A > D > C > B: scores +1, +1/3, -1/3, -1; B is below its 10-month average
    expected = {"A": 0.25 + 0.05, "D": 0.25 + 0.05 / 3, "C": 0.25 - 0.05 / 3, CASH: 0.25 - 0.05}
    assert a.weights["B"] == 0.0
    for sym, w in expected.items():
        assert a.weights[sym] == pytest.approx(w, abs=1e-12)
    r = allocate(prices, method="tactical", tilt=0.05, sector_tilt=None, filtered_to="redistribute")
    assert CASH not in r.weights and r.weights["B"] == 0.0
    assert r.weights["A"] / r.weights["C"] == pytest.approx(0.30 / (0.25 - 0.05 / 3))


def test_tactical_sector_tilt_limit_binds() -> None:
    prices = _trending_prices()
    sectors = {"A": "X", "D": "X", "B": "Y", "C": "Y"}
    a = allocate(
        prices, method="tactical", tilt=0.05, sector_tilt=0.02, sectors=sectors, trend_filter=False
    )
    assert a.weights[["A", "D"]].sum() == pytest.approx(0.5 + 0.02, abs=1e-9)
    assert (a.weights - 0.25).abs().max() <= 0.05 + 1e-9


def test_tactical_without_enough_history_falls_back_to_strategic() -> None:
    a = allocate(returns=_returns(t=120), method="tactical")
    assert a.method == "strategic" and "tactical -> strategic" in a.fallback


def test_dynamic_blends_by_positive_sharpe_and_targets_volatility() -> None:
    r = _returns(3, 5, 500)
    days = r.index[-200:]
    rng = np.random.default_rng(0)
    base = rng.normal(0, 0.01, 200)
    base -= base.mean()
    histories = pd.DataFrame(
        {
            "min_variance": base + 0.002,
            "risk_parity": base + 0.001,
            "hrp": base - 0.001,
            "equal_weight": base - 0.002,
        },
        index=days,
    )
    a = allocate(
        returns=r,
        method="dynamic",
        histories=histories,
        trailing_days=200,
        top_k=2,
        target_volatility=None,
        covariance="sample",
    )
    mv = allocate(returns=r, method="min_variance", covariance="sample").weights
    rp = allocate(returns=r, method="risk_parity", covariance="sample").weights
    np.testing.assert_allclose(
        a.weights.to_numpy(), (2 / 3 * mv + 1 / 3 * rp).to_numpy(), atol=1e-10
    )
    b = allocate(
        returns=r,
        method="dynamic",
        histories=histories,
        trailing_days=200,
        top_k=2,
        target_volatility=0.05,
        covariance="sample",
    )
    assert b.volatility == pytest.approx(0.05, rel=1e-9) and b.weights[CASH] > 0
    np.testing.assert_allclose(
        b.weights.drop(CASH).to_numpy() / (1 - b.weights[CASH]), a.weights.to_numpy(), atol=1e-10
    )


def test_dynamic_never_reads_histories_after_the_decision_date() -> None:
    r = _returns(3, 5, 500)
    days = pd.bdate_range(r.index[-1] + pd.Timedelta(days=1), periods=100)
    later = pd.DataFrame({"min_variance": np.full(100, 0.01)}, index=days)
    a = allocate(returns=r, method="dynamic", histories=later, target_volatility=None)
    assert "no trailing histories" in a.notes[0]


def test_dynamic_without_histories_is_an_equal_blend() -> None:
    a = allocate(
        returns=_returns(4),
        method="dynamic",
        components=["equal_weight", "inverse_volatility"],
        target_volatility=None,
    )
    assert "equal blend" in a.notes[0]
    assert abs(a.weights.sum() - 1) < 1e-12


def test_strategic_policy_may_hold_cash() -> None:
    policy = {"A": 0.3, "B": 0.3, "C": 0.2, "D": 0.1, CASH: 0.1}
    a = allocate(returns=_returns(), method="strategic", policy=policy)
    assert a.weights.to_dict() == pytest.approx(policy)


def test_strategic_counts_unlisted_weight_as_cash() -> None:
    policy = {"A": 0.25, "B": 0.25, "C": 0.25, "D": 0.25}
    # 20% of the portfolio is outside the symbols: CASH drifts 0.2 from its policy 0 -> rebalance
    a = allocate(
        returns=_returns(),
        method="strategic",
        policy=policy,
        current_weights={"A": 0.2, "B": 0.2, "C": 0.2, "D": 0.2},
    )
    assert a.weights.to_dict() == pytest.approx(policy) and "CASH" in a.notes[0]
