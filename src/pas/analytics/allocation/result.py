"""Frozen hand-offs of the allocation engine: SolverInfo, SchemeResult and Allocation."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from pas.analytics.allocation.estimate import Estimate
    from pas.analytics.allocation.spec import AllocationSpec

CASH = "CASH"


class Degenerate(Exception):
    """The inputs leave this scheme without a meaningful answer; the engine falls back."""


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
    """What a scheme returns: risky weights (n,), the cash weight and how they were solved.

    `hold` says the scheme decided to keep today's weights exactly (the engine
    then leaves them as they are); `active` is the box-QP active set of the
    solve, which a caller may hand back as the next decision's warm start.
    """

    weights: np.ndarray
    cash: float
    solver: SolverInfo
    notes: tuple[str, ...] = ()
    hold: bool = False
    active: np.ndarray | None = None


@dataclass(frozen=True, eq=False)
class AllocationBasis:
    """What an Allocation's diagnostics and hash come from: its Estimate and weights."""

    symbols: pd.Index  # every requested symbol
    estimate: Estimate  # the clean window and moments the scheme saw
    w: np.ndarray  # risky weights over the estimate's kept symbols
    sectors: Mapping[str, str] | None
    record: Mapping[str, Any]  # the parameters recorded and hashed

    def frame(self) -> pd.DataFrame:
        """Return the clean return window as a DataFrame (dates x kept)."""
        est = self.estimate
        return pd.DataFrame(est.returns, index=est.dates, columns=list(est.labels))


@dataclass(frozen=True, eq=False)
class Allocation:
    """One allocation decision with its ex-ante risk and return, solver, spec and provenance.

    `weights` holds every symbol plus `CASH` when cash is held, summing to 1;
    `expected_return`, `volatility` and `sharpe` are annual and ex ante (from the
    estimates that ran); `risk_contributions` are fractions of the portfolio
    variance (summing to 1 over the risky assets); `factor_betas` are the
    portfolio's betas to each factor (None without factors). `notes` say what
    the decision rests on (data dropped, factor coverage, estimator and scheme
    fallbacks); `spec` is the AllocationSpec it ran.
    """

    weights: pd.Series
    method: str
    as_of: pd.Timestamp | None
    expected_return: float
    volatility: float
    sharpe: float | None
    solver: SolverInfo
    fallback: str | None
    return_estimator: str
    covariance_estimator: str
    requested_method: str = ""
    risk_free: float = 0.0
    n_obs: int = 0
    notes: tuple[str, ...] = ()
    spec: AllocationSpec | None = field(default=None, repr=False)
    #: what the diagnostics and the inputs hash are computed from, on first use
    basis: AllocationBasis | None = field(default=None, repr=False)

    # Diagnostics are computed when read, not for every allocation a caller makes.
    @cached_property
    def risk_contributions(self) -> pd.Series:
        """Return each asset's fraction of the ex-ante portfolio variance (summing to 1)."""
        from pas.analytics.allocation.summary import risk_contributions

        if self.basis is None:
            return pd.Series(0.0, index=self.weights.index.drop(CASH, errors="ignore"))
        b = self.basis
        return risk_contributions(b.symbols, b.estimate.labels, b.w, b.estimate.cov)

    @cached_property
    def sector_weights(self) -> pd.Series | None:
        """Return the summed weight per sector (CASH apart), or None without sectors."""
        from pas.analytics.allocation.summary import sector_weights

        return sector_weights(self.weights, None if self.basis is None else self.basis.sectors)

    @cached_property
    def factor_betas(self) -> pd.Series | None:
        """Return the portfolio's betas to each factor (None without factors)."""
        from pas.analytics.allocation.summary import factor_betas

        if self.basis is None or self.basis.estimate.factors is None:
            return None
        return factor_betas(self.basis.frame(), self.basis.estimate.factors, self.weights)

    @cached_property
    def parameters(self) -> dict[str, Any]:
        """Return the parameters in canonical JSON-ready form (frames by shape, labels, CRC-32)."""
        from pas.analytics.allocation.summary import fingerprint

        return fingerprint(self.basis.record) if self.basis is not None else {}

    @cached_property
    def inputs_hash(self) -> str:
        """Return the SHA-256 of the data window and parameters (computed once, on first use)."""
        from pas.analytics.allocation.summary import inputs_hash

        if self.basis is None:
            return ""
        b = self.basis
        canonical = {"method": self.requested_method or self.method, "params": self.parameters}
        est = b.estimate
        return inputs_hash(est.returns, est.dates, est.labels, canonical)

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
            "spec": None if self.spec is None else self.spec.to_dict(),
            "parameters": self.parameters,
        }


def _floats(series: pd.Series) -> dict[str, float | None]:
    return {str(k): _num(v) for k, v in series.items()}


def _num(value: float | None) -> float | None:
    """Return value as a float, or None when missing or not finite (JSON has no NaN)."""
    if value is None or not np.isfinite(value):
        return None
    return float(value)
