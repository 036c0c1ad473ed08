"""Turns a scheme's weights into an Allocation: ex-ante metrics, betas and the inputs hash."""

from __future__ import annotations

import hashlib
import json
import math
import zlib
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from pas.analytics.allocation.result import CASH, Allocation, AllocationBasis, SchemeResult

TRADING_DAYS = 252


def weights_series(symbols: pd.Index, kept: Sequence[str], w: np.ndarray, cash: float) -> pd.Series:
    """Return weights over every requested symbol (0 where excluded) plus CASH when held."""
    labels = symbols.tolist()
    values, index = _weight_values(symbols, labels, list(kept) == labels, kept, w, cash)
    return pd.Series(values, index=index, copy=False)


def _weight_values(
    symbols: pd.Index,
    labels: list[str],
    same: bool,
    kept: Sequence[str],
    w: np.ndarray,
    cash: float,
) -> tuple[np.ndarray, pd.Index]:
    """Return (weights over `labels` (+ CASH when held) summing to 1, their index).

    `same` says `kept` lists exactly `labels` (the caller compared them once).
    """
    if same:
        values = np.asarray(w, dtype=float)
    else:
        where = {s: i for i, s in enumerate(kept)}
        values = np.array([float(w[where[s]]) if s in where else 0.0 for s in labels])
    index = symbols
    if cash > 1e-12:
        values, index = np.append(values, cash), symbols.append(pd.Index([CASH]))
    return values / np.add.reduce(values), index


def _last_date(index: pd.Index) -> pd.Timestamp | None:
    """Return the last date of a DatetimeIndex (None for other or empty indexes)."""
    if not isinstance(index, pd.DatetimeIndex) or not len(index):
        return None
    if isinstance(index.dtype, np.dtype):  # tz-naive: box the datetime64 directly
        return pd.Timestamp(index.values[-1])
    return index[-1]


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
    marginal = cov @ w
    variance = max(float(w @ marginal), 0.0)
    if variance <= 0:
        return pd.Series(0.0, index=list(symbols), dtype=float)
    return weights_series(symbols, kept, w * marginal / variance, 0.0)


def factor_betas(
    returns: pd.DataFrame, factors: pd.DataFrame | None, weights: pd.Series
) -> pd.Series | None:
    """Return the portfolio's OLS betas to each factor (excess of rf when given), or None."""
    if factors is None or factors.empty:
        return None
    common = returns.index.intersection(factors.index)
    if len(common) < 10:
        return None
    names = [c for c in factors.columns if c != "rf"]
    f = factors.loc[common]
    y = returns.loc[common].to_numpy(dtype=float)
    if "rf" in f:
        y = y - f["rf"].to_numpy(dtype=float)[:, None]
    X = np.column_stack([np.ones(len(common)), f[names].to_numpy(dtype=float)])
    ok = np.isfinite(X).all(axis=1) & np.isfinite(y).all(axis=1)
    if ok.sum() <= len(names) + 1:
        return None
    coef = np.linalg.lstsq(X[ok], y[ok], rcond=None)[0][1:]
    w = weights.reindex(returns.columns).fillna(0.0).to_numpy()
    return pd.Series(coef @ w, index=names, dtype=float)


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


def inputs_hash(returns: pd.DataFrame, canonical: Mapping[str, Any]) -> str:
    """Return SHA-256 over the return window (dates, symbols, CRC-32 of values) and parameters.

    `canonical` is the parameters' `fingerprint`. The values enter through CRC-32 (2 ms for 1,260 x 500) rather than a
    cryptographic hash (6 ms): the hash identifies a decision, it does not
    defend against forgery.
    """
    digest = hashlib.sha256()
    digest.update(json.dumps(canonical, sort_keys=True, default=str).encode())
    digest.update("\x1f".join(map(str, returns.columns.tolist())).encode())
    index = returns.index
    if isinstance(index, pd.DatetimeIndex):
        digest.update(np.ascontiguousarray(index.asi8).tobytes())
    else:
        digest.update(str(list(index)).encode())
    digest.update(_crc(returns.to_numpy(dtype=float)).to_bytes(4, "big"))
    return digest.hexdigest()


def build_allocation(
    result: SchemeResult,
    *,
    symbols: pd.Index,
    kept: Sequence[str],
    mu: np.ndarray,
    cov: np.ndarray,
    risk_free: float,
    method: str,
    requested: str,
    fallback: str | None,
    returns: pd.DataFrame,
    factors: pd.DataFrame | None,
    sectors: Mapping[str, str] | None,
    estimators: tuple[str, str],
    params: Mapping[str, Any],
    notes: Sequence[str] = (),
) -> Allocation:
    """Return the frozen Allocation of a scheme result over the kept symbols."""
    labels = symbols.tolist()
    same = list(kept) == labels
    values, index = _weight_values(symbols, labels, same, kept, result.weights, result.cash)
    weights = pd.Series(values, index=index, copy=False)
    n = len(labels)
    cash = float(values[n]) if len(values) > n else 0.0
    w = values[:n] if same else weights.reindex(kept).to_numpy()
    variance = max(float(w @ (cov @ w)), 0.0)
    vol = math.sqrt(variance)
    expected = float(w @ mu) + cash * risk_free
    return Allocation(
        weights=weights,
        method=method,
        as_of=_last_date(returns.index),
        expected_return=expected,
        volatility=vol,
        sharpe=(expected - risk_free) / vol if vol > 1e-12 else None,
        solver=result.solver,
        fallback=fallback,
        return_estimator=estimators[0],
        covariance_estimator=estimators[1],
        requested_method=requested,
        risk_free=risk_free,
        n_obs=len(returns.index),
        notes=(*notes, *result.notes),
        provenance=(returns, dict(params)),
        basis=AllocationBasis(symbols, tuple(kept), w, cov, returns, factors, sectors),
    )
