"""Equal weight: w_i = 1/n, the end of every fallback chain (needs no estimate)."""

from __future__ import annotations

import time
from typing import Any, ClassVar

import numpy as np

from pas.analytics.allocation.base import SchemeInput, project, timed
from pas.analytics.allocation.result import SchemeResult


class EqualWeight:
    """1/n in every asset, projected onto the constraints when they break one."""

    name: ClassVar[str] = "equal_weight"
    fallback: ClassVar[str | None] = None
    params: ClassVar[frozenset[str]] = frozenset()
    risk_based: ClassVar[bool] = True
    holds_cash: ClassVar[bool] = False
    blends: ClassVar[bool] = False
    benchmark: ClassVar[bool] = True
    uses_current: ClassVar[bool] = False

    def solve(self, data: SchemeInput, **_: Any) -> SchemeResult:
        """Return 1/n weights (projected when a constraint needs it)."""
        start = time.perf_counter()
        out = project(data, np.full(data.n, 1.0 / data.n))
        return SchemeResult(out.weights, out.cash, timed("closed_form", start), out.notes)
