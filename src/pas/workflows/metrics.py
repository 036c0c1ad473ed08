"""Use case: aggregate daily metrics per sleeve and for the account into `metrics_daily`.

Every run recomputes the whole history from the journal, the stored prices
and factors, and replaces the stored rows in one transaction: a rerun (after
a crash, or twice on one day) stores the same result.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
import pandas as pd

from pas.analytics.daily_metrics import BookMetrics, book_metrics
from pas.analytics.factors import rolling_betas
from pas.analytics.returns import simple_returns
from pas.core.errors import PasError
from pas.core.metrics import MetricsRow
from pas.workflows.books import Books, calendar, journal, replay_books
from pas.workflows.freshness import business_days_after
from pas.workflows.ports import Ledger, UnitOfWork
from pas.workflows.updater_ports import MetricsStore

#: trailing trading days of each symbol's factor regression
BETA_WINDOW = 252
FACTORS = {"beta_mkt": "mkt_rf", "beta_smb": "smb", "beta_hml": "hml"}


@dataclass(frozen=True)
class MarketData:
    """Closes on the metric days (carried forward) and what else the books are valued with."""

    closes: pd.DataFrame
    prices_last: dt.date | None  # the newest stored close of any symbol
    factor_dates: pd.Series  # the newest factor date on or before each metric day
    sectors: Mapping[str, str | None]
    betas: dict[str, pd.DataFrame]


def _before(day: dt.date, days: int) -> dt.date:
    return day - dt.timedelta(days=days)


def market_data(uow: UnitOfWork, symbols: Sequence[str], days: pd.DatetimeIndex) -> MarketData:
    """Return closes (carried forward onto `days`), sectors and rolling FF3 betas."""
    start, end = days[0].date(), days[-1].date()
    with uow:
        spans = uow.prices.spans()
        prices_last = max((last for _, last in spans.values()), default=None)
        factors = uow.factors.load("daily", None, end)
        factors_last = factors.index.max().date() if len(factors) else start
        # from a year and more before the first day (or the newest data, if older): the
        # closes to carry forward and the window of the first betas
        since = _before(min(start, prices_last or start, factors_last), 400)
        factors = factors[pd.DatetimeIndex(factors.index) >= pd.Timestamp(since)]
        wide = uow.prices.wide(list(symbols), since, end) if symbols else None
        sectors = uow.securities.sectors()
    closes = pd.DataFrame(index=days, columns=list(symbols), dtype=float)
    betas: dict[str, pd.DataFrame] = {}
    if wide is not None and not wide.empty:
        wide.index = pd.DatetimeIndex(wide.index)
        closes = wide.reindex(wide.index.union(days)).ffill().reindex(days)
        betas = _betas(wide, factors, days)
    index = pd.DatetimeIndex(factors.index) if len(factors) else pd.DatetimeIndex([])
    factor_days = pd.Series(index, index=index).reindex(index.union(days)).ffill().reindex(days)
    return MarketData(closes, prices_last, factor_days, sectors, betas)


def _betas(
    wide: pd.DataFrame, factors: pd.DataFrame, days: pd.DatetimeIndex
) -> dict[str, pd.DataFrame]:
    """Return factor -> days x symbols betas of the trailing window ending on or before each day."""
    if factors.empty or len(wide) <= BETA_WINDOW:
        return {}
    factors = factors.copy()
    factors.index = pd.DatetimeIndex(factors.index)
    try:
        tidy = rolling_betas(simple_returns(wide), factors, window=BETA_WINDOW)
    except PasError:  # too little overlap of prices and factors: no betas, not a failure
        return {}
    out = {}
    for column, name in FACTORS.items():
        frame = tidy.pivot(index="date", columns="symbol", values=column)
        frame.index = pd.DatetimeIndex(frame.index)
        out[name] = frame.reindex(frame.index.union(days)).ffill().reindex(days)
    return out


def compute_metrics(
    ledger: Ledger, uow: UnitOfWork, today: dt.date, stale_after: int
) -> list[MetricsRow]:
    """Return every sleeve's and the account's metrics for each day from the first ledger event."""
    events = list(journal(ledger))
    if not events:
        return []
    first = events[0].at.date()
    end = max(today, events[-1].at.date())
    with uow:
        stored = uow.prices.wide(None, first, end)
    days = calendar([d.date() for d in pd.DatetimeIndex(stored.index)], first, end)
    books = replay_books(events, days)
    data = market_data(uow, books.symbols, days)
    return [row for sid in sorted(books.books) for row in _rows(books, sid, data, stale_after)]


def _rows(books: Books, sleeve_id: int, data: MarketData, stale_after: int) -> list[MetricsRow]:
    book = books.books[sleeve_id]
    closes = data.closes.reindex(columns=list(book.qty.columns))
    metrics = book_metrics(book, closes, data.sectors, data.betas)
    stale = _stale(book.dates, data, stale_after)
    first = int(np.argmax(book.flows != 0)) if (book.flows != 0).any() else len(book.dates)
    return [
        _row(sleeve_id, books.names[sleeve_id], metrics, i, bool(stale[i]))
        for i in range(first, len(book.dates))
    ]


def _stale(days: pd.DatetimeIndex, data: MarketData, stale_after: int) -> np.ndarray:
    """Return per day: True when the prices or factors behind it are older than allowed."""
    out = np.zeros(len(days), dtype=bool)
    for i, day in enumerate(days):
        d = day.date()
        used_price = None if data.prices_last is None else min(d, data.prices_last)
        known = data.factor_dates.iloc[i]
        used_factor = None if pd.isna(known) else pd.Timestamp(known).date()
        ages = (business_days_after(used_price, d), business_days_after(used_factor, d))
        out[i] = any(a is None or a > stale_after for a in ages)
    return out


def _num(value: float) -> float | None:
    return None if value is None or not math.isfinite(value) else float(value)


def _row(sleeve_id: int, name: str, m: BookMetrics, i: int, stale: bool) -> MetricsRow:
    f = m.frame.iloc[i]
    weights = {str(s): round(float(w), 10) for s, w in m.weights.iloc[i].items() if w and w == w}
    sectors = {str(s): round(float(w), 10) for s, w in m.sectors.iloc[i].items() if w and w == w}
    betas = {str(k): _num(v) for k, v in m.betas.iloc[i].items()} if len(m.betas.columns) else {}
    return MetricsRow(
        sleeve_id=sleeve_id,
        name=name,
        date=m.frame.index[i].date(),
        equity=Decimal(str(round(float(f["equity"]), 6))),
        cash=Decimal(str(round(float(f["cash"]), 6))),
        flow=Decimal(str(round(float(f["flow"]), 6))),
        daily_return=_num(f["daily_return"]),
        cumulative_return=_num(f["cumulative_return"]),
        gross_exposure=_num(f["gross_exposure"]),
        net_exposure=_num(f["net_exposure"]),
        volatility_annual=_num(f["volatility_annual"]),
        drawdown=_num(f["drawdown"]),
        var_95=_num(f["var_95"]),
        sector_weights=sectors,
        factor_betas=betas,
        weights=weights,
        stale=stale,
    )


def aggregate_metrics(
    ledger: Ledger, uow: UnitOfWork, store: MetricsStore, today: dt.date, stale_after: int
) -> list[MetricsRow]:
    """Compute and store every day's metrics; return the newest row of each sleeve."""
    rows = compute_metrics(ledger, uow, today, stale_after)
    store.replace(rows)
    newest: dict[int, MetricsRow] = {}
    for row in rows:
        newest[row.sleeve_id] = row
    return [newest[k] for k in sorted(newest)]
