"""The stored form of an allocation decision, handed between the database, workflows and edges."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class StoredAllocation:
    """One persisted allocation: weights (with CASH when held), ex-ante metrics and provenance."""

    id: int
    created_at: dt.datetime
    method: str
    requested_method: str
    as_of: dt.date | None
    weights: dict[str, float]
    expected_return: float | None
    volatility: float | None
    sharpe: float | None
    risk_free: float
    return_estimator: str
    covariance_estimator: str
    solver: dict[str, Any]
    fallback: str | None
    inputs_hash: str
    n_obs: int
    risk_contributions: dict[str, float] = field(default_factory=dict)
    sector_weights: dict[str, float] | None = None
    factor_betas: dict[str, float] | None = None
    notes: tuple[str, ...] = ()
    parameters: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Return the record as a JSON-ready dict."""
        return {
            "id": self.id,
            "created_at": self.created_at.isoformat(),
            "method": self.method,
            "requested_method": self.requested_method,
            "as_of": None if self.as_of is None else self.as_of.isoformat(),
            "weights": self.weights,
            "expected_return": self.expected_return,
            "volatility": self.volatility,
            "sharpe": self.sharpe,
            "risk_free": self.risk_free,
            "estimators": {
                "expected_returns": self.return_estimator,
                "covariance": self.covariance_estimator,
            },
            "solver": self.solver,
            "fallback": self.fallback,
            "inputs_hash": self.inputs_hash,
            "n_obs": self.n_obs,
            "risk_contributions": self.risk_contributions,
            "sector_weights": self.sector_weights,
            "factor_betas": self.factor_betas,
            "notes": list(self.notes),
            "parameters": self.parameters,
        }
