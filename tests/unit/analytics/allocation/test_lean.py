"""The common-case path of `allocate` (lean.py) gives the general path's Allocation."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pandas as pd
import pytest

from pas.analytics.allocation import Allocation, allocate, api, lean
from pas.core.errors import InfeasibleConstraints, InvalidInput
from tests.unit.analytics.allocation.conftest import factor_model_returns


@pytest.fixture
def lean_calls(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Record, per allocate call, whether the lean path answered."""
    calls: list[bool] = []

    def spy(*args: Any, **kwargs: Any) -> Allocation | None:
        out = lean.lean_allocate(*args, **kwargs)
        calls.append(out is not None)
        return out

    monkeypatch.setattr(api, "lean_allocate", spy)
    return calls


def _general(monkeypatch: pytest.MonkeyPatch, *args: Any, **kwargs: Any) -> Allocation:
    """Return allocate's answer with the lean path switched off."""
    with monkeypatch.context() as m:
        m.setattr(api, "lean_allocate", lambda *a, **k: None)
        return allocate(*args, **kwargs)


def _same(fast: Allocation, slow: Allocation, tol: float = 1e-12) -> None:
    assert fast.weights.index.equals(slow.weights.index)
    np.testing.assert_allclose(fast.weights.to_numpy(), slow.weights.to_numpy(), rtol=0, atol=tol)
    for key in ("expected_return", "volatility", "sharpe"):
        a, b = getattr(fast, key), getattr(slow, key)
        assert (a is None and b is None) or a == pytest.approx(b, rel=tol, abs=tol, nan_ok=True)
    np.testing.assert_allclose(
        fast.risk_contributions.to_numpy(), slow.risk_contributions.to_numpy(), rtol=0, atol=tol
    )
    for key in ("method", "requested_method", "fallback", "as_of", "n_obs", "notes", "risk_free"):
        assert getattr(fast, key) == getattr(slow, key), key
    assert type(fast.as_of) is type(slow.as_of)
    assert fast.return_estimator == slow.return_estimator
    assert fast.covariance_estimator == slow.covariance_estimator
    assert (fast.solver.name, fast.solver.status) == (slow.solver.name, slow.solver.status)
    assert fast.sector_weights is None and slow.sector_weights is None
    assert fast.factor_betas is None and slow.factor_betas is None
    assert fast.parameters == slow.parameters
    assert fast.inputs_hash == slow.inputs_hash
    fd, sd = fast.to_dict(), slow.to_dict()
    fd["solver"].pop("time"), sd["solver"].pop("time")
    for key in ("weights", "risk_contributions"):
        np.testing.assert_allclose(
            list(fd.pop(key).values()), list(sd.pop(key).values()), rtol=0, atol=tol
        )
    for key in ("expected_return", "volatility", "sharpe"):
        a, b = fd.pop(key), sd.pop(key)
        assert (a is None and b is None) or a == pytest.approx(b, rel=tol, abs=tol)
    assert fd == sd


CASES = list(
    itertools.product(
        ["max_sharpe", "min_variance", "risk_parity"],
        [("historical", "sample"), (None, "ledoit_wolf")],
        [(0.0, 1.0), (0.0, 0.15), (0.01, 0.4)],
    )
)


@pytest.mark.parametrize(("method", "estimators", "bounds"), CASES)
@pytest.mark.parametrize(("n", "t", "seed"), [(3, 60, 1), (20, 1260, 2), (45, 500, 3)])
def test_lean_equals_general_on_returns(
    monkeypatch: pytest.MonkeyPatch,
    lean_calls: list[bool],
    method: str,
    estimators: tuple[str | None, str],
    bounds: tuple[float, float],
    n: int,
    t: int,
    seed: int,
) -> None:
    if n * bounds[1] < 1.0 or n * bounds[0] > 1.0:
        bounds = (0.0, 1.0)
    returns = factor_model_returns(n, t, seed)
    kwargs = dict(
        returns=returns, method=method, expected_returns=estimators[0],
        covariance=estimators[1], bounds=bounds, risk_free=0.02,
    )  # fmt: skip
    fast = allocate(**kwargs)  # type: ignore[arg-type]
    assert lean_calls == [True]
    _same(fast, _general(monkeypatch, **kwargs))


@pytest.mark.parametrize("method", ["max_sharpe", "min_variance", "risk_parity"])
@pytest.mark.parametrize("lookback", [None, 120, 5000])
def test_lean_equals_general_on_prices(
    monkeypatch: pytest.MonkeyPatch, lean_calls: list[bool], method: str, lookback: int | None
) -> None:
    prices = (1.0 + factor_model_returns(12, 400, 7)).cumprod() * 50.0
    kwargs = dict(method=method, lookback=lookback, covariance="sample", solver="auto")
    fast = allocate(prices, **kwargs)  # type: ignore[arg-type]
    assert lean_calls == [True]
    _same(fast, _general(monkeypatch, prices, **kwargs))


@pytest.mark.parametrize("n", [1, 2])
@pytest.mark.parametrize("method", ["max_sharpe", "min_variance", "risk_parity"])
def test_lean_equals_general_on_one_or_two_assets(
    monkeypatch: pytest.MonkeyPatch, lean_calls: list[bool], n: int, method: str
) -> None:
    returns = factor_model_returns(n, 250, 8)
    fast = allocate(returns=returns, method=method, covariance="sample")
    assert lean_calls == [True]
    _same(fast, _general(monkeypatch, returns=returns, method=method, covariance="sample"))


def test_lean_equals_general_on_repeated_labels_and_plain_index(
    monkeypatch: pytest.MonkeyPatch, lean_calls: list[bool]
) -> None:
    returns = factor_model_returns(4, 250, 8).reset_index(drop=True)
    returns.columns = ["A", "B", "A", "C"]
    fast = allocate(returns=returns, covariance="sample")
    assert lean_calls == [True] and fast.as_of is None
    _same(fast, _general(monkeypatch, returns=returns, covariance="sample"))


def test_lean_equals_general_on_a_tz_aware_index(
    monkeypatch: pytest.MonkeyPatch, lean_calls: list[bool]
) -> None:
    returns = factor_model_returns(5, 250, 8).tz_localize("America/New_York")
    fast = allocate(returns=returns, covariance="sample")
    assert lean_calls == [True] and fast.as_of == returns.index[-1]
    _same(fast, _general(monkeypatch, returns=returns, covariance="sample"))


def test_lean_equals_general_when_max_sharpe_falls_back(
    monkeypatch: pytest.MonkeyPatch, lean_calls: list[bool]
) -> None:
    returns = factor_model_returns(8, 500, 3) - 0.01  # no positive excess return
    fast = allocate(returns=returns, covariance="sample")
    assert lean_calls == [True] and fast.method == "min_variance"
    _same(fast, _general(monkeypatch, returns=returns, covariance="sample"))


def _awkward(kind: str) -> pd.DataFrame:
    returns = factor_model_returns(6, 300, 9)
    if kind == "nan":
        returns.iloc[5, 2] = np.nan
    elif kind == "constant":
        returns["FLAT"] = 0.001
    elif kind == "first_two_equal":
        returns.iloc[1, 0] = returns.iloc[0, 0]  # not constant: the general path decides
    elif kind == "float32":
        returns = returns.astype(np.float32)
    elif kind == "int_labels":
        returns.columns = list(range(returns.shape[1]))
    elif kind == "short":
        returns = returns.iloc[:2]
    return returns


@pytest.mark.parametrize(
    "kind", ["nan", "constant", "first_two_equal", "float32", "int_labels", "short"]
)
def test_inputs_the_lean_path_declines_give_the_general_answer(
    monkeypatch: pytest.MonkeyPatch, lean_calls: list[bool], kind: str
) -> None:
    returns = _awkward(kind)
    fast = allocate(returns=returns, covariance="sample")
    assert lean_calls == [False]
    _same(fast, _general(monkeypatch, returns=returns, covariance="sample"))


def test_other_options_skip_the_lean_path(lean_calls: list[bool]) -> None:
    returns = factor_model_returns(6, 300, 9)
    allocate(returns=returns, cash=0.1)
    allocate(returns=returns, bounds={"*": (0.0, 0.5)})
    allocate(returns=returns, covariance="ewma")
    allocate(returns=returns, method="hrp")
    allocate(returns=returns, as_of=returns.index[-10])
    assert lean_calls == []


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"bounds": (0.0, 0.1)}, InfeasibleConstraints),
        ({"bounds": (0.5, 0.2)}, InfeasibleConstraints),
        ({"bounds": (0.0, float("nan"))}, InvalidInput),
        ({"bounds": (0.0, 0.2, 0.3)}, InvalidInput),
        ({"unknown": 1}, InvalidInput),
        ({"lookback": 1}, InvalidInput),
        ({"lookback": 2.5}, TypeError),
    ],
)
def test_lean_path_raises_what_the_general_path_raises(
    monkeypatch: pytest.MonkeyPatch, kwargs: dict[str, Any], error: type[Exception]
) -> None:
    returns = factor_model_returns(6, 300, 9)
    with pytest.raises(error) as fast:
        allocate(returns=returns, **kwargs)
    with pytest.raises(error) as slow:
        _general(monkeypatch, returns=returns, **kwargs)
    assert str(fast.value) == str(slow.value)


def test_the_kept_window_does_not_follow_the_callers_edits() -> None:
    returns = factor_model_returns(5, 200, 4)
    original = returns.copy()
    a = allocate(returns=returns, covariance="sample")
    returns.iloc[0, 0] = 99.0  # after the call, before the hash is first read
    assert a.provenance is not None and a.provenance[0].iloc[0, 0] == original.iloc[0, 0]
    assert a.inputs_hash == allocate(returns=original, covariance="sample").inputs_hash
