"""`pas.allocate`: prices or returns in, a frozen Allocation out (pure: no I/O, no clock)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from pas.analytics import estimators as est
from pas.analytics.allocation.base import SchemeInput, blas_threads
from pas.analytics.allocation.constraints import Bounds, build_constraints
from pas.analytics.allocation.engine import run_scheme
from pas.analytics.allocation.lean import eligible, lean_allocate
from pas.analytics.allocation.registry import get_scheme
from pas.analytics.allocation.result import Allocation, SchemeResult, SolverInfo
from pas.analytics.allocation.summary import build_allocation
from pas.core.errors import DataError, InvalidInput

MIN_OBS = 3


def returns_window(
    prices: pd.DataFrame | None,
    returns: pd.DataFrame | None,
    as_of: Any = None,
    lookback: int | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """Return (daily returns up to as_of, last `lookback` rows; prices up to as_of or None)."""
    if (prices is None) == (returns is None):
        raise InvalidInput(
            "give exactly one of prices or returns (a wide DataFrame, dates x symbols)"
        )
    frame = prices if prices is not None else returns
    assert frame is not None
    if not isinstance(frame, pd.DataFrame) or frame.shape[1] == 0:
        raise InvalidInput(
            "prices/returns must be a wide DataFrame with at least one symbol column"
        )
    if as_of is not None:
        if not isinstance(frame.index, pd.DatetimeIndex):
            raise InvalidInput("as_of needs a DatetimeIndex")
        frame = frame.loc[: pd.Timestamp(as_of)]
    # copy-on-write either way: the caller's later edits never reach this window
    float64 = frame.to_numpy().dtype == np.float64
    frame = frame.copy(deep=False) if float64 else frame.astype(float)
    if prices is not None:
        prices = frame
        window = prices.pct_change(fill_method=None).iloc[1:]
    else:
        window = frame
    if lookback is not None:
        if lookback < 2:
            raise InvalidInput(f"lookback must be >= 2 days, got {lookback}")
        window = window.iloc[-lookback:]
    # inferred_type is cached on the Index: string labels pass without a scan
    if window.columns.inferred_type != "string":
        labels = window.columns.tolist()
        if not all(isinstance(c, str) for c in labels):
            window.columns = [str(c) for c in labels]
    return window, prices


def clean_window(window: pd.DataFrame, risk_based: bool) -> tuple[pd.DataFrame, list[str]]:
    """Return (window without unusable assets and incomplete rows, reasons for each exclusion)."""
    values = window.to_numpy(dtype=float)
    finite = np.isfinite(values)
    if finite.all():
        clean, reasons = window, []
    else:
        enough = finite.sum(axis=0) >= max(MIN_OBS, len(window) // 2)
        dropped = [c for c, ok in zip(window.columns.tolist(), enough, strict=True) if not ok]
        clean = window.loc[:, enough]
        clean = clean[np.isfinite(clean.to_numpy(dtype=float)).all(axis=1)]
        reasons = (
            [f"excluded {', '.join(dropped)}: missing or non-finite returns"] if dropped else []
        )
        if len(clean) < len(window):
            reasons.append(f"dropped {len(window) - len(clean)} dates with missing returns")
    if risk_based and len(clean) >= 2:
        values = clean.to_numpy(dtype=float)
        # only a column whose first two values agree can be constant: test those alone
        maybe = (values[1] == values[0]).nonzero()[0]
        constant = np.zeros(values.shape[1], dtype=bool)
        constant[maybe] = (values[:, maybe] == values[0, maybe]).all(axis=0)
        flat = [c for c, f in zip(clean.columns.tolist(), constant, strict=True) if f]
        if flat and len(flat) < clean.shape[1]:
            clean = clean.drop(columns=flat)
            reasons.append(f"excluded {', '.join(flat)}: zero variance")
    return clean, reasons


def _model(
    window: pd.DataFrame,
    factors: pd.DataFrame | None,
    expected_returns: str | None,
    covariance: str,
    risk_free: float,
) -> tuple[est.ReturnModel, list[str]]:
    """Return the ReturnModel; a default ff3 that cannot run falls back to historical."""
    name = expected_returns or ("ff3" if factors is not None else "historical")
    for given, known, what in (
        (name, est.EXPECTED_RETURNS, "expected-returns"),
        (covariance, est.COVARIANCES, "covariance"),
    ):
        if given not in known:
            raise InvalidInput(f"unknown {what} estimator {given!r}; known: {sorted(known)}")
    try:
        return est.estimate_return_model(
            window, factors, expected_returns=name, covariance=covariance, risk_free=risk_free
        ), []
    except DataError as exc:
        if expected_returns is not None or name == "historical":
            raise
        model = est.estimate_return_model(
            window, None, expected_returns="historical", covariance=covariance, risk_free=risk_free
        )
        return model, [f"expected returns ff3 -> historical: {exc}"]


@dataclass(frozen=True, eq=False)
class Estimate:
    """The work every scheme shares at one date: the return window, its clean part, the ReturnModel.

    `window` holds daily returns of every requested symbol (dates x symbols),
    `prices` the price levels over it (None when returns were given), `clean`
    the window without unusable assets and rows, `model` the ReturnModel of
    `clean` (None when fewer than MIN_OBS usable rows are left). A walk-forward
    computes one Estimate per date and hands it to every scheme.
    """

    window: pd.DataFrame
    prices: pd.DataFrame | None
    clean: pd.DataFrame
    notes: tuple[str, ...]
    model: est.ReturnModel | None
    model_notes: tuple[str, ...]
    risk_based: bool
    factors: pd.DataFrame | None
    expected_returns: str | None
    covariance: str
    risk_free: float

    def shares_model(self, clean: pd.DataFrame, window: pd.DataFrame) -> bool:
        """Return True when `clean`, cut from the same `window`, holds exactly this clean data."""
        return (
            self.model is not None
            and window is self.window
            and len(clean) == len(self.clean)
            and clean.columns.equals(self.clean.columns)
        )


def estimate(
    window: pd.DataFrame,
    prices: pd.DataFrame | None = None,
    *,
    risk_based: bool = True,
    factors: pd.DataFrame | None = None,
    expected_returns: str | None = None,
    covariance: str = "ledoit_wolf",
    risk_free: float = 0.0,
    reuse: Estimate | None = None,
) -> Estimate:
    """Return the Estimate of a return window (see `returns_window`) for risk-based schemes or not.

    `reuse` is an Estimate of the same window with the same settings for the
    other kind of scheme: its ReturnModel is taken when the clean data agree.
    """
    clean, notes = clean_window(window, risk_based)
    model, more = None, []
    if len(clean) >= MIN_OBS and clean.shape[1]:
        if reuse is not None and reuse.shares_model(clean, window):
            assert reuse.model is not None
            model, more = reuse.model, list(reuse.model_notes)
        else:
            model, more = _model(clean, factors, expected_returns, covariance, risk_free)
    return Estimate(
        window, prices, clean, tuple(notes), model, tuple(more), risk_based, factors,
        expected_returns, covariance, risk_free,
    )  # fmt: skip


def allocate(
    prices: pd.DataFrame | None = None,
    *,
    returns: pd.DataFrame | None = None,
    method: str = "max_sharpe",
    risk_free: float = 0.0,
    expected_returns: str | None = None,
    covariance: str = "ledoit_wolf",
    bounds: Bounds | Mapping[str, Bounds] = (0.0, 1.0),
    sector_caps: Mapping[str, float | Bounds] | None = None,
    sectors: Mapping[str, str] | None = None,
    factors: pd.DataFrame | None = None,
    lookback: int | None = None,
    as_of: Any = None,
    current_weights: Mapping[str, float] | None = None,
    max_turnover: float | None = None,
    costs: float | Mapping[str, float] | None = None,
    cash: float | Bounds | None = None,
    **scheme_params: Any,
) -> Allocation:
    """Return the Allocation of `method` over daily prices or returns (dates x symbols).

    `risk_free` is annual; `expected_returns` defaults to ff3 with factors and
    historical without; `bounds` is a global (lo, hi) or per-symbol mapping
    ("*" = default); `sector_caps` maps a sector to a max or (min, max);
    `current_weights` (with CASH) feed turnover limits, costs and strategic
    bands; `cash` is the cash allowance (max or (min, max)). See docs/allocation.md.
    """
    scheme = get_scheme(method)
    options = {
        "sector_caps": sector_caps, "sectors": sectors, "factors": factors, "as_of": as_of,
        "current_weights": current_weights, "max_turnover": max_turnover, "costs": costs,
        "cash": cash,
    }  # fmt: skip
    if eligible(method, expected_returns, covariance, bounds) and all(
        v is None for v in options.values()
    ):
        record = _record(
            risk_free, covariance, expected_returns, bounds, lookback, options, scheme_params
        )
        lean = lean_allocate(
            prices, returns, method=method, risk_free=risk_free,
            expected_returns=expected_returns, covariance=covariance, bounds=bounds,
            lookback=lookback, record=record, scheme_params=scheme_params,
        )  # fmt: skip
        if lean is not None:
            return lean
    window, price_window = returns_window(prices, returns, as_of, lookback)
    with blas_threads(window.shape[1], small=1000):
        inputs = estimate(
            window, price_window, risk_based=getattr(scheme, "risk_based", True),
            factors=factors, expected_returns=expected_returns, covariance=covariance,
            risk_free=risk_free,
        )  # fmt: skip
        return allocate_estimated(
            inputs, method=method, bounds=bounds, sector_caps=sector_caps, sectors=sectors,
            lookback=lookback, as_of=as_of, current_weights=current_weights,
            max_turnover=max_turnover, costs=costs, cash=cash, **scheme_params,
        )  # fmt: skip


def allocate_estimated(
    inputs: Estimate,
    *,
    method: str = "max_sharpe",
    bounds: Bounds | Mapping[str, Bounds] = (0.0, 1.0),
    sector_caps: Mapping[str, float | Bounds] | None = None,
    sectors: Mapping[str, str] | None = None,
    lookback: int | None = None,
    as_of: Any = None,
    current_weights: Mapping[str, float] | None = None,
    max_turnover: float | None = None,
    costs: float | Mapping[str, float] | None = None,
    cash: float | Bounds | None = None,
    **scheme_params: Any,
) -> Allocation:
    """Return the Allocation of `method` from an Estimate: what `allocate` does after estimating.

    `lookback` and `as_of` are recorded in the provenance only (the window is
    already cut). The Estimate must be for this kind of scheme (risk-based or not).
    """
    scheme = get_scheme(method)
    if getattr(scheme, "risk_based", True) != inputs.risk_based:
        kind = "risk-based" if inputs.risk_based else "non-risk-based"
        raise InvalidInput(f"{method} cannot use an Estimate made for {kind} schemes")
    window, clean = inputs.window, inputs.clean
    symbols = window.columns
    kept = clean.columns.tolist()
    options = {
        "sector_caps": sector_caps, "sectors": sectors, "factors": inputs.factors, "as_of": as_of,
        "current_weights": current_weights, "max_turnover": max_turnover, "costs": costs,
        "cash": cash,
    }  # fmt: skip
    record = _record(
        inputs.risk_free, inputs.covariance, inputs.expected_returns, bounds, lookback, options,
        scheme_params,
    )  # fmt: skip
    notes = list(inputs.notes)
    if inputs.model is None:
        return _no_data(window, method, inputs.risk_free, notes, record)
    model = inputs.model
    cons = build_constraints(
        kept, _kept_bounds(bounds, kept, symbols), sectors=sectors, sector_caps=sector_caps,
        current_weights=current_weights, max_turnover=max_turnover, costs=costs, cash=cash,
    )  # fmt: skip
    cons.check()
    mu, cov = _arrays(model, kept, clean.columns)
    data = SchemeInput(
        tuple(kept), mu, cov, inputs.risk_free, cons, clean,
        _columns(inputs.prices, kept), dict(sectors or {}),
    )  # fmt: skip
    result, used, chain = run_scheme(method, data, scheme_params)
    fallback = "; ".join([*notes, *inputs.model_notes, *([chain] if chain else [])]) or None
    return build_allocation(
        result, symbols=symbols, kept=kept, mu=mu, cov=cov, risk_free=inputs.risk_free,
        method=used, requested=method, fallback=fallback, returns=clean, factors=inputs.factors,
        sectors=sectors, estimators=(model.expected_returns, model.covariance), params=record,
    )  # fmt: skip


def _record(
    risk_free: float,
    covariance: str,
    expected_returns: str | None,
    bounds: Any,
    lookback: int | None,
    options: dict[str, Any],
    scheme_params: dict[str, Any],
) -> dict[str, Any]:
    """Return the parameters an Allocation records (and hashes) for reproduction."""
    as_of = options["as_of"]
    return {
        "risk_free": risk_free, "covariance": covariance, "expected_returns": expected_returns,
        "bounds": bounds, "sector_caps": options["sector_caps"], "sectors": options["sectors"],
        "current_weights": options["current_weights"], "max_turnover": options["max_turnover"],
        "costs": options["costs"], "cash": options["cash"], "lookback": lookback,
        "as_of": None if as_of is None else str(as_of), "factors": options["factors"],
        **scheme_params,
    }  # fmt: skip


def _arrays(
    model: est.ReturnModel, kept: list[str], columns: pd.Index
) -> tuple[np.ndarray, np.ndarray]:
    """Return (mu (n,), cov (n, n)) in the order of `kept` (the labels of `columns`)."""
    # a model fitted on the clean window carries its column Index: no label lists needed
    same = model.mu.index is columns and model.cov.index.equals(columns)
    if same or (model.mu.index.tolist() == kept and model.cov.index.tolist() == kept):
        return model.mu.to_numpy(dtype=float), model.cov.to_numpy(dtype=float)
    return (
        model.mu.reindex(kept).to_numpy(dtype=float),
        model.cov.reindex(index=kept, columns=kept).to_numpy(dtype=float),
    )


def _columns(frame: pd.DataFrame | None, kept: list[str]) -> pd.DataFrame | None:
    """Return the kept columns of `frame` (the frame itself when it has exactly those)."""
    if frame is None or frame.columns.tolist() == kept:
        return frame
    return frame[kept]


def _kept_bounds(
    bounds: Bounds | Mapping[str, Bounds], kept: list[str], symbols: pd.Index
) -> Bounds | Mapping[str, Bounds]:
    """Return the bounds of the kept symbols; InvalidInput names symbols not in the data."""
    if not isinstance(bounds, Mapping):
        return bounds
    unknown = sorted(set(bounds) - set(symbols.tolist()) - {"*"})
    if unknown:
        raise InvalidInput(f"bounds name unknown symbols {unknown}", symbols=unknown)
    return {k: v for k, v in bounds.items() if k in kept or k == "*"}


def _no_data(
    window: pd.DataFrame,
    method: str,
    risk_free: float,
    notes: list[str],
    record: dict[str, Any],
) -> Allocation:
    """Return equal weights when no usable return window is left (metrics undefined)."""
    symbols = window.columns
    n = len(symbols)
    reason = f"{method} -> equal_weight: fewer than {MIN_OBS} usable observations"
    result = SchemeResult(np.full(n, 1.0 / n), 0.0, SolverInfo("closed_form"))
    alloc = build_allocation(
        result, symbols=symbols, kept=symbols.tolist(), mu=np.zeros(n), cov=np.zeros((n, n)),
        risk_free=risk_free, method="equal_weight", requested=method,
        fallback="; ".join([*notes, reason]), returns=window.fillna(0.0), factors=None,
        sectors=None, estimators=("none", "none"), params=record,
    )  # fmt: skip
    from dataclasses import replace

    return replace(alloc, expected_return=float("nan"), volatility=float("nan"), sharpe=None)
