"""The bundled real demo dataset (see docs/data.md for sources and licences)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pandas as pd

from pas.data.batches import FactorBatch, PriceBatch
from pas.data.csv_prices import read_prices_csv, read_securities_csv

DEMO_PACKAGE = "pas.data"
INDEX_SYMBOL = "SP500"


def demo_path(name: str) -> Path:
    """Return the path of a bundled demo file."""
    return Path(str(resources.files(DEMO_PACKAGE).joinpath("demo", name)))


def demo_prices() -> PriceBatch:
    """Return the 20 demo stocks and the S&P 500 index with their securities."""
    batch = read_prices_csv(demo_path("prices_daily.csv.gz"))
    securities = read_securities_csv(demo_path("securities.csv"))
    return PriceBatch(prices=batch.prices, securities=securities, source="demo")


def demo_factors() -> list[FactorBatch]:
    """Return the bundled Fama–French factors, daily (1970-2021) and monthly (1926-2018)."""
    daily = pd.read_csv(
        demo_path("ff_factors_daily.csv.gz"), parse_dates=["date"], index_col="date"
    )
    monthly = pd.read_csv(demo_path("ff_factors_monthly.csv.gz"), index_col="date")
    monthly.index = pd.DatetimeIndex(
        pd.PeriodIndex(monthly.index, freq="M").to_timestamp(how="end").normalize(), name="date"
    )
    return [
        FactorBatch(daily.astype(float), "daily", "demo"),
        FactorBatch(monthly.astype(float), "monthly", "demo"),
    ]
