"""Runs a scheme with its fallback chain and checks what it returns.

Chain (each scheme's `fallback`): max_sharpe -> min_variance ->
inverse_volatility -> equal_weight; risk_parity and hrp -> inverse_volatility;
tactical -> strategic -> equal_weight; dynamic -> equal_weight. A scheme falls
back when it is degenerate for the inputs (e.g. no positive expected excess
return), its solver fails, or its numerics break; infeasible constraints and
invalid parameters are the caller's to fix and are raised, never hidden.
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

import numpy as np

from pas.analytics.allocation.base import Degenerate, Scheme, SchemeInput, project
from pas.analytics.allocation.registry import get_scheme
from pas.analytics.allocation.result import SchemeResult
from pas.core.errors import InvalidInput, OptimizationError, SolverFailed

#: Exceptions that mean "this scheme cannot answer these inputs": fall back.
RECOVERABLE = (
    Degenerate,
    SolverFailed,
    np.linalg.LinAlgError,
    FloatingPointError,
    ValueError,
    ZeroDivisionError,
)


def run_scheme(
    method: str, data: SchemeInput, params: dict[str, Any]
) -> tuple[SchemeResult, str, str | None]:
    """Return (result, the method that produced it, the fallback reason or None)."""
    scheme = get_scheme(method)
    unknown = sorted(set(params) - scheme.params) if params else []
    if unknown:
        raise InvalidInput(
            f"{method} does not take {unknown}; it takes {sorted(scheme.params)}", params=unknown
        )
    reasons: list[str] = []
    while True:
        try:
            with np.errstate(all="ignore"):
                result = scheme.solve(data, **params)
            return checked(result, data, scheme), scheme.name, "; ".join(reasons) or None
        except SolverFailed as exc:
            reason = str(exc)
        except (InvalidInput, OptimizationError):
            raise
        except RECOVERABLE as exc:
            reason = str(exc) or type(exc).__name__
        if scheme.fallback is None:
            raise SolverFailed(f"every fallback failed: {'; '.join([*reasons, reason])}")
        reasons.append(f"{scheme.name} -> {scheme.fallback}: {reason}")
        scheme = get_scheme(scheme.fallback)
        params = {k: v for k, v in params.items() if k in scheme.params}
        data = replace(data, start=None)


def checked(result: SchemeResult, data: SchemeInput, scheme: Scheme) -> SchemeResult:
    """Return the result with rounding cleaned; project it when it breaks a constraint."""
    w, cash = result.weights, float(result.cash)
    if not (np.isfinite(w).all() and math.isfinite(cash)):
        raise Degenerate(f"{scheme.name} produced non-finite weights")
    if result.hold:
        return result  # a hold decision keeps today's weights exactly
    cons = data.constraints
    if scheme.holds_cash:
        cons = replace(cons, cash_max=max(cons.cash_max, 1.0))
    w = np.where(np.abs(w) < 1e-15, 0.0, w)
    w = np.minimum(np.maximum(w, cons.lower), cons.upper)
    total = float(w.sum()) + cash
    if abs(total - 1.0) > 1e-6:
        raise Degenerate(f"{scheme.name} weights sum to {total}")
    w, cash = w / total, cash / total
    if not cons.violations(w, cash):
        return SchemeResult(w, cash, result.solver, result.notes, result.hold, result.active)
    out = project(replace(data, constraints=cons), w, cash)
    if cons.violations(out.weights, out.cash):
        raise SolverFailed(f"{scheme.name}: could not meet the constraints")
    return replace(result, weights=out.weights, cash=out.cash, notes=(*result.notes, *out.notes))
