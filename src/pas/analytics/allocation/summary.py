"""Turns a scheme's weights into an Allocation: ex-ante metrics, betas and the inputs hash."""

from __future__ import annotations

import hashlib
import json
import math
import zlib
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from pas.analytics.allocation.result import CASH, Allocation, AllocationBasis

if TYPE_CHECKING:
    from pas.analytics.allocation.pipeline import Outcome

TRADING_DAYS = 252


def sector_weights(weights: pd.Series, sectors: Mapping[str, str] | None) -> pd.Series | None:
    """Return the summed weight per sector (CASH apart; 'unknown' for unsectored), or None."""
    if not sectors:
        return None
    out: dict[str, float] = {}
    for sym, w in weights.items():
        key = CASH if sym == CASH else sectors.get(str(sym), "unknown")
        out[key] = out.get(key, 0.0) + float(w)
    return pd.Series(out, dtype=float).sort_index()


def risk_contributions(
    symbols: pd.Index, kept: Sequence[str], w: np.ndarray, cov: np.ndarray
) -> pd.Series:
    """Return each symbol's fraction w_i (Σw)_i / wᵀΣw of the variance (0 where excluded)."""
    out = pd.Series(0.0, index=list(symbols), dtype=float)
    marginal = cov @ w
    variance = max(float(w @ marginal), 0.0)
    if variance > 0:
        share = w * marginal / variance
        out.loc[list(kept)] = share / share.sum()
    return out


def factor_betas(
    returns: pd.DataFrame, factors: pd.DataFrame | None, weights: pd.Series
) -> pd.Series | None:
    """Return the portfolio's OLS betas to each factor (excess of rf when given), or None.

    OLS is linear in the dependent variable, so the portfolio's betas are those
    of its return series w·r (one regression, not one per asset).
    """
    if factors is None or factors.empty:
        return None
    common = returns.index.intersection(factors.index)
    if len(common) < 10:
        return None
    names = [c for c in factors.columns if c != "rf"]
    f = factors.loc[common]
    r = returns.loc[common].to_numpy(dtype=float)
    rows = np.isfinite(r).all(axis=1)
    y = r @ weights.reindex(returns.columns).fillna(0.0).to_numpy()
    if "rf" in f:
        y = y - f["rf"].to_numpy(dtype=float) * float(weights.drop(CASH, errors="ignore").sum())
    X = np.column_stack([np.ones(len(common)), f[names].to_numpy(dtype=float)])
    ok = rows & np.isfinite(X).all(axis=1) & np.isfinite(y)
    if ok.sum() <= len(names) + 1:
        return None
    coef = np.linalg.lstsq(X[ok], y[ok], rcond=None)[0][1:]
    return pd.Series(coef, index=names, dtype=float)


def fingerprint(obj: Any) -> Any:
    """Return a JSON-ready canonical form of a parameter (frames by shape, labels and CRC-32)."""
    if isinstance(obj, pd.DataFrame | pd.Series):
        values = np.ascontiguousarray(obj.to_numpy(dtype=float))
        labels = [str(x) for x in obj.index[:1].tolist() + obj.index[-1:].tolist()]
        cols = [str(c) for c in obj.columns] if isinstance(obj, pd.DataFrame) else [str(obj.name)]
        return {
            "shape": list(values.shape),
            "ends": labels,
            "columns": cols,
            "crc32": _crc(values),
        }
    if isinstance(obj, np.ndarray):
        return fingerprint(pd.DataFrame(np.atleast_2d(obj)))
    if isinstance(obj, Mapping):
        return {str(k): fingerprint(v) for k, v in sorted(obj.items(), key=lambda kv: str(kv[0]))}
    if isinstance(obj, list | tuple):
        return [fingerprint(v) for v in obj]
    if isinstance(obj, float | int | str | bool) or obj is None:
        return obj
    return str(obj)


def _crc(values: np.ndarray) -> int:
    """Return the CRC-32 of an array's float64 bytes (C order, no copy when contiguous)."""
    data: Any = np.ascontiguousarray(values, dtype=float)
    return zlib.crc32(data)


def inputs_hash(
    returns: np.ndarray, dates: pd.Index, labels: Sequence[str], canonical: Mapping[str, Any]
) -> str:
    """Return SHA-256 over the return window (dates, symbols, CRC-32 of values) and parameters.

    `canonical` is the parameters' `fingerprint`. The values enter through
    CRC-32 rather than a cryptographic hash: the hash identifies a decision,
    it does not defend against forgery.
    """
    digest = hashlib.sha256()
    digest.update(json.dumps(canonical, sort_keys=True, default=str).encode())
    digest.update("\x1f".join(map(str, labels)).encode())
    if isinstance(dates, pd.DatetimeIndex):
        digest.update(np.ascontiguousarray(dates.asi8).tobytes())
    else:
        digest.update(str(list(dates)).encode())
    digest.update(_crc(returns).to_bytes(4, "big"))
    return digest.hexdigest()


def build_allocation(
    decision: Outcome,
    symbols: pd.Index,
    *,
    record: Mapping[str, Any],
    sectors: Mapping[str, str] | None,
) -> Allocation:
    """Return the frozen Allocation of an Outcome over `symbols` (the window's labels, as given).

    `record` is the parameter record the Allocation keeps and hashes.
    """
    est, result = decision.estimate, decision.result
    values = decision.normalised()
    n = len(symbols)
    cash = float(values[n])
    if cash > 0:
        weights = pd.Series(values, index=symbols.append(pd.Index([CASH])), copy=False)
    else:
        weights = pd.Series(values[:n], index=symbols, copy=False)
    w = values[est.kept]
    variance = max(float(w @ (est.cov @ w)), 0.0)
    vol = math.sqrt(variance)
    expected = float(w @ est.mu) + cash * est.risk_free
    return Allocation(
        weights=weights,
        method=decision.method,
        as_of=est.last_date,
        expected_return=expected,
        volatility=vol,
        sharpe=(expected - est.risk_free) / vol if vol > 1e-12 else None,
        solver=result.solver,
        fallback=decision.fallback,
        return_estimator=est.expected_returns,
        covariance_estimator=est.covariance,
        requested_method=decision.spec.method,
        risk_free=est.risk_free,
        n_obs=len(est.returns),
        notes=decision.notes,
        spec=decision.spec,
        basis=AllocationBasis(symbols, est, w, sectors, record),
    )
