"""Allocation constraints: bounds, sector caps, turnover, costs, cash; feasibility checks.

Weights are fractions of the portfolio: risky weights `w` (one per symbol)
plus a `CASH` weight `c`, with sum(w) + c = 1.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from pas.core.errors import InfeasibleConstraints, InvalidInput
from pas.core.limits import check_finite

#: Constraint violations below this are rounding, not infeasibility.
FEAS_TOL = 1e-9

Bounds = tuple[float, float]


@dataclass(frozen=True, eq=False)
class Constraints:
    """The feasible set: lower <= w <= upper, sector caps, turnover, costs and cash bounds.

    `sector_of[i]` is the sector of symbol i (None when unknown); `sector_caps`
    maps a sector to (min, max) of its summed weight. `current` (n,) and
    `current_cash` are today's weights, needed by turnover limits and costs.
    `costs` (n,) is the linear cost per unit of weight traded.
    """

    symbols: tuple[str, ...]
    lower: np.ndarray
    upper: np.ndarray
    sector_of: tuple[str | None, ...] = ()
    sector_caps: Mapping[str, Bounds] | None = None
    current: np.ndarray | None = None
    current_cash: float = 0.0
    max_turnover: float | None = None
    costs: np.ndarray | None = None
    cash_min: float = 0.0
    cash_max: float = 0.0

    @property
    def n(self) -> int:
        """Return the number of risky assets."""
        return len(self.symbols)

    @cached_property
    def trades(self) -> bool:
        """Return True when the problem needs trade variables |w - current|."""
        return self.current is not None and (
            self.max_turnover is not None or (self.costs is not None and bool(np.any(self.costs)))
        )

    @cached_property
    def is_box(self) -> bool:
        """Return True when only bounds and full investment constrain w (the fast path)."""
        return not self.sector_caps and not self.trades and self.cash_max <= 0.0

    @cached_property
    def long_only(self) -> bool:
        """Return True when bounds alone constrain w: 0 <= w with no maximum that can bind."""
        return self.is_box and not self.lower.any() and bool(self.upper.min() >= 1.0)

    @cached_property
    def sectors(self) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray]:
        """Return (capped sector names, membership k x n, mins k, maxs k)."""
        caps = self.sector_caps or {}
        names = sorted(caps)
        member = np.zeros((len(names), self.n))
        for k, name in enumerate(names):
            member[k] = [s == name for s in self.sector_of]
        lo = np.array([caps[s][0] for s in names], dtype=float)
        hi = np.array([caps[s][1] for s in names], dtype=float)
        return names, member, lo, hi

    def violations(self, w: np.ndarray, cash: float = 0.0, tol: float = FEAS_TOL) -> list[str]:
        """Return a description of every constraint `w` (and `cash`) breaks by more than tol."""
        out = []
        total = float(np.add.reduce(w)) + cash
        if abs(total - 1.0) > tol:
            out.append(f"weights sum to {total:.12f}, not 1")
        for i in ((w < self.lower - tol) | (w > self.upper + tol)).nonzero()[0]:
            out.append(
                f"{self.symbols[i]} weight {w[i]:.6g} outside [{self.lower[i]}, {self.upper[i]}]"
            )
        if self.sector_caps:
            out += _sector_violations(self, w, tol)
        if cash < self.cash_min - tol or cash > self.cash_max + tol:
            out.append(f"cash {cash:.6g} outside [{self.cash_min}, {self.cash_max}]")
        if self.max_turnover is not None and self.current is not None:
            turnover = turnover_of(w, self.current)
            if turnover > self.max_turnover + tol:
                out.append(f"turnover {turnover:.6g} above {self.max_turnover}")
        return out

    def check(self) -> None:
        """Raise InfeasibleConstraints naming the constraints that cannot hold together."""
        conflicts = _bound_conflicts(self) + _sector_conflicts(self)
        if conflicts:
            raise InfeasibleConstraints(
                "infeasible constraints: " + "; ".join(conflicts), constraints=conflicts
            )


def _sector_violations(c: Constraints, w: np.ndarray, tol: float) -> list[str]:
    names, member, lo, hi = c.sectors
    return [
        f"sector {names[k]} weight {total:.6g} outside [{lo[k]}, {hi[k]}]"
        for k, total in enumerate(member @ w)
        if total < lo[k] - tol or total > hi[k] + tol
    ]


def turnover_of(w: np.ndarray, current: np.ndarray) -> float:
    """Return the turnover sum|w - current| over the risky assets (cash follows from them)."""
    return float(np.abs(w - current).sum())


def _bound_conflicts(c: Constraints) -> list[str]:
    out = [
        f"bounds of {c.symbols[i]}: lower {c.lower[i]} > upper {c.upper[i]}"
        for i in np.flatnonzero(c.lower > c.upper + FEAS_TOL)
    ]
    if c.cash_min > c.cash_max + FEAS_TOL:
        out.append(f"cash: minimum {c.cash_min} > maximum {c.cash_max}")
    low, high = float(c.lower.sum()), float(c.upper.sum())
    if low + c.cash_min > 1.0 + FEAS_TOL:
        out.append(f"lower bounds sum to {low:.6g} (+ cash minimum {c.cash_min}) > 1")
    if high + c.cash_max < 1.0 - FEAS_TOL:
        out.append(
            f"upper bounds sum to {high:.6g} (+ cash allowance {c.cash_max}) < 1: "
            f"{c.n} assets cannot be fully invested"
        )
    return out


def _sector_conflicts(c: Constraints) -> list[str]:
    if not c.sector_caps:
        return []
    names, member, lo, hi = c.sectors
    out = []
    for k, name in enumerate(names):
        inside = member[k].astype(bool)
        if not inside.any() and lo[k] > FEAS_TOL:
            out.append(f"sector cap {name}: minimum {lo[k]} but no asset in the sector")
        if lo[k] > hi[k] + FEAS_TOL:
            out.append(f"sector cap {name}: minimum {lo[k]} > maximum {hi[k]}")
        if c.lower[inside].sum() > hi[k] + FEAS_TOL:
            out.append(f"sector cap {name}: maximum {hi[k]} < its assets' lower bounds")
        if c.upper[inside].sum() < lo[k] - FEAS_TOL:
            out.append(f"sector cap {name}: minimum {lo[k]} > its assets' upper bounds")
    # The most the sectors can hold together with the uncapped assets and cash.
    capped = member.any(axis=0)
    reach_hi = sum(min(hi[k], c.upper[member[k] > 0].sum()) for k in range(len(names)))
    reach_hi += c.upper[~capped].sum() + c.cash_max
    reach_lo = sum(max(lo[k], c.lower[member[k] > 0].sum()) for k in range(len(names)))
    reach_lo += c.lower[~capped].sum() + c.cash_min
    if reach_hi < 1.0 - FEAS_TOL:
        out.append(f"sector caps with bounds allow at most {reach_hi:.6g} invested < 1")
    if reach_lo > 1.0 + FEAS_TOL:
        out.append(f"sector minimums with bounds need at least {reach_lo:.6g} > 1")
    return out


def build_constraints(
    symbols: Sequence[str],
    bounds: Bounds | Mapping[str, Bounds] = (0.0, 1.0),
    *,
    sectors: Mapping[str, str] | None = None,
    sector_caps: Mapping[str, float | Bounds] | None = None,
    current_weights: Mapping[str, float] | None = None,
    max_turnover: float | None = None,
    costs: float | Mapping[str, float] | None = None,
    cash: float | Bounds | None = None,
) -> Constraints:
    """Return Constraints over `symbols` from user-facing arguments (validated)."""
    lower, upper = _bounds(symbols, bounds)
    caps = {str(k): pair(v, f"sector cap {k}") for k, v in (sector_caps or {}).items()}
    sector_of = tuple(sectors.get(s) for s in symbols) if sectors else (None,) * len(symbols)
    current, current_cash = None, 0.0
    if current_weights is not None:
        for name, weight in current_weights.items():
            check_finite(weight, f"the current weight of {name}")
        current = np.array([float(current_weights.get(s, 0.0)) for s in symbols])
        # without a CASH line, what the listed symbols do not hold is cash
        current_cash = float(current_weights.get("CASH", max(0.0, 1.0 - float(current.sum()))))
    if (max_turnover is not None or costs is not None) and current is None:
        current = np.zeros(len(symbols))
        current_cash = 1.0
    if max_turnover is not None and check_finite(max_turnover, "max_turnover") < 0:
        raise InvalidInput(f"max_turnover must be >= 0, got {max_turnover}")
    cost_arr = None
    if costs is not None:
        cost_arr = (
            np.array([check_finite(costs.get(s, 0.0), f"the cost of {s}") for s in symbols])
            if isinstance(costs, Mapping)
            else np.full(len(symbols), check_finite(costs, "costs"))
        )
        if (cost_arr < 0).any():
            raise InvalidInput("transaction costs must be >= 0")
    cash_min, cash_max = (0.0, 0.0) if cash is None else pair(cash, "cash")
    return Constraints(
        tuple(symbols),
        lower,
        upper,
        sector_of,
        caps or None,
        current,
        current_cash,
        max_turnover,
        cost_arr,
        cash_min,
        cash_max,
    )


def pair(value: float | Sequence[float], what: str) -> Bounds:
    """Return a maximum (0, max) or a (min, max) pair as finite floats; InvalidInput otherwise."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return 0.0, check_finite(value, what)
    try:
        lo, hi = value  # type: ignore[misc]
    except (TypeError, ValueError):
        raise InvalidInput(
            f"{what} must be a maximum or a (min, max) pair, got {value!r}"
        ) from None
    return check_finite(lo, f"the minimum of {what}"), check_finite(hi, f"the maximum of {what}")


def _bounds(
    symbols: Sequence[str], bounds: Bounds | Mapping[str, Bounds]
) -> tuple[np.ndarray, np.ndarray]:
    n = len(symbols)
    if isinstance(bounds, Mapping):
        default = pair(bounds.get("*", (0.0, 1.0)), "bounds")
        unknown = sorted(set(bounds) - set(symbols) - {"*"})
        if unknown:
            raise InvalidInput(f"bounds name unknown symbols {unknown}", symbols=unknown)
        pairs = [pair(bounds.get(s, default), f"bounds of {s}") for s in symbols]
        lower = np.array([p[0] for p in pairs], dtype=float)
        upper = np.array([p[1] for p in pairs], dtype=float)
        if not (np.isfinite(lower).all() and np.isfinite(upper).all()):
            raise InvalidInput("bounds must be finite numbers")
        return lower, upper
    lo, hi = pair(bounds, "bounds")
    if not (math.isfinite(lo) and math.isfinite(hi)):
        raise InvalidInput("bounds must be finite numbers")
    return np.full(n, lo), np.full(n, hi)
