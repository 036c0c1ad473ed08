"""Inverse volatility: w_i ∝ 1/σ_i (risk parity when correlations are equal)."""

from __future__ import annotations

import time
from typing import Any, ClassVar

import numpy as np

from pas.analytics.allocation.base import Degenerate, SchemeInput, project, timed
from pas.analytics.allocation.result import SchemeResult


class InverseVolatility:
    """Weights proportional to the inverse of each asset's volatility."""

    name: ClassVar[str] = "inverse_volatility"
    fallback: ClassVar[str | None] = "equal_weight"
    params: ClassVar[frozenset[str]] = frozenset()
    risk_based: ClassVar[bool] = True
    holds_cash: ClassVar[bool] = False
    blends: ClassVar[bool] = False
    benchmark: ClassVar[bool] = True
    uses_current: ClassVar[bool] = False

    def solve(self, data: SchemeInput, **_: Any) -> SchemeResult:
        """Return 1/σ weights, projected onto the constraints when they break one."""
        start = time.perf_counter()
        vol = np.sqrt(np.diag(data.cov))
        if not (np.isfinite(vol).all() and (vol > 0).all()):
            raise Degenerate("an asset has zero or undefined volatility")
        w = (1.0 / vol) / (1.0 / vol).sum()
        out = project(data, w)
        return SchemeResult(out.weights, out.cash, timed("closed_form", start), out.notes)
