"""Records of the updater: one day's metrics of a sleeve (or the account), one job run."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

#: the sleeve id under which the account (every sleeve together) is stored
ACCOUNT = 0


@dataclass(frozen=True)
class MetricsRow:
    """One day of a sleeve or of the account (sleeve_id 0).

    Returns, exposures, volatility, drawdown and VaR are fractions (0.01 = 1%);
    `volatility_annual` is annualised with 252; `drawdown` and `var_95` are
    negative for losses; weights are fractions of equity.
    """

    sleeve_id: int
    name: str
    date: dt.date
    equity: Decimal
    cash: Decimal
    flow: Decimal
    daily_return: float | None
    cumulative_return: float | None
    gross_exposure: float | None
    net_exposure: float | None
    volatility_annual: float | None
    drawdown: float | None
    var_95: float | None
    sector_weights: dict[str, float] = field(default_factory=dict)
    factor_betas: dict[str, float | None] = field(default_factory=dict)
    weights: dict[str, float] = field(default_factory=dict)
    stale: bool = False


@dataclass(frozen=True)
class JobRun:
    """One run of an updater job: status is running, done, skipped or failed, or abandoned
    (its process stopped sending heartbeats before it finished)."""

    id: str
    job: str
    status: str
    started_at: dt.datetime
    finished_at: dt.datetime | None = None
    message: str | None = None
    result: dict[str, Any] | None = None

    @property
    def duration_ms(self) -> float | None:
        """Return how long the run took (None while it runs)."""
        if self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds() * 1000
