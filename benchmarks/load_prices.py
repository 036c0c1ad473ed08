"""Bulk price load into MariaDB: 20 years x 500 symbols of daily prices (2.52M rows).

Loads the same synthetic long frame through PAS's import workflow twice into a
fresh database: once on the LOAD DATA path PAS takes for big batches on
MariaDB, once forced onto the multi-row INSERT .. ON DUPLICATE KEY UPDATE
path, then re-loads (upsert over existing rows). Prints times and ratios.

    .venv/bin/python benchmarks/load_prices.py [--url mysql+pymysql://root@127.0.0.1:3306/test]
"""

from __future__ import annotations

import argparse
import time
import uuid

import numpy as np
import pandas as pd
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from pas.bootstrap import Container
from pas.config import Settings
from pas.data.batches import PriceBatch
from pas.database.repositories import prices as price_repo
from pas.workflows.data import import_prices


def synthetic(n_symbols: int, n_days: int, seed: int = 7) -> pd.DataFrame:
    """Return a long OHLCV frame of geometric random walks."""
    rng = np.random.default_rng(seed)
    dates = pd.bdate_range("2004-01-02", periods=n_days)
    close = 50 * np.exp(np.cumsum(rng.normal(0.0003, 0.02, size=(n_days, n_symbols)), axis=0))
    symbols = [f"S{i:03d}" for i in range(n_symbols)]
    frame = pd.DataFrame(
        {
            "symbol": np.repeat(symbols, n_days),
            "date": np.tile(dates.to_numpy(), n_symbols),
            "close": close.T.ravel(),
        }
    )
    frame["open"] = frame["close"] * 0.999
    frame["high"] = frame["close"] * 1.01
    frame["low"] = frame["close"] * 0.99
    frame["adj_close"] = frame["close"]
    frame["volume"] = rng.integers(1_000, 10_000_000, size=len(frame))
    return frame


def timed_load(
    server_url: str, frame: pd.DataFrame, *, force_insert: bool, twice: bool
) -> list[float]:
    """Load `frame` into a fresh database (twice when asked); return the seconds of each load."""
    name = f"pas_bench_{uuid.uuid4().hex[:6]}"
    admin = create_engine(server_url)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE DATABASE `{name}`"))
    url = make_url(server_url).set(database=name).render_as_string(hide_password=False)
    container = Container(Settings(database={"url": url}))  # type: ignore[arg-type]
    saved = price_repo.LOAD_DATA_MIN_ROWS
    try:
        container.init_schema()
        if force_insert:
            price_repo.LOAD_DATA_MIN_ROWS = 10**12
        times = []
        for _ in range(2 if twice else 1):
            start = time.perf_counter()
            import_prices(container.uow(), PriceBatch(frame, source="synthetic"))
            times.append(time.perf_counter() - start)
        with container.engine.connect() as conn:
            count = conn.execute(text("SELECT COUNT(*) FROM prices")).scalar_one()
        assert count == len(frame), (count, len(frame))
        return times
    finally:
        price_repo.LOAD_DATA_MIN_ROWS = saved
        container.close()
        with admin.begin() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS `{name}`"))
        admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--url", default="mysql+pymysql://root@127.0.0.1:3306/test")
    parser.add_argument("--symbols", type=int, default=500)
    parser.add_argument("--days", type=int, default=5040)
    args = parser.parse_args()
    frame = synthetic(args.symbols, args.days)
    rows = len(frame)
    print(f"{rows:,} rows ({args.symbols} symbols x {args.days} days) into MariaDB")
    fast = timed_load(args.url, frame, force_insert=False, twice=True)
    slow = timed_load(args.url, frame, force_insert=True, twice=False)
    print(f"{'path':<44}{'seconds':>10}{'rows/s':>14}")
    for label, secs in (
        ("PAS (LOAD DATA .. REPLACE), empty table", fast[0]),
        ("PAS (LOAD DATA .. REPLACE), upsert over all", fast[1]),
        ("multi-row INSERT .. ON DUPLICATE KEY UPDATE", slow[0]),
    ):
        print(f"{label:<44}{secs:>10.1f}{rows / secs:>14,.0f}")
    print(f"speed-up of the LOAD DATA path over multi-row INSERT: {slow[0] / fast[0]:.1f}x")


if __name__ == "__main__":
    main()
