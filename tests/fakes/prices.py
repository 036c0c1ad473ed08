"""Synthetic daily prices stored through the repository, for order-routing tests."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from pas.bootstrap import Container
from pas.core.records import SecurityInfo


def store_prices(c: Container, closes: dict[str, float], days: int = 300) -> None:
    """Store each symbol (a securities row, as an import makes) and `days` of random-walk
    prices, the last one exactly `closes[symbol]`."""
    rng = np.random.default_rng(7)
    dates = pd.bdate_range(end=dt.date(2024, 6, 28), periods=days)
    frames = []
    for sym, last in closes.items():
        path = np.exp(np.cumsum(rng.normal(0, 0.01, days)))
        path = (path / path[-1] * last).round(4)
        frames.append(
            pd.DataFrame({"symbol": sym, "date": dates.date, "close": path, "adj_close": path})
        )
    with c.uow() as uow:
        uow.securities.upsert(SecurityInfo(symbol) for symbol in closes)
        uow.prices.upsert(pd.concat(frames, ignore_index=True))
        uow.commit()
