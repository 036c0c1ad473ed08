"""What a loader hands over: validated frames ready for the repositories."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from pas.core.records import SecurityInfo


@dataclass(frozen=True)
class PriceBatch:
    """Daily prices in long form (symbol, date, open, high, low, close, adj_close, volume)."""

    prices: pd.DataFrame
    securities: tuple[SecurityInfo, ...] = field(default_factory=tuple)
    source: str = ""

    @property
    def symbols(self) -> list[str]:
        """Return the distinct symbols in the batch, sorted."""
        return sorted(self.prices["symbol"].unique().tolist()) if len(self.prices) else []


@dataclass(frozen=True)
class FactorBatch:
    """Factor returns in decimals indexed by date; monthly rows are month-end dates."""

    factors: pd.DataFrame
    frequency: str
    source: str = ""
