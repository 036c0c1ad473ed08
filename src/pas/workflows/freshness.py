"""Use case: how old the stored prices and factors are, in business days."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np

from pas.workflows.ports import UnitOfWork


def business_days_after(last: dt.date | None, today: dt.date) -> int | None:
    """Return the weekdays after `last` up to and including `today` (None when never loaded)."""
    if last is None:
        return None
    if last >= today:
        return 0
    return int(np.busday_count(last + dt.timedelta(days=1), today + dt.timedelta(days=1)))


@dataclass(frozen=True)
class Freshness:
    """The newest stored price and factor dates, their age, and whether either is stale."""

    today: dt.date
    prices_last: dt.date | None
    factors_last: dt.date | None
    threshold: int

    @property
    def prices_age(self) -> int | None:
        """Return the prices' age in business days."""
        return business_days_after(self.prices_last, self.today)

    @property
    def factors_age(self) -> int | None:
        """Return the factors' age in business days."""
        return business_days_after(self.factors_last, self.today)

    @property
    def stale(self) -> bool:
        """Return True when prices or factors are missing or older than the threshold."""
        ages = (self.prices_age, self.factors_age)
        return any(a is None or a > self.threshold for a in ages)

    def message(self) -> str:
        """Return one line naming what is stale."""
        parts = []
        for what, last, age in (
            ("prices", self.prices_last, self.prices_age),
            ("factors", self.factors_last, self.factors_age),
        ):
            if age is None:
                parts.append(f"no {what} stored")
            elif age > self.threshold:
                parts.append(f"{what} end {last} ({age} business days old)")
        limit = f"more than {self.threshold} business days is stale"
        return f"stale data: {'; '.join(parts)} ({limit})" if parts else "data is current"

    def as_json(self) -> dict[str, Any]:
        """Return the freshness as the API shows it."""
        return {
            "today": self.today.isoformat(),
            "prices_last_date": _iso(self.prices_last),
            "factors_last_date": _iso(self.factors_last),
            "prices_age_business_days": self.prices_age,
            "factors_age_business_days": self.factors_age,
            "stale_after_business_days": self.threshold,
            "stale": self.stale,
        }


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day is not None else None


def freshness(uow: UnitOfWork, today: dt.date, threshold: int) -> Freshness:
    """Return the freshness of the stored prices and daily factors on `today`."""
    with uow:
        spans = uow.prices.spans()
        factors = uow.factors.load("daily")
    prices_last = max((last for _, last in spans.values()), default=None)
    factors_last = factors.index.max().date() if len(factors) else None
    return Freshness(today, prices_last, factors_last, threshold)
