"""What every scheme receives and promises: SchemeInput, the Scheme protocol, Degenerate."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
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


def _openblas_switch(lib: Any) -> tuple[Callable[[], int], Callable[[int], Any]] | None:
    """Return the C functions (get, set) of an OpenBLAS thread count, or None (not pthreads)."""
    if lib.internal_api != "openblas" or getattr(lib, "threading_layer", None) != "pthreads":
        return None
    for prefix in ("", "scipy_"):
        for suffix in ("", "64_", "_64"):
            get = getattr(lib.dynlib, f"{prefix}openblas_get_num_threads{suffix}", None)
            put = getattr(lib.dynlib, f"{prefix}openblas_set_num_threads{suffix}", None)
            if get is not None and put is not None:
                return get, put
    return None


@lru_cache(maxsize=1)
def _switches() -> tuple[tuple[Callable[[], int], Callable[[int], Any]], ...]:
    """Return (get, set) thread-count functions per BLAS library, resolved once per process.

    OpenBLAS with its own threads (pthreads) is switched through its C API
    directly: threadpoolctl's per-call layers cost more than a small solve
    when the caches are cold. Other libraries go through threadpoolctl.
    """
    return tuple(
        _openblas_switch(lib) or (lib.get_num_threads, lib.set_num_threads)
        for lib in _blas_libraries()
    )


_limited = threading.local()


class _OneThread:
    """BLAS at one thread inside the block; the previous thread counts come back on exit."""

    __slots__ = ("saved",)

    def __enter__(self) -> None:
        _limited.active = True
        self.saved: list[tuple[Callable[[int], Any], int]] = []
        try:
            for get, put in _switches():
                threads = get()
                if threads != 1:
                    put(1)
                    self.saved.append((put, threads))
        except BaseException:
            self.__exit__()
            raise

    def __exit__(self, *exc: object) -> None:
        for put, threads in self.saved:
            put(threads)
        _limited.active = False


class _Held:
    """The caller knows BLAS stays on its thread: nested limits are skipped, nothing is set."""

    __slots__ = ()

    def __enter__(self) -> None:
        _limited.active = True

    def __exit__(self, *exc: object) -> None:
        _limited.active = False


def blas_threads(
    n_assets: int, small: int = 200, *, single_anyway: bool = False
) -> AbstractContextManager[None]:
    """Limit BLAS to one thread for problems up to `small` assets (threads cost more there).

    The libraries are inspected once per process; nested calls reuse the
    outer limit. `single_anyway` says the caller measured that BLAS keeps
    this work on the calling thread (allocation/lean.py): no thread counts
    are read or set, and nested calls inside do not set them either.
    """
    if n_assets > small or getattr(_limited, "active", False):
        return _AS_IS
    return _Held() if single_anyway else _OneThread()


class _AsIs:
    """BLAS left as it is (one shared instance: nothing to set up per call)."""

    __slots__ = ()

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


_AS_IS = _AsIs()


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
