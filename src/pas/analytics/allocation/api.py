"""`pas.allocate`: prices or returns in, a frozen Allocation out (pure: no I/O, no clock).

Pandas at the edges, arrays inside: `window_of` cuts the frame into arrays,
`estimate` cleans and estimates, `decide` runs the scheme, `build_allocation`
shapes the answer. The walk-forward and the live workflows run the same
three steps.
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping
from typing import Any

import pandas as pd

from pas.analytics.allocation.estimate import Estimate, estimate
from pas.analytics.allocation.pipeline import decide
from pas.analytics.allocation.registry import get_scheme
from pas.analytics.allocation.result import Allocation
from pas.analytics.allocation.spec import AllocationSpec
from pas.analytics.allocation.summary import build_allocation
from pas.analytics.allocation.window import window_of


def allocate(
    prices: pd.DataFrame | None = None,
    *,
    returns: pd.DataFrame | None = None,
    spec: AllocationSpec | None = None,
    factors: pd.DataFrame | None = None,
    sectors: Mapping[str, str] | None = None,
    as_of: Any = None,
    current_weights: Mapping[str, float] | None = None,
    estimates: MutableMapping[Any, Estimate] | None = None,
    **options: Any,
) -> Allocation:
    """Return the Allocation of `spec` over daily prices or returns (dates x symbols).

    `spec` defaults to `AllocationSpec()` (max-Sharpe, the last 756 returns,
    ff3 expected returns with factors and historical without, Ledoit-Wolf,
    long-only); `options` override its fields by name (`method="risk_parity"`,
    `lookback=None` for all history) and anything else is a scheme parameter
    (`budgets=...`). `factors` (daily, dates x mkt_rf/smb/hml/rf) feed the
    factor estimators and the betas; `sectors` map symbols to sectors (caps,
    policies); `as_of` cuts the data at a decision date; `current_weights`
    (with CASH) feed turnover limits, costs and strategic bands. Too little
    data is an InsufficientData error. A caller that allocates several times
    on the same data may pass a dict as `estimates`: allocations with the
    same estimator settings then share one Estimate. See docs/allocation.md.
    """
    spec = AllocationSpec.of(spec, **options)
    risk_based = get_scheme(spec.method).risk_based
    key = (spec.lookback, spec.expected_returns, spec.covariance, spec.risk_free, risk_based)
    est = None if estimates is None else estimates.get((*key, str(as_of)))
    if est is None:
        est = estimate(
            window_of(prices, returns, as_of, spec.lookback),
            risk_based=risk_based,
            factors=factors,
            expected_returns=spec.expected_returns,
            covariance=spec.covariance,
            risk_free=spec.risk_free,
        )
        if estimates is not None:
            estimates[(*key, str(as_of))] = est
    decision = decide(est, spec, current_weights=current_weights, sectors=sectors)
    frame = prices if prices is not None else returns
    assert frame is not None
    symbols = frame.columns if frame.columns.inferred_type == "string" else None
    record = parameter_record(spec, sectors, current_weights, as_of, factors)
    return build_allocation(
        decision,
        symbols if symbols is not None else pd.Index(est.window.labels),
        record=record,
        sectors=sectors,
    )


def parameter_record(
    spec: AllocationSpec,
    sectors: Mapping[str, str] | None,
    current_weights: Mapping[str, float] | None,
    as_of: Any,
    factors: pd.DataFrame | None,
) -> dict[str, Any]:
    """Return the parameters an Allocation records and hashes: the spec and the inputs beside it."""
    fields = spec.fields_dict()
    params = fields.pop("params")
    fields.pop("method")
    return {
        **fields,
        "sectors": sectors,
        "current_weights": current_weights,
        "as_of": None if as_of is None else str(as_of),
        "factors": factors,
        **params,
    }
