"""What every scheme receives and promises: SchemeInput, the Scheme protocol, Degenerate."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, ClassVar, Protocol

import numpy as np
import pandas as pd
from threadpoolctl import ThreadpoolController

from pas.analytics.allocation.boxqp import solve_box_qp
from pas.analytics.allocation.conic import linear_system, polish, require_solved, solve_conic
from pas.analytics.allocation.constraints import Constraints
from pas.analytics.allocation.result import SchemeResult, SolverInfo


class Degenerate(Exception):
    """The inputs leave this scheme without a meaningful answer; the engine falls back."""


@dataclass(frozen=True, eq=False)
class SchemeInput:
    """The data a scheme may use: annual mu (n,), cov (n, n), the return window and constraints.

    `returns` are the daily simple returns the estimators saw (dates x symbols);
    `prices` are price levels over at least that window (signals such as the
    tactical trend filter need them; derived from returns when not given).
    """

    symbols: tuple[str, ...]
    mu: np.ndarray
    cov: np.ndarray
    risk_free: float
    constraints: Constraints
    returns: pd.DataFrame
    prices: pd.DataFrame | None = None
    sectors: Mapping[str, str] = field(default_factory=dict)

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

    def solve(self, data: SchemeInput, **params: Any) -> SchemeResult: ...


@lru_cache(maxsize=1)
def _blas_libraries() -> tuple[Any, ...]:
    """Return threadpoolctl's controllers of the loaded BLAS libraries (inspected once)."""
    return tuple(ThreadpoolController().select(user_api="blas").lib_controllers)


_limited = threading.local()


@contextmanager
def blas_threads(n_assets: int, small: int = 200) -> Iterator[None]:
    """Limit BLAS to one thread for problems up to `small` assets (threads cost more there).

    The libraries are inspected once per process (threadpoolctl's `limit`
    would re-inspect on every call); nested calls reuse the outer limit.
    """
    if n_assets > small or getattr(_limited, "active", False):
        yield
        return
    _limited.active = True
    changed = []
    try:
        for lib in _blas_libraries():
            threads = lib.get_num_threads()
            if threads != 1:
                lib.set_num_threads(1)
                changed.append((lib, threads))
        yield
    finally:
        for lib, threads in changed:
            lib.set_num_threads(threads)
        _limited.active = False


def project(data: SchemeInput, target: np.ndarray, cash: float = 0.0) -> SchemeResult:
    """Return the feasible weights closest (Euclidean) to `target` risky weights and `cash`."""
    cons = data.constraints
    if not cons.violations(target, cash):
        return SchemeResult(target, cash, SolverInfo("closed_form", "optimal", 0, 0.0))
    start = time.perf_counter()
    if cons.is_box:
        sol = solve_box_qp(np.eye(cons.n), -target, cons.lower, cons.upper, 1.0)
        if sol.ok:
            info = SolverInfo("box_qp", "optimal", sol.iterations, time.perf_counter() - start)
            return SchemeResult(sol.x, 0.0, info, ("projected onto the constraints",))
    system = linear_system(cons)
    P = np.eye(system.nz)
    P[system.n + 1 :, system.n + 1 :] = 0.0
    q = np.zeros(system.nz)
    q[: system.n], q[system.n] = -target, -cash
    sol_c = solve_conic(P, q, system.A_eq, system.b_eq, system.A_le, system.b_le)
    z = require_solved(sol_c, "projection onto the constraints")
    z = polish(P, q, system.A_eq, system.b_eq, system.A_le, system.b_le, z)
    return SchemeResult(
        z[: system.n], float(z[system.n]), sol_c.info, ("projected onto the constraints",)
    )


def timed(name: str, start: float, iterations: int = 0, status: str = "optimal") -> SolverInfo:
    """Return a SolverInfo for a solve that started at perf_counter() `start`."""
    return SolverInfo(name, status, iterations, time.perf_counter() - start)
