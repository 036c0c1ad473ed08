"""Bounds, sector caps, turnover, costs and cash; infeasible constraints are named."""

from __future__ import annotations

import numpy as np
import pytest

from pas.analytics.allocation import CASH, allocate
from pas.analytics.allocation.constraints import Constraints, build_constraints
from pas.core.errors import InfeasibleConstraints, InvalidInput
from tests.unit.analytics.allocation.conftest import factor_model_returns

R = factor_model_returns(6, 600, 21)
SYMS = list(R.columns)
SECTORS = {s: ("Tech" if i < 3 else "Energy") for i, s in enumerate(SYMS)}


@pytest.mark.parametrize(
    ("kwargs", "needle"),
    [
        ({"bounds": (0.0, 0.1)}, "upper bounds sum to 0.6"),
        ({"bounds": (0.2, 1.0)}, "lower bounds sum to 1.2"),
        ({"bounds": {"S00": (0.5, 0.2)}}, "bounds of S00: lower 0.5 > upper 0.2"),
        ({"sectors": SECTORS, "sector_caps": {"Tech": 0.3, "Energy": 0.3}}, "allow at most 0.6"),
        (
            {"sectors": SECTORS, "sector_caps": {"Tech": (0.6, 0.5)}},
            "sector cap Tech: minimum 0.6 > maximum 0.5",
        ),
        (
            {"sectors": SECTORS, "sector_caps": {"Tech": (0.8, 1.0), "Energy": (0.5, 1.0)}},
            "need at least 1.3",
        ),
        (
            {"sectors": SECTORS, "sector_caps": {"Tech": 0.2}, "bounds": {"S00": (0.3, 1.0)}},
            "sector cap Tech: maximum 0.2 < its assets' lower bounds",
        ),
    ],
)
def test_infeasible_constraints_are_named(kwargs: dict, needle: str) -> None:
    with pytest.raises(InfeasibleConstraints) as info:
        allocate(returns=R, **kwargs)
    assert needle in str(info.value)
    assert info.value.details["constraints"]


@pytest.mark.parametrize(
    "method",
    ["max_sharpe", "min_variance", "risk_parity", "hrp", "inverse_volatility", "equal_weight"],
)
def test_bounds_and_caps_hold(method: str) -> None:
    bounds = {"*": (0.02, 0.35), "S05": (0.05, 0.1)}
    a = allocate(
        returns=R, method=method, bounds=bounds, sectors=SECTORS, sector_caps={"Tech": (0.3, 0.45)}
    )
    w = a.weights
    assert abs(w.sum() - 1) < 1e-12 and a.method == method
    assert (w >= 0.02 - 1e-9).all() and (w.drop("S05") <= 0.35 + 1e-9).all()
    assert 0.05 - 1e-9 <= w["S05"] <= 0.1 + 1e-9
    assert 0.3 - 1e-9 <= a.sector_weights["Tech"] <= 0.45 + 1e-9


@pytest.mark.parametrize("method", ["max_sharpe", "min_variance"])
def test_turnover_limit(method: str) -> None:
    current = dict.fromkeys(SYMS, 1 / 6)
    free = allocate(returns=R, method=method)
    assert sum(abs(free.weights[s] - 1 / 6) for s in SYMS) > 0.3
    a = allocate(returns=R, method=method, current_weights=current, max_turnover=0.3)
    assert sum(abs(a.weights[s] - 1 / 6) for s in SYMS) <= 0.3 + 1e-9
    assert a.solver.name == "clarabel"
    frozen = allocate(returns=R, method=method, current_weights=current, max_turnover=0.0)
    np.testing.assert_allclose(frozen.weights.to_numpy(), 1 / 6, atol=1e-9)


def test_turnover_limited_min_variance_beats_every_cheaper_move() -> None:
    current = dict.fromkeys(SYMS, 1 / 6)
    a = allocate(returns=R, method="min_variance", current_weights=current, max_turnover=0.2)
    from pas.analytics import estimators as est

    # any feasible move, e.g. a step from current toward the free optimum, has no less variance
    cov = est.estimate_return_model(R, covariance="ledoit_wolf").cov.to_numpy()
    var = a.weights.to_numpy() @ cov @ a.weights.to_numpy()
    target = allocate(returns=R, method="min_variance").weights.to_numpy()
    now = np.full(6, 1 / 6)
    step = min(1.0, 0.2 / np.abs(target - now).sum())
    move = now + step * (target - now)
    assert var <= move @ cov @ move + 1e-12


def test_costs_keep_small_trades_away() -> None:
    current = dict.fromkeys(SYMS, 1 / 6)
    cheap = allocate(returns=R, method="min_variance", current_weights=current, costs=1e-6)
    dear = allocate(returns=R, method="min_variance", current_weights=current, costs=10.0)
    moved = lambda a: sum(abs(a.weights[s] - 1 / 6) for s in SYMS)  # noqa: E731
    assert moved(dear) < 1e-8 < moved(cheap)
    ms = allocate(returns=R, method="max_sharpe", current_weights=current, costs=5.0)
    assert moved(ms) < 1e-8 and ms.method == "max_sharpe"
    some = allocate(returns=R, method="max_sharpe", current_weights=current, costs=0.05)
    free = allocate(returns=R, method="max_sharpe")
    assert moved(some) > 1e-6 and np.abs(some.weights - free.weights).max() > 1e-3


def test_cash_allowance() -> None:
    a = allocate(returns=R, method="min_variance", cash=0.3)
    assert a.weights[CASH] == pytest.approx(0.3, abs=1e-9)
    b = allocate(returns=R, method="max_sharpe", cash=(0.1, 0.5))
    assert b.weights[CASH] == pytest.approx(0.1, abs=1e-9)  # Sharpe is scale-free: hold the minimum
    plain = allocate(returns=R, method="max_sharpe")
    np.testing.assert_allclose(
        b.weights.drop(CASH).to_numpy() / 0.9, plain.weights.to_numpy(), atol=1e-6
    )


def test_invalid_constraint_inputs() -> None:
    with pytest.raises(InvalidInput, match="unknown symbols"):
        allocate(returns=R, bounds={"NOPE": (0, 1)})
    with pytest.raises(InvalidInput, match="max_turnover"):
        allocate(returns=R, current_weights={"S00": 1.0}, max_turnover=-1)


def _dense_rows(cons: Constraints) -> tuple[np.ndarray, np.ndarray]:
    """Return (A_le, b_le) written row by row, densely: the oracle of `linear_system`."""
    n = cons.n
    nt = n if cons.trades else 0
    nz = n + 1 + nt
    eye = np.eye(n)
    block = np.zeros((2 * n + 2, nz))
    block[:n, :n], block[n : 2 * n, :n] = -eye, eye
    block[2 * n, n], block[2 * n + 1, n] = -1.0, 1.0
    rows, rhs = [block], [-cons.lower, cons.upper, np.array([-cons.cash_min, cons.cash_max])]
    names, member, smin, smax = cons.sectors
    if names:
        caps = np.zeros((2 * len(names), nz))
        caps[: len(names), :n], caps[len(names) :, :n] = -member, member
        rows.append(caps)
        rhs += [-smin, smax]
    if nt:
        assert cons.current is not None
        trades = np.zeros((2 * n, nz))
        trades[:n, :n], trades[n:, :n] = eye, -eye
        trades[:n, n + 1 :] = trades[n:, n + 1 :] = -eye
        rows.append(trades)
        rhs += [cons.current, -cons.current]
        if cons.max_turnover is not None:
            total = np.zeros((1, nz))
            total[0, n + 1 :] = 1.0
            rows.append(total)
            rhs.append(np.array([cons.max_turnover]))
    return np.vstack(rows), np.concatenate(rhs)


@pytest.mark.parametrize("turnover", [None, 0.4])
@pytest.mark.parametrize("costs", [None, 0.001])
@pytest.mark.parametrize("caps", [None, {"Tech": (0.1, 0.5), "Energy": 0.3}])
def test_constraint_rows_match_a_dense_oracle(turnover, costs, caps) -> None:  # type: ignore[no-untyped-def]
    from pas.analytics.allocation.solvers.clarabel import linear_system

    symbols = ["A", "B", "C", "D", "E"]
    sectors = {"A": "Tech", "B": "Tech", "C": "Energy", "D": "Health"}
    cons = build_constraints(
        symbols,
        {"*": (0.0, 0.6), "B": (0.05, 0.4)},
        sectors=sectors,
        sector_caps=caps,
        current_weights={"A": 0.5, "C": 0.3, "CASH": 0.2},
        max_turnover=turnover,
        costs=costs,
        cash=(0.0, 0.1),
    )
    system = linear_system(cons)
    A_le, b_le = _dense_rows(cons)
    np.testing.assert_array_equal(system.A_le.toarray(), A_le)
    np.testing.assert_array_equal(system.b_le, b_le)
    budget = (np.arange(system.nz) <= cons.n).astype(float)[None, :]  # sum(w) + cash = 1
    np.testing.assert_array_equal(system.A_eq.toarray(), budget)
    np.testing.assert_array_equal(system.b_eq, [1.0])
