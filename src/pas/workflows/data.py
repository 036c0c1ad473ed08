"""Use cases: import prices and factors, load the demo, read them back."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from pas.core import limits
from pas.core.errors import DataError, InvalidInput, NotFound
from pas.core.records import SecurityInfo
from pas.data.batches import FactorBatch, PriceBatch
from pas.workflows.ports import Progress, UnitOfWork, no_progress


@dataclass(frozen=True)
class ImportSummary:
    """What an import wrote."""

    source: str
    rows: int
    symbols: tuple[str, ...] = ()
    first_date: dt.date | None = None
    last_date: dt.date | None = None
    frequency: str | None = None
    skipped: bool = False


def import_prices(
    uow: UnitOfWork, batch: PriceBatch, progress: Progress = no_progress
) -> ImportSummary:
    """Upsert a price batch and its securities in one transaction; return what was written."""
    prices = batch.prices
    if prices.empty:
        raise DataError("no prices to import", file=batch.source or None)
    known = {s.symbol for s in batch.securities}
    extra = [SecurityInfo(sym) for sym in batch.symbols if sym not in known]
    total = len(prices)
    progress(0, total, "prices")
    with uow:
        uow.securities.upsert([*batch.securities, *extra])
        rows = uow.prices.upsert(prices, on_batch=lambda done: progress(done, total, "prices"))
        uow.commit()
    dates = pd.to_datetime(prices["date"])
    return ImportSummary(
        batch.source, rows, tuple(batch.symbols), dates.min().date(), dates.max().date()
    )


def import_factors(uow: UnitOfWork, batch: FactorBatch) -> ImportSummary:
    """Upsert a factor batch in one transaction; return what was written."""
    if batch.factors.empty:
        raise DataError("no factor rows to import", file=batch.source or None)
    with uow:
        rows = uow.factors.upsert(batch.factors, batch.frequency)
        uow.commit()
    index = batch.factors.index
    return ImportSummary(
        batch.source, rows, (), index.min().date(), index.max().date(), frequency=batch.frequency
    )


def demo_is_loaded(uow: UnitOfWork, batch: PriceBatch, factors: Sequence[FactorBatch]) -> bool:
    """Return True when every demo series is stored over its full span."""
    dates = pd.to_datetime(batch.prices["date"])
    want = (dates.min().date(), dates.max().date())
    with uow:
        spans = uow.prices.spans()
        stored = {s.symbol for s in uow.securities.list() if s.sector}
        if not all(spans.get(sym) == want for sym in batch.symbols):
            return False
        if not {s.symbol for s in batch.securities} <= stored:
            return False
        for fb in factors:
            have = uow.factors.load(fb.frequency)
            if len(have) < len(fb.factors):
                return False
    return True


def list_securities(uow: UnitOfWork) -> list[SecurityInfo]:
    """Return every security with the span of its prices."""
    with uow:
        return uow.securities.list()


def price_page(
    uow: UnitOfWork,
    symbols: Sequence[str] | None,
    start: dt.date | None,
    end: dt.date | None,
    limit: int = limits.PAGE_DEFAULT,
    after: tuple[str, dt.date] | None = None,
) -> tuple[pd.DataFrame, tuple[str, dt.date] | None]:
    """Return one page of long price rows (ordered by symbol, date) and where the next starts.

    The second value is the (symbol, date) to pass as `after` for the next
    page, or None on the last page. NotFound names unknown symbols.
    """
    check_range(start, end)
    limits.check_page(limit)
    if symbols:
        limits.check_symbols(len(symbols), "the request")
    with uow:
        if symbols:
            unknown = sorted(set(symbols) - set(uow.prices.spans(symbols)))
            if unknown:
                raise NotFound(f"no prices for {', '.join(unknown)}", symbols=unknown)
        rows = uow.prices.page(symbols, start, end, after, limit + 1)
    if len(rows) <= limit:
        return rows, None
    rows = rows.iloc[:limit]
    last = rows.iloc[-1]
    return rows, (str(last["symbol"]), pd.Timestamp(last["date"]).date())


def price_matrix(
    uow: UnitOfWork,
    symbols: Sequence[str] | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> pd.DataFrame:
    """Return adjusted closes, dates x symbols; NotFound names symbols without prices."""
    check_range(start, end)
    with uow:
        wide = uow.prices.wide(symbols, start, end)
    if symbols:
        unknown = sorted(set(symbols) - set(wide.columns))
        if unknown:
            raise NotFound(f"no prices for {', '.join(unknown)}", symbols=unknown)
        wide = wide[list(symbols)]
    return wide


def factor_table(
    uow: UnitOfWork, frequency: str, start: dt.date | None = None, end: dt.date | None = None
) -> pd.DataFrame:
    """Return stored factor returns of one frequency, indexed by date."""
    if frequency not in ("daily", "monthly"):
        raise InvalidInput(f"frequency must be daily or monthly, got {frequency!r}")
    check_range(start, end)
    with uow:
        return uow.factors.load(frequency, start, end)


def check_range(start: dt.date | None, end: dt.date | None) -> None:
    """Raise InvalidInput when end is before start or the range is longer than the limit."""
    limits.check_span(start, end)


def data_versions(uow: UnitOfWork, names: Sequence[str]) -> dict[str, int]:
    """Return name -> version of the stored data of each kind (every write bumps its kind)."""
    with uow:
        return uow.versions.get(names)
