"""Strategic asset allocation (SAA): a long-term policy held within tolerance bands.

The policy gives weights per symbol or per sector (a sector's weight is split
among its symbols equally or by a sub-scheme such as inverse_volatility);
without one, every symbol (or, with sectors, every sector, then equally
inside) gets the same weight. Given current weights, the portfolio is
rebalanced back to policy only when some weight drifts outside its band
|w_i - p_i| > min(band_abs, band_rel * p_i) (either band may be None);
otherwise the current weights are held.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import replace
from typing import Any, ClassVar

import numpy as np

from pas.analytics.allocation.base import SchemeInput, project, timed
from pas.analytics.allocation.constraints import build_constraints
from pas.analytics.allocation.result import CASH, SchemeResult
from pas.core.errors import InvalidInput


def _split_sector(data: SchemeInput, members: list[int], within: str) -> np.ndarray:
    """Return weights (len(members),) summing to 1 inside one sector by `within`."""
    if within == "equal" or len(members) == 1:
        return np.full(len(members), 1.0 / len(members))
    from pas.analytics.allocation.engine import run_scheme  # the registry imports this module

    symbols = tuple(data.symbols[i] for i in members)
    sub = replace(
        data,
        symbols=symbols,
        mu=data.mu[members],
        cov=data.cov[np.ix_(members, members)],
        constraints=build_constraints(symbols),
        returns=None if data.returns is None else data.returns.take(members),
        prices=None if data.prices is None else data.prices.take(members),
        start=None,
    )
    result, _, _ = run_scheme(within, sub, {})
    return result.weights / result.weights.sum()


def policy_weights(
    data: SchemeInput, policy: Mapping[str, float] | None, within: str = "equal"
) -> tuple[np.ndarray, float]:
    """Return the policy as (risky weights (n,), cash) from symbol or sector weights."""
    sector_of = [data.sectors.get(s) for s in data.symbols]
    sector_names = sorted({s for s in sector_of if s is not None})
    if policy is None:
        # equal per sector (a symbol without a sector is a group of its own), equal inside
        groups = [
            s if s is not None else f"symbol:{sym}"
            for s, sym in zip(sector_of, data.symbols, strict=True)
        ]
        unique = sorted(set(groups))
        w = np.zeros(data.n)
        for g in unique:
            members = [i for i, x in enumerate(groups) if x == g]
            w[members] = _split_sector(data, members, within) / len(unique)
        return w, 0.0
    cash = float(policy.get(CASH, 0.0))
    keys = set(policy) - {CASH}
    total = sum(float(v) for v in policy.values())
    if abs(total - 1.0) > 1e-6 or any(float(v) < 0 for v in policy.values()):
        raise InvalidInput(f"policy weights must be >= 0 and sum to 1 (with CASH), got {total:.6g}")
    w = np.zeros(data.n)
    if keys <= set(data.symbols):
        for i, sym in enumerate(data.symbols):
            w[i] = float(policy.get(sym, 0.0))
        return w, cash
    if keys <= set(sector_names):
        for sector in keys:
            members = [i for i, s in enumerate(sector_of) if s == sector]
            w[members] = float(policy[sector]) * _split_sector(data, members, within)
        return w, cash
    unknown = sorted(keys - set(data.symbols) - set(sector_names))
    raise InvalidInput(
        f"policy keys must all be symbols or all be sectors; unknown: {unknown}", keys=unknown
    )


def breaches(
    current: np.ndarray, target: np.ndarray, band_abs: float | None, band_rel: float | None
) -> np.ndarray:
    """Return a mask of weights whose drift from target exceeds its tolerance band."""
    if band_abs is None and band_rel is None:
        return np.ones(len(target), dtype=bool)
    band = np.full(len(target), np.inf)
    if band_abs is not None:
        band = np.minimum(band, band_abs)
    if band_rel is not None:
        band = np.minimum(band, band_rel * target)
    return np.abs(current - target) > band + 1e-12


class Strategic:
    """Policy weights, rebalanced only when a weight leaves its tolerance band."""

    name: ClassVar[str] = "strategic"
    fallback: ClassVar[str | None] = "equal_weight"
    params: ClassVar[frozenset[str]] = frozenset({"policy", "within", "band_abs", "band_rel"})
    risk_based: ClassVar[bool] = False
    #: a policy may name a CASH line; it is held whatever the cash allowance
    holds_cash: ClassVar[bool] = True
    blends: ClassVar[bool] = False
    benchmark: ClassVar[bool] = False
    uses_current: ClassVar[bool] = True

    def solve(
        self,
        data: SchemeInput,
        policy: Mapping[str, float] | None = None,
        within: str = "equal",
        band_abs: float | None = 0.05,
        band_rel: float | None = 0.25,
        **_: Any,
    ) -> SchemeResult:
        """Return the policy, or the current weights when every drift is inside its band."""
        start = time.perf_counter()
        target, cash = policy_weights(data, policy, within)
        cons = data.constraints
        if cons.current is None:
            out = project(
                replace(data, constraints=replace(cons, cash_max=max(cons.cash_max, cash))),
                target,
                cash,
            )
            return SchemeResult(out.weights, out.cash, timed("policy", start), out.notes)
        now = np.append(cons.current, cons.current_cash)
        outside = breaches(now, np.append(target, cash), band_abs, band_rel)
        if not outside.any():
            note = "every weight is inside its tolerance band: holding current weights"
            return SchemeResult(
                cons.current.copy(), cons.current_cash, timed("bands", start), (note,), hold=True
            )
        names = [*data.symbols, CASH]
        drifted = ", ".join(names[i] for i in np.flatnonzero(outside))
        out = project(
            replace(data, constraints=replace(cons, cash_max=max(cons.cash_max, cash))),
            target,
            cash,
        )
        note = f"rebalanced to policy: outside the band: {drifted}"
        return SchemeResult(out.weights, out.cash, timed("policy", start), (note, *out.notes))
