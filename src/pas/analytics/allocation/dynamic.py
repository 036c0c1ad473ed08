"""Dynamic allocation: blend other schemes by trailing performance, then target volatility.

The components are the risk-based schemes that do not blend (registry.
`components_of`). At the decision date each component scheme's trailing daily returns
(`histories`, dates x scheme names, out of sample, before the decision date)
give its Sharpe ratio over the last `trailing_days` days (excess of r_f, x √252).
The `top_k` components with a positive Sharpe are blended with weights ∝
Sharpe (an equal blend of all components when none is positive or no history
is given). The blend is then scaled to `target_volatility` (ex ante, from the
covariance; never levered above 1) and the rest is held in CASH.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from pas.analytics.allocation.base import SchemeInput, timed
from pas.analytics.allocation.result import SchemeResult
from pas.core.errors import InvalidInput

TRADING_DAYS = 252


def trailing_sharpe(
    histories: pd.DataFrame,
    components: Sequence[str],
    lookback: int,
    risk_free: float,
    min_obs: int,
) -> dict[str, float]:
    """Return component -> annualised Sharpe of its last `lookback` daily returns (enough data only)."""
    out = {}
    for name in components:
        if name not in histories:
            continue
        r = histories[name].to_numpy(dtype=float)
        r = r[~np.isnan(r)][-lookback:]
        sd = float(r.std(ddof=1)) if len(r) > 1 else 0.0
        if len(r) >= min_obs and sd > 0:
            out[name] = (float(r.mean()) - risk_free / TRADING_DAYS) / sd * np.sqrt(TRADING_DAYS)
    return out


def blend_weights(
    sharpes: Mapping[str, float], components: Sequence[str], top_k: int
) -> tuple[dict[str, float], str]:
    """Return component -> blend weight and a note saying how it was chosen."""
    positive = sorted(((s, n) for n, s in sharpes.items() if s > 0), reverse=True)[:top_k]
    if not positive:
        why = (
            "no trailing histories given"
            if not sharpes
            else "no component has a positive trailing Sharpe"
        )
        return {n: 1.0 / len(components) for n in components}, f"{why}: equal blend"
    total = sum(s for s, _ in positive)
    chosen = {n: s / total for s, n in positive}
    return chosen, "blend ∝ trailing Sharpe: " + ", ".join(
        f"{n} {w:.3f}" for n, w in chosen.items()
    )


class Dynamic:
    """A Sharpe-weighted blend of the best recent schemes, scaled to a volatility target."""

    name: ClassVar[str] = "dynamic"
    fallback: ClassVar[str | None] = "equal_weight"
    params: ClassVar[frozenset[str]] = frozenset(
        {
            "components",
            "histories",
            "trailing_days",
            "top_k",
            "target_volatility",
            "min_obs",
            "component_weights",
        }
    )
    risk_based: ClassVar[bool] = True
    holds_cash: ClassVar[bool] = True
    blends: ClassVar[bool] = True
    benchmark: ClassVar[bool] = False
    uses_current: ClassVar[bool] = False

    def solve(
        self,
        data: SchemeInput,
        components: Sequence[str] | None = None,
        histories: pd.DataFrame | None = None,
        trailing_days: int = 126,
        top_k: int = 3,
        target_volatility: float | None = 0.10,
        min_obs: int = 20,
        component_weights: Mapping[str, Mapping[str, float]] | None = None,
        **_: Any,
    ) -> SchemeResult:
        """Return the blended, volatility-targeted weights (the rest in CASH)."""
        from pas.analytics.allocation.registry import SCHEMES, components_of

        components = components_of() if components is None else tuple(components)
        unknown = [c for c in components if c not in SCHEMES or SCHEMES[c].blends]
        if unknown or top_k < 1 or trailing_days < 2:
            raise InvalidInput(f"dynamic: bad components {unknown} or top_k/trailing_days")
        start = time.perf_counter()
        dates = None if data.returns is None else data.returns.dates
        if (
            histories is not None
            and dates is not None
            and len(dates)
            and isinstance(histories.index, pd.DatetimeIndex)
        ):
            # never read a component's performance after the decision date
            histories = histories.loc[: dates[-1]]
        sharpes = (
            {}
            if histories is None
            else trailing_sharpe(histories, components, trailing_days, data.risk_free, min_obs)
        )
        chosen, note = blend_weights(sharpes, components, top_k)
        w, cash = np.zeros(data.n), 0.0
        for name, share in chosen.items():
            cw, cc = self._component(data, name, component_weights)
            w += share * cw
            cash += share * cc
        notes = [note]
        vol = float(np.sqrt(max(w @ data.cov @ w, 0.0)))
        if target_volatility is not None and vol > target_volatility:
            scale = target_volatility / vol
            notes.append(f"scaled by {scale:.4f} to the {target_volatility:.2%} volatility target")
            w, cash = w * scale, 1.0 - scale * float(w.sum())
        return SchemeResult(w, cash, timed("blend", start, len(chosen)), tuple(notes))

    @staticmethod
    def _component(
        data: SchemeInput, name: str, given: Mapping[str, Mapping[str, float]] | None
    ) -> tuple[np.ndarray, float]:
        if given is not None and name in given:
            weights = given[name]
            return np.array([float(weights.get(s, 0.0)) for s in data.symbols]), float(
                weights.get("CASH", 0.0)
            )
        from pas.analytics.allocation.engine import run_scheme

        result, _, _ = run_scheme(name, data, {})
        return result.weights, result.cash
