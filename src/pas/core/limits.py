"""Limits on the parameters that scale a request's work: beyond them a 422, not minutes of CPU.

docs/api.md lists them; each check raises InvalidInput naming the limit.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from pas.core.errors import InvalidInput

#: the largest id of a stored row (strategies, orders, allocations, keys, ledger events...):
#: ids are signed 64-bit integers in every database
MAX_ID = 2**63 - 1
#: characters of a name (sleeve, strategy, key, evaluation run)
MAX_NAME = 64

#: symbols in one request (an allocation or evaluation universe, a regression, a price read)
MAX_SYMBOLS = 500
#: trading days of returns an estimate or a rolling window may see (20 years)
MAX_LOOKBACK = 5_040
#: Newey–West lags of a factor regression
MAX_HAC_LAGS = 60
#: calendar days between `start` and `end` of one request (60 years)
MAX_RANGE_DAYS = 366 * 60
#: scheme decisions x symbols of one evaluation run or update (9 schemes monthly over 30
#: years on 20 stocks is about 65,000; daily rebalancing over the same span about 1.4 million)
MAX_EVALUATION_WORK = 1_000_000
#: background evaluation jobs running at once on one database (more answer 429)
MAX_EVALUATION_JOBS = 2
#: rows of one page of a long collection (`/prices`): the default and the largest allowed
PAGE_DEFAULT = 10_000
PAGE_MAX = 100_000


def _over(what: str, value: int, limit: int, hint: str = "") -> InvalidInput:
    message = f"{what} is {value:,}, above the limit of {limit:,}" + (f": {hint}" if hint else "")
    return InvalidInput(message, limit=limit, given=value)


def check_symbols(count: int, what: str = "the universe") -> None:
    """Raise InvalidInput when a request names more than MAX_SYMBOLS symbols."""
    if count > MAX_SYMBOLS:
        raise _over(f"the number of symbols in {what}", count, MAX_SYMBOLS)


def check_lookback(days: int, what: str = "lookback") -> None:
    """Raise InvalidInput when a window is longer than MAX_LOOKBACK trading days."""
    if days > MAX_LOOKBACK:
        raise _over(f"{what} (trading days)", days, MAX_LOOKBACK)


def check_hac_lags(lags: int | None) -> None:
    """Raise InvalidInput for negative lags or more than MAX_HAC_LAGS."""
    if lags is None:
        return
    if lags < 0:
        raise InvalidInput(f"hac_lags must be >= 0, got {lags}", given=lags)
    if lags > MAX_HAC_LAGS:
        raise _over("hac_lags", lags, MAX_HAC_LAGS)


def check_span(start: dt.date | None, end: dt.date | None) -> None:
    """Raise InvalidInput when end is before start or the range exceeds MAX_RANGE_DAYS."""
    if start and end and end < start:
        raise InvalidInput(f"end {end} is before start {start}", start=str(start), end=str(end))
    if start and end and (end - start).days > MAX_RANGE_DAYS:
        raise _over("the date range (calendar days)", (end - start).days, MAX_RANGE_DAYS)


def check_evaluation_work(decisions: int, symbols: int) -> None:
    """Raise InvalidInput when scheme decisions x symbols exceeds MAX_EVALUATION_WORK."""
    work = decisions * max(symbols, 1)
    if work > MAX_EVALUATION_WORK:
        raise _over(
            f"the evaluation's work ({decisions:,} scheme decisions x {symbols} symbols)",
            work,
            MAX_EVALUATION_WORK,
            "rebalance less often (W, M, Q) or evaluate fewer symbols",
        )


def check_page(limit: int) -> None:
    """Raise InvalidInput for a page size outside 1..PAGE_MAX."""
    if not 1 <= limit <= PAGE_MAX:
        raise InvalidInput(f"limit must be in 1..{PAGE_MAX:,}, got {limit}", limit=PAGE_MAX)


def check_id(value: int, what: str = "id") -> int:
    """Return `value` when it is a stored row's possible id (1..MAX_ID), else raise InvalidInput."""
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_ID:
        raise InvalidInput(f"{what} must be an integer in 1..{MAX_ID}, got {value!r}", given=value)
    return value


def check_name(value: Any, what: str = "name") -> str:
    """Return a name that is 1..MAX_NAME printable characters, not blank, else raise InvalidInput.

    Printable excludes control and format characters (NUL, newlines, right-to-left
    overrides), which would let a name hide or disguise itself in a log or a table.
    """
    if not isinstance(value, str):
        raise InvalidInput(f"{what} must be text, got {type(value).__name__}")
    if not value.strip():
        raise InvalidInput(f"{what} must not be blank")
    if len(value) > MAX_NAME:
        raise _over(f"the length of {what}", len(value), MAX_NAME)
    if not value.isprintable():
        bad = sorted({f"U+{ord(ch):04X}" for ch in value if not ch.isprintable()})
        raise InvalidInput(
            f"{what} may hold printable characters only; found {', '.join(bad)}", characters=bad
        )
    return value


def check_finite(value: float, what: str) -> float:
    """Return `value` when it is a finite number, else raise InvalidInput (NaN, Infinity)."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InvalidInput(f"{what} must be a finite number, got {value!r}")
    return float(value)
