"""Frozen hand-offs of the allocation engine: SolverInfo, SchemeResult and Allocation."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

CASH = "CASH"


@dataclass(frozen=True)
class SolverInfo:
    """Which solver produced the weights, how it ended, its iterations and time (seconds)."""

    name: str
    status: str = "optimal"
    iterations: int = 0
    time: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        """Return the fields as a JSON-ready dict."""
        return {
            "name": self.name,
            "status": self.status,
            "iterations": self.iterations,
            "time": self.time,
        }


@dataclass(frozen=True, eq=False)
class SchemeResult:
    """What a scheme returns: risky weights (n,), the cash weight and how they were solved."""

    weights: np.ndarray
    cash: float
    solver: SolverInfo
    notes: tuple[str, ...] = ()


@dataclass(frozen=True, eq=False)
class Allocation:
    """One allocation decision with its ex-ante risk and return, solver and provenance.

    `weights` holds every symbol plus `CASH` when cash is held, summing to 1;
    `expected_return`, `volatility` and `sharpe` are annual and ex ante (from the
    ReturnModel that ran); `risk_contributions` are fractions of the portfolio
    variance (summing to 1 over the risky assets); `factor_betas` are the
    portfolio's betas to each factor (None without factors).
    """

    weights: pd.Series
    method: str
    as_of: pd.Timestamp | None
    expected_return: float
    volatility: float
    sharpe: float | None
    risk_contributions: pd.Series
    sector_weights: pd.Series | None
    factor_betas: pd.Series | None
    solver: SolverInfo
    fallback: str | None
    return_estimator: str
    covariance_estimator: str
    requested_method: str = ""
    risk_free: float = 0.0
    n_obs: int = 0
    notes: tuple[str, ...] = ()
    #: (return window, parameters) the decision was made from; hashed on first use
    provenance: tuple[pd.DataFrame, dict[str, Any]] | None = field(default=None, repr=False)

    @cached_property
    def parameters(self) -> dict[str, Any]:
        """Return the parameters in canonical JSON-ready form (frames by shape, labels, CRC-32)."""
        from pas.analytics.allocation.summary import fingerprint

        return fingerprint(self.provenance[1]) if self.provenance is not None else {}

    @cached_property
    def inputs_hash(self) -> str:
        """Return the SHA-256 of the data window and parameters (computed once, on first use).

        Bookkeeping is not on the hot path: the hash is computed when it is
        read (persisting, JSON), not for every allocation a backtest makes.
        """
        from pas.analytics.allocation.summary import inputs_hash

        if self.provenance is None:
            return ""
        canonical = {"method": self.requested_method or self.method, "params": self.parameters}
        return inputs_hash(self.provenance[0], canonical)

    @property
    def cash(self) -> float:
        """Return the weight held in CASH (0.0 when none)."""
        return float(self.weights.get(CASH, 0.0))

    def to_dict(self) -> dict[str, Any]:
        """Return the allocation as a JSON-ready dict (floats, strings, dicts)."""
        return {
            "method": self.method,
            "requested_method": self.requested_method or self.method,
            "as_of": None if self.as_of is None else self.as_of.date().isoformat(),
            "weights": _floats(self.weights),
            "expected_return": _num(self.expected_return),
            "volatility": _num(self.volatility),
            "sharpe": _num(self.sharpe),
            "risk_contributions": _floats(self.risk_contributions),
            "sector_weights": None if self.sector_weights is None else _floats(self.sector_weights),
            "factor_betas": None if self.factor_betas is None else _floats(self.factor_betas),
            "solver": self.solver.as_dict(),
            "fallback": self.fallback,
            "inputs_hash": self.inputs_hash,
            "estimators": {
                "expected_returns": self.return_estimator,
                "covariance": self.covariance_estimator,
            },
            "risk_free": self.risk_free,
            "n_obs": self.n_obs,
            "notes": list(self.notes),
            "parameters": self.parameters,
        }


def _floats(series: pd.Series) -> dict[str, float | None]:
    return {str(k): _num(v) for k, v in series.items()}


def _num(value: float | None) -> float | None:
    """Return value as a float, or None when missing or not finite (JSON has no NaN)."""
    if value is None or not np.isfinite(value):
        return None
    return float(value)
