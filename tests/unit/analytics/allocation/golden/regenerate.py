"""Write the golden demo allocations (one JSON per scheme). Run only on purpose:

    PYTHONPATH=src python -m tests.unit.analytics.allocation.golden.regenerate

The inputs: the bundled demo data, as of 2021-12-31, 756 trading days,
default estimators (ff3 with the daily demo factors, Ledoit–Wolf), sectors.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from pas.analytics.allocation import SCHEMES, Allocation, allocate
from pas.data.demo import demo_factors, demo_prices

HERE = Path(__file__).parent
AS_OF = "2021-12-31"
LOOKBACK = 756


def demo_inputs() -> tuple[pd.DataFrame, pd.DataFrame, dict[str, str]]:
    """Return (demo prices of the 20 stocks, daily factors, sectors)."""
    batch = demo_prices()
    wide = batch.prices.pivot(index="date", columns="symbol", values="adj_close")
    wide.index = pd.DatetimeIndex(wide.index)
    wide.columns.name = None
    factors = demo_factors()[0].factors
    sectors = {s.symbol: s.sector for s in batch.securities if s.sector}
    return wide.drop(columns="SP500").astype(float), factors, sectors


def golden(method: str) -> Allocation:
    """Return today's demo allocation of `method`."""
    prices, factors, sectors = demo_inputs()
    return allocate(
        prices, method=method, factors=factors, sectors=sectors, as_of=AS_OF, lookback=LOOKBACK
    )


def record(a: Allocation) -> dict[str, Any]:
    """Return the pinned fields of an allocation."""
    out = a.to_dict()
    keep = (
        "method",
        "as_of",
        "weights",
        "expected_return",
        "volatility",
        "sharpe",
        "fallback",
        "inputs_hash",
        "estimators",
        "notes",
    )
    return {k: out[k] for k in keep}


def main() -> None:
    """Rewrite every golden file."""
    for method in SCHEMES:
        path = HERE / f"{method}.json"
        path.write_text(json.dumps(record(golden(method)), indent=2, sort_keys=True) + "\n")
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
