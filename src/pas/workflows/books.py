"""End-of-day books of every sleeve and of the account, replayed from the ledger journal.

The journal is the truth: replaying it through the ledger's one replay rule
gives each sleeve's cash and positions at the end of every day, so metrics
for a past day never depend on when they were computed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from pas.analytics.daily_metrics import Book
from pas.core.ledger import LedgerEvent, parse
from pas.core.ledger_state import LedgerState, apply
from pas.core.metrics import ACCOUNT
from pas.workflows.ports import Ledger

SCALE = 1_000_000.0
PAGE = 1000


def journal(ledger: Ledger) -> Iterator[LedgerEvent]:
    """Yield every journaled event in sequence order."""
    since = 0
    while True:
        page = ledger.events(since, PAGE)
        yield from page
        if len(page) < PAGE:
            return
        since = page[-1].seq


def calendar(price_dates: Sequence[dt.date], start: dt.date, end: dt.date) -> pd.DatetimeIndex:
    """Return the days metrics are computed for: stored trading dates from start to end,
    then weekdays after the last stored date (data not yet loaded; flagged stale)."""
    known = sorted(d for d in set(price_dates) if start <= d <= end)
    after = max(price_dates, default=start - dt.timedelta(days=1))
    after = max(after, start - dt.timedelta(days=1))
    extra = pd.bdate_range(after + dt.timedelta(days=1), end) if after < end else []
    days = pd.DatetimeIndex(sorted({*pd.to_datetime(known), *pd.DatetimeIndex(extra)}))
    return days if len(days) else pd.DatetimeIndex([pd.Timestamp(end)])


@dataclass(frozen=True)
class Books:
    """Each sleeve's book (and the account's, under ACCOUNT) with its name."""

    names: dict[int, str]
    books: dict[int, Book]

    @property
    def symbols(self) -> list[str]:
        """Return every symbol any book held on any day."""
        return sorted({str(s) for b in self.books.values() for s in b.qty.columns})


def _flows(event: LedgerEvent) -> dict[int, float]:
    """Return sleeve -> cash the event moved into it from outside it (micro-units)."""
    d = event.data
    if event.kind == "sleeve_created":
        cash = parse(d["cash"])
        return {int(d["sleeve"]): cash, ACCOUNT: cash}
    if event.kind == "transferred":
        amount = parse(d["amount"])
        out: dict[int, float] = {}
        if d.get("from"):
            out[int(d["from"])] = -amount
        if d.get("to"):
            out[int(d["to"])] = out.get(int(d["to"]), 0) + amount
        if not d.get("from") or not d.get("to"):
            out[ACCOUNT] = amount if d.get("to") else -amount
        return out
    return {}


def replay_books(events: Iterable[LedgerEvent], dates: pd.DatetimeIndex) -> Books:
    """Return the books at the end of each of `dates`; the last day takes every later event too
    (a weekend's events belong to the newest row until the next weekday has one)."""
    state = LedgerState()
    rows: dict[int, list[tuple[float, float, dict[str, float]]]] = {}
    pending = iter(events)
    event = next(pending, None)
    for i, day in enumerate(dates):
        flows: dict[int, float] = {}
        last = i == len(dates) - 1
        while event is not None and (last or event.at.date() <= day.date()):
            apply(state, event)
            for sleeve, amount in _flows(event).items():
                flows[sleeve] = flows.get(sleeve, 0) + amount
            event = next(pending, None)
        _snapshot(state, flows, rows)
    names = {sid: row.name for sid, row in state.sleeves.items()} | {ACCOUNT: "account"}
    return Books(names, {sid: _book(dates, rows[sid]) for sid in rows})


def _snapshot(
    state: LedgerState,
    flows: dict[int, float],
    rows: dict[int, list[tuple[float, float, dict[str, float]]]],
) -> None:
    held: dict[int, dict[str, float]] = {}
    for (sid, symbol), pos in state.positions.items():
        held.setdefault(sid, {})[symbol] = pos.qty / SCALE
    account: dict[str, float] = {}
    for sid, row in state.sleeves.items():
        qty = held.get(sid, {})
        for symbol, q in qty.items():
            account[symbol] = account.get(symbol, 0.0) + q
        rows.setdefault(sid, []).append((row.cash / SCALE, flows.get(sid, 0) / SCALE, qty))
    rows.setdefault(ACCOUNT, []).append(
        (state.cash / SCALE, flows.get(ACCOUNT, 0) / SCALE, account)
    )


def _book(dates: pd.DatetimeIndex, rows: list[tuple[float, float, dict[str, float]]]) -> Book:
    # a sleeve created after the first day has no rows before it: pad with empty days
    pad = len(dates) - len(rows)
    cash = np.array([0.0] * pad + [r[0] for r in rows])
    flows = np.array([0.0] * pad + [r[1] for r in rows])
    qty = pd.DataFrame([{}] * pad + [r[2] for r in rows], index=dates).fillna(0.0)
    return Book(dates, cash, flows, qty)
