"""CSV price and securities files: both layouts, and every error names file, line and column."""

from __future__ import annotations

from pathlib import Path

import pytest

from pas.core.errors import DataError
from pas.data.csv_prices import read_prices_csv, read_securities_csv


def write(tmp_path: Path, text: str, name: str = "p.csv") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_wide_file(tmp_path: Path) -> None:
    batch = read_prices_csv(write(tmp_path, "date,AAA,bbb\n2024-01-02,10,20\n2024-01-03,11,\n"))
    p = batch.prices
    assert batch.symbols == ["AAA", "BBB"]
    assert len(p) == 3  # the empty cell is a missing price, not a row
    assert p.loc[p.symbol == "AAA", "adj_close"].tolist() == [10, 11]


def test_long_file_with_optional_columns(tmp_path: Path) -> None:
    text = "date,symbol,close,open,volume\n20240102,AAA,10,9.5,100\n20240102,BBB,20,,\n20240103,AAA,11,10,\n"
    p = read_prices_csv(write(tmp_path, text)).prices
    assert len(p) == 3
    row = p[(p.symbol == "AAA")].iloc[0]
    assert (row.close, row.open, row.volume, row.adj_close) == (10, 9.5, 100, 10)


@pytest.mark.parametrize(
    ("text", "line", "column", "match"),
    [
        ("date,AAA\n2024-01-02,10\n2024-01-02,11\n", 3, "date", "duplicate date"),
        ("date,AAA\n2024-01-02,10\n2024-01-03,0\n", 3, "AAA", "positive"),
        ("date,AAA\n2024-01-02,10\n2024-01-03,-4\n", 3, "AAA", "positive"),
        ("date,AAA\n2024-01-02,10\n2024-01-03,inf\n", 3, "AAA", "non-finite"),
        ("date,AAA\n2024-01-02,10\n2024-01-03,NaN\n", 3, "AAA", "non-finite"),
        ("date,AAA\n2024-01-02,10\n2024-01-03,abc\n", 3, "AAA", "not a number"),
        ("date,AAA\n02/01/2024,10\n", 2, "date", "unknown date format"),
        ("date,AAA\n2024-01-02,10\n2024-13-03,11\n", 3, "date", "format"),
        ("date,AAA\n2024-01-02,10\n\n2024-01-04,11\n", 3, None, "blank line"),
        ("date,symbol,close\n2024-01-02,AAA,1\n2024-01-02,AAA,2\n", 3, "date", "duplicate date"),
        ("date,symbol,close\n2024-01-02,AAA,\n", 2, "close", "missing value"),
        ("date,symbol,price\n2024-01-02,AAA,1\n", 1, "price", "unexpected column"),
        ("when,AAA\n2024-01-02,10\n", 1, "when", "first column"),
    ],
)
def test_errors_name_file_line_and_column(
    tmp_path: Path, text: str, line: int, column: str | None, match: str
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(DataError, match=match) as info:
        read_prices_csv(path)
    assert info.value.details["file"] == str(path)
    assert info.value.details["line"] == line
    assert info.value.details.get("column") == column
    assert f"line {line}" in str(info.value)


def test_trailing_blank_lines_are_fine(tmp_path: Path) -> None:
    assert len(read_prices_csv(write(tmp_path, "date,AAA\n2024-01-02,10\n\n\n")).prices) == 1


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="no such file"):
        read_prices_csv(tmp_path / "nope.csv")


def test_securities_file(tmp_path: Path) -> None:
    path = write(
        tmp_path, "symbol,name,sector,industry\nAAA,A Inc,Energy,Oil\nbbb,B Co,,\n", "s.csv"
    )
    secs = read_securities_csv(path)
    assert [s.symbol for s in secs] == ["AAA", "BBB"]
    assert secs[0].sector == "Energy" and secs[1].sector is None


def test_securities_duplicates(tmp_path: Path) -> None:
    path = write(tmp_path, "symbol,name\nAAA,x\nAAA,y\n", "s.csv")
    with pytest.raises(DataError, match="duplicate symbol") as info:
        read_securities_csv(path)
    assert info.value.details["line"] == 3
