"""What every scheme receives and promises: Panel, SchemeInput and the Scheme protocol."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, ClassVar, Protocol

import numpy as np
import pandas as pd

from pas.analytics.allocation.constraints import Constraints
from pas.analytics.allocation.result import Degenerate, SchemeResult, SolverInfo
from pas.analytics.allocation.solvers import nearest

__all__ = ["Degenerate", "Panel", "Scheme", "SchemeInput", "project", "timed"]


class Panel:
    """Values (T, n) by date (T,): daily returns or price levels of a scheme's symbols.

    `dates` may be given as a function: they are looked up when first read.
    """

    def __init__(self, values: np.ndarray, dates: pd.Index | Callable[[], pd.Index]) -> None:
        self.values = values
        self._dates = dates

    @cached_property
    def dates(self) -> pd.Index:
        """Return the dates (T,) of the rows."""
        return self._dates() if callable(self._dates) else self._dates

    def take(self, columns: Sequence[int]) -> Panel:
        """Return the panel of the given columns (by position)."""
        return Panel(self.values[:, list(columns)], lambda: self.dates)


@dataclass(frozen=True, eq=False)
class SchemeInput:
    """The data a scheme may use: annual mu (n,), cov (n, n), the return window and constraints.

    `returns` are the daily simple returns the estimators saw (dates x
    symbols); `prices` are price levels over at least that window (signals
    such as the tactical trend filter need them; derived from returns when
    not given). `start` is a box-QP active set to start from (a warm start:
    the previous decision's in a walk-forward), None for a cold start.
    """

    symbols: tuple[str, ...]
    mu: np.ndarray
    cov: np.ndarray
    risk_free: float
    constraints: Constraints
    returns: Panel | None = None
    prices: Panel | None = None
    sectors: Mapping[str, str] = field(default_factory=dict)
    start: np.ndarray | None = None

    @property
    def n(self) -> int:
        """Return the number of risky assets."""
        return len(self.symbols)


class Scheme(Protocol):
    """An allocation scheme: `solve` returns risky weights and cash for the constraints."""

    name: ClassVar[str]
    #: the scheme the engine tries next when this one is degenerate (None: end of chain)
    fallback: ClassVar[str | None]
    #: the keyword parameters `solve` accepts
    params: ClassVar[frozenset[str]]
    #: needs a covariance of assets that vary: constant assets are left out of its window
    risk_based: ClassVar[bool]
    #: may hold CASH whatever the cash allowance (a policy line, a volatility target)
    holds_cash: ClassVar[bool]
    #: reads the other schemes' return histories: evaluated after them
    blends: ClassVar[bool]
    #: a benchmark: evaluated beside the others, not offered as a demo strategy
    benchmark: ClassVar[bool]
    #: decides from today's weights (tolerance bands), itself or through its fallback
    uses_current: ClassVar[bool]

    def solve(self, data: SchemeInput, **params: Any) -> SchemeResult: ...


def project(data: SchemeInput, target: np.ndarray, cash: float = 0.0) -> SchemeResult:
    """Return the feasible weights closest (Euclidean) to `target` risky weights and `cash`."""
    sol = nearest(target, cash, data.constraints)
    notes = () if sol.info.name == "closed_form" else ("projected onto the constraints",)
    return SchemeResult(sol.weights, sol.cash, sol.info, notes)


def timed(name: str, start: float, iterations: int = 0, status: str = "optimal") -> SolverInfo:
    """Return a SolverInfo for a solve that started at perf_counter() `start`."""
    return SolverInfo(name, status, iterations, time.perf_counter() - start)
