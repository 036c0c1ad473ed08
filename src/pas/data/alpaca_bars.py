"""Daily bars from Alpaca's market data API through alpaca-py's StockHistoricalDataClient."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd

from pas.core.errors import DataError
from pas.data.batches import PriceBatch

NEW_YORK = ZoneInfo("America/New_York")
CHUNK = 50


def fetch_daily_bars(
    client: Any,
    symbols: Sequence[str],
    start: dt.date,
    end: dt.date | None = None,
    *,
    feed: str = "iex",
    on_chunk: Callable[[int, int], None] | None = None,
) -> PriceBatch:
    """Return split- and dividend-adjusted daily bars for `symbols` from start to end inclusive.

    `client` is a `StockHistoricalDataClient`; the SDK follows `next_page_token`
    itself. Symbols go in chunks of 50, each chunk reported to `on_chunk(done, total)`.
    """
    from alpaca.common.exceptions import APIError
    from alpaca.data.enums import Adjustment, DataFeed
    from alpaca.data.requests import StockBarsRequest
    from alpaca.data.timeframe import TimeFrame

    if end is not None and end < start:
        raise DataError(f"end {end} is before start {start}")
    symbols = [s.upper() for s in symbols]
    frames = []
    for i in range(0, len(symbols), CHUNK):
        chunk = symbols[i : i + CHUNK]
        request = StockBarsRequest(
            symbol_or_symbols=chunk,
            timeframe=TimeFrame.Day,
            start=dt.datetime.combine(start, dt.time(), tzinfo=NEW_YORK),
            # bars are stamped at midnight New York: an end at midnight UTC would drop `end`'s bar
            end=dt.datetime.combine(end, dt.time(23, 59, 59), tzinfo=NEW_YORK) if end else None,
            adjustment=Adjustment.ALL,
            feed=DataFeed(feed),
        )
        try:
            response = client.get_stock_bars(request)
        except APIError as exc:
            raise DataError(
                f"Alpaca refused the bars request: HTTP {exc.status_code} {_message(exc)}"
            ) from None
        frames.append(_frame(response.data))
        if on_chunk:
            on_chunk(min(i + CHUNK, len(symbols)), len(symbols))
    prices = pd.concat(frames, ignore_index=True) if frames else _frame({})
    dates = prices["date"].dt.date
    prices = prices[(dates >= start) & ((dates <= end) if end else True)]
    missing = sorted(set(symbols) - set(prices["symbol"]))
    if missing:
        raise DataError(f"Alpaca returned no bars for {missing} between {start} and {end or 'now'}")
    return PriceBatch(
        prices=prices.sort_values(["symbol", "date"], ignore_index=True), source="alpaca"
    )


def _frame(data: dict[str, list[Any]]) -> pd.DataFrame:
    rows = [
        (
            symbol,
            bar.timestamp.astimezone(NEW_YORK).date(),
            bar.open,
            bar.high,
            bar.low,
            bar.close,
            bar.volume,
        )
        for symbol, bars in data.items()
        for bar in bars
    ]
    frame = pd.DataFrame(rows, columns=["symbol", "date", "open", "high", "low", "close", "volume"])
    frame["date"] = pd.to_datetime(frame["date"])
    frame["adj_close"] = frame["close"]
    bad = frame[~(frame[["open", "high", "low", "close"]] > 0).all(axis=1)]
    if len(bad):
        row = bad.iloc[0]
        raise DataError(f"non-positive price in the {row['symbol']} bar of {row['date'].date()}")
    return frame


def _message(exc: Any) -> str:
    try:
        return str(exc.message)
    except Exception:  # a non-JSON body (e.g. an HTML 502) has no message
        return ""
