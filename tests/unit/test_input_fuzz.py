"""Arbitrary input to the importers and to `allocate` gives a result or a typed PAS error, never
an unexpected exception (Hypothesis, derandomized)."""

from __future__ import annotations

import math
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pas.analytics.allocation import allocate
from pas.analytics.allocation.registry import SCHEMES
from pas.core.errors import PasError
from pas.data.csv_prices import read_prices_csv
from pas.data.ken_french import parse_ken_french

FUZZ = settings(
    max_examples=150,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)

# CSV-shaped text: cells drawn from what real files hold and from what breaks parsers
CELL = st.one_of(
    st.sampled_from(
        ["date", "symbol", "close", "adj_close", "open", "volume", "AAPL", "MSFT", "2024-01-02",
         "2024-02-30", "20240103", "1.5", "-3", "0", "nan", "inf", "1e308", "1e-400", "", " ",
         '"', "\x00", "NA", "null", "9999-12-31", "1900-01-01", "١٢٣"]
    ),
    st.text(max_size=8),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
)  # fmt: skip
ROW = st.lists(CELL, min_size=1, max_size=6).map(",".join)
CSV_TEXT = st.lists(ROW, min_size=0, max_size=12).map("\n".join)


def _outcome(call: Any) -> Any:
    try:
        return call()
    except PasError as exc:  # typed, with a message that says what was wrong
        assert str(exc)
        return exc


@FUZZ
@given(text=CSV_TEXT, header=st.sampled_from(["date,AAPL,MSFT\n", "date,symbol,close\n", ""]))
def test_the_csv_price_importer_answers_prices_or_a_data_error(text: str, header: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "prices.csv"
        path.write_text(header + text, encoding="utf-8", errors="surrogatepass")
        result = _outcome(lambda: read_prices_csv(path))
    if not isinstance(result, PasError):
        values = result.prices.select_dtypes("number").to_numpy(dtype=float)
        assert np.isfinite(values[~np.isnan(values)]).all()


@FUZZ
@given(data=st.binary(max_size=300))
def test_the_csv_price_importer_survives_arbitrary_bytes(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "prices.csv"
        path.write_bytes(data)
        _outcome(lambda: read_prices_csv(path))


KF_LINE = st.one_of(
    st.sampled_from(
        ["This file was created by CMPT_ME_BEME_RETS", ",Mkt-RF,SMB,HML,RF", "192607,2.96,-2.56,-2.43,0.22",
         "19260701,0.10,-0.25,-0.27,0.009", " Annual Factors: January-December ", "1927,29.47,-2.04,-4.54,3.12",
         "202401,-99.99,-99.99,-99.99,-99.99", "202413,1,2,3,4", "", "Copyright 2024 Kenneth R. French"]
    ),
    ROW,
)  # fmt: skip


@FUZZ
@given(lines=st.lists(KF_LINE, max_size=14))
def test_the_ken_french_importer_answers_factors_or_a_data_error(lines: list[str]) -> None:
    _outcome(lambda: parse_ken_french("\n".join(lines), source="fuzz.csv"))


def _prices() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    dates = pd.bdate_range("2022-01-03", periods=300)
    steps = rng.normal(0.0004, 0.012, size=(len(dates), 4))
    return pd.DataFrame(100 * np.exp(steps.cumsum(axis=0)), dates, ["A", "B", "C", "D"])


PRICES = _prices()
NUMBER = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True, width=32),
    st.integers(-5, 5),
    st.sampled_from(["0.1", "abc", None, True]),
)
OPTIONS = st.fixed_dictionaries(
    {},
    optional={
        "lookback": st.one_of(st.integers(-3, 400), st.none(), st.sampled_from(["abc", 2.5])),
        "max_weight": NUMBER,
        "risk_free": NUMBER,
        "max_turnover": NUMBER,
        "costs": st.one_of(NUMBER, st.dictionaries(st.sampled_from("ABCDX"), NUMBER, max_size=3)),
        "cash": st.one_of(NUMBER, st.tuples(NUMBER, NUMBER)),
        "bounds": st.one_of(st.tuples(NUMBER, NUMBER), st.just("x")),
        "top_k": NUMBER,
        "target_volatility": NUMBER,
        "budgets": st.dictionaries(st.sampled_from("ABCDX"), NUMBER, max_size=3),
        "policy": st.dictionaries(st.sampled_from(["A", "B", "CASH", "Z"]), NUMBER, max_size=3),
    },
)


@settings(FUZZ, max_examples=120)
@given(method=st.sampled_from(sorted(SCHEMES)), options=OPTIONS)
def test_allocate_answers_weights_or_a_typed_error(method: str, options: dict[str, Any]) -> None:
    result = _outcome(lambda: allocate(PRICES, method=method, **options))
    if not isinstance(result, PasError):
        weights = result.weights
        assert all(math.isfinite(float(w)) for w in weights.values)
        assert abs(float(weights.sum()) - 1.0) < 1e-6
