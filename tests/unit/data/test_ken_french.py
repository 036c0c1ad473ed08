"""The Ken French parser on byte-exact fixtures, plus property tests."""

from __future__ import annotations

import contextlib
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pas.core.errors import DataError
from pas.data.ken_french import parse_ken_french, read_ken_french

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "ken_french"


def test_daily_file() -> None:
    batch = read_ken_french(FIXTURES / "F-F_Research_Data_Factors_daily.CSV")
    f = batch.factors
    assert batch.frequency == "daily"
    assert list(f.columns) == ["mkt_rf", "smb", "hml", "rf"]
    assert f.index[0] == pd.Timestamp("1926-07-01")
    assert f.iloc[0].tolist() == pytest.approx([0.0010, -0.0025, -0.0027, 0.00009])
    assert f.index[-1] == pd.Timestamp("2024-03-28")
    assert f.loc["2024-03-28", "rf"] == pytest.approx(0.00021)


def test_zipped_daily_file_equals_plain() -> None:
    plain = read_ken_french(FIXTURES / "F-F_Research_Data_Factors_daily.CSV").factors
    zipped = read_ken_french(FIXTURES / "F-F_Research_Data_Factors_daily_CSV.zip").factors
    pd.testing.assert_frame_equal(plain, zipped)


def test_monthly_file_stops_before_the_annual_table() -> None:
    batch = read_ken_french(FIXTURES / "F-F_Research_Data_Factors.CSV")
    f = batch.factors
    assert batch.frequency == "monthly"
    assert f.index[0] == pd.Timestamp("1926-07-31")  # month-end dates
    assert f.index[-1] == pd.Timestamp("2020-03-31")
    assert f.loc["2020-03-31", "mkt_rf"] == pytest.approx(-0.1339)
    assert (f.index.year >= 1926).all() and len(f) == f.index.nunique()


def test_no_header_line() -> None:
    with pytest.raises(DataError, match="no header line"):
        parse_ken_french("preamble\n192607,  1.0, 2.0, 3.0, 0.1\n")


def test_missing_value_in_required_factor() -> None:
    text = ",Mkt-RF,SMB,HML,RF\n192607,  -99.99, 2.0, 3.0, 0.1\n"
    with pytest.raises(DataError, match="line 2") as info:
        parse_ken_french(text, source="x.csv")
    assert info.value.details["column"] == "mkt_rf"


def test_mixed_date_widths() -> None:
    text = ",Mkt-RF,SMB,HML,RF\n19260701, 1, 2, 3, 0.1\n192608, 1, 2, 3, 0.1\n"
    with pytest.raises(DataError, match="line 3"):
        parse_ken_french(text)


def test_momentum_column_missing_values_become_nan() -> None:
    text = ",Mkt-RF,SMB,HML,RF,Mom\n19260701, 1, 2, 3, 0.1, -99.99\n19260702, 1, 2, 3, 0.1, 0.5\n"
    f = parse_ken_french(text).factors
    assert np.isnan(f["mom"].iloc[0]) and f["mom"].iloc[1] == pytest.approx(0.005)


def test_bad_zip(tmp_path: Path) -> None:
    path = tmp_path / "two.zip"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("a.csv", "x")
        z.writestr("b.csv", "y")
    with pytest.raises(DataError, match="one CSV"):
        read_ken_french(path)


rows = st.lists(st.tuples(*(st.integers(-5000, 5000) for _ in range(4))), min_size=1, max_size=40)


@settings(max_examples=60, deadline=None)
@given(
    preamble=st.lists(st.text(alphabet="abc XYZ.()-", max_size=30), max_size=5),
    values=rows,
    daily=st.booleans(),
    crlf=st.booleans(),
)
def test_round_trip(
    preamble: list[str], values: list[tuple[int, ...]], daily: bool, crlf: bool
) -> None:
    dates = (
        pd.bdate_range("1990-01-01", periods=len(values))
        if daily
        else pd.date_range("1990-01-31", periods=len(values), freq="ME")
    )
    fmt = "%Y%m%d" if daily else "%Y%m"
    lines = [p for p in preamble if p.strip() and not p.lstrip().startswith(",")]
    lines += ["", ",Mkt-RF,SMB,HML,RF"]
    lines += [
        f"{d.strftime(fmt)},{','.join(f'{v / 100:8.2f}' for v in row)}"
        for d, row in zip(dates, values, strict=True)
    ]
    lines += ["", "Copyright"]
    batch = parse_ken_french(("\r\n" if crlf else "\n").join(lines))
    assert batch.frequency == ("daily" if daily else "monthly")
    expected = np.array(values, dtype=float) / 100 / 100
    expected[np.isin(np.array(values, dtype=float) / 100, (-99.99, -999.0))] = np.nan
    if np.isnan(expected).any():
        return  # a required value was "missing": covered by the error test
    np.testing.assert_allclose(batch.factors.to_numpy(), expected, atol=1e-12)
    assert list(batch.factors.index.strftime(fmt)) == [d.strftime(fmt) for d in dates]


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=300))
def test_garbage_gives_data_error_only(text: str) -> None:
    with contextlib.suppress(DataError):
        parse_ken_french(",Mkt-RF,SMB,HML,RF\n" + text)
