"""Alpaca daily bars through alpaca-py's real client against a loopback server."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from alpaca.data.historical import StockHistoricalDataClient

from pas.bootstrap import Container
from pas.cli import main
from pas.core.errors import DataError
from pas.data.alpaca_bars import fetch_daily_bars
from pas.workflows.data import price_matrix
from tests.conftest import make_settings
from tests.fakes.alpaca_server import KEY_ID, SECRET, FakeAlpaca, serve


def fake_with_bars() -> FakeAlpaca:
    fake = FakeAlpaca(page_size=2)
    for day, (a, b) in enumerate([(10.0, 20.0), (11.0, 21.0), (12.0, 22.0), (13.0, 23.0)], start=2):
        stamp = f"2024-01-0{day}T05:00:00Z"  # midnight New York
        fake.add_bar("AAPL", stamp, a)
        fake.add_bar("MSFT", stamp, b)
    return fake


def test_pages_are_followed_and_dates_are_new_york_days() -> None:
    with serve(fake_with_bars()) as fake:
        client = StockHistoricalDataClient(KEY_ID, SECRET, url_override=fake.url)
        batch = fetch_daily_bars(client, ["aapl", "MSFT"], dt.date(2024, 1, 2), dt.date(2024, 1, 5))
        pages = [q for m, p, q in fake.requests if p == "/v2/stocks/bars"]
    assert len(pages) == 4  # 8 bars, 2 per page
    assert pages[0]["timeframe"] == ["1Day"] and pages[0]["adjustment"] == ["all"]
    assert pages[1]["page_token"] == ["2"]
    p = batch.prices
    assert batch.symbols == ["AAPL", "MSFT"]
    assert p[p.symbol == "AAPL"]["date"].dt.strftime("%Y-%m-%d").tolist() == [
        "2024-01-02",
        "2024-01-03",
        "2024-01-04",
        "2024-01-05",
    ]
    assert p[p.symbol == "MSFT"]["close"].tolist() == [20.0, 21.0, 22.0, 23.0]


def test_end_date_includes_its_bar() -> None:
    with serve(fake_with_bars()) as fake:
        client = StockHistoricalDataClient(KEY_ID, SECRET, url_override=fake.url)
        batch = fetch_daily_bars(client, ["AAPL"], dt.date(2024, 1, 3), dt.date(2024, 1, 4))
    assert batch.prices["close"].tolist() == [11.0, 12.0]


def test_a_symbol_without_bars_is_a_data_error() -> None:
    with serve(fake_with_bars()) as fake:
        client = StockHistoricalDataClient(KEY_ID, SECRET, url_override=fake.url)
        with pytest.raises(DataError, match="ZZZZ"):
            fetch_daily_bars(client, ["AAPL", "ZZZZ"], dt.date(2024, 1, 2))


def test_bad_keys_are_a_data_error() -> None:
    with serve(fake_with_bars()) as fake:
        client = StockHistoricalDataClient(KEY_ID, "wrong", url_override=fake.url)
        with pytest.raises(DataError, match="HTTP 401"):
            fetch_daily_bars(client, ["AAPL"], dt.date(2024, 1, 2))


def test_cli_fetches_and_stores(
    sqlite_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    with serve(fake_with_bars()) as fake:
        monkeypatch.setenv("PAS_DATABASE__URL", sqlite_url)
        monkeypatch.setenv("PAS_ALPACA__KEY_ID", KEY_ID)
        monkeypatch.setenv("PAS_ALPACA__SECRET_KEY", SECRET)
        monkeypatch.setenv("PAS_ALPACA__DATA_URL_OVERRIDE", fake.url)
        code = main(
            ["data", "fetch-alpaca", "--symbols", "AAPL,MSFT", "--start", "2024-01-02", "--json"]
        )
    out = capsys.readouterr().out
    assert code == 0 and '"rows": 8' in out
    wide = price_matrix(Container(make_settings(sqlite_url, tmp_path)).uow())
    assert wide.shape == (4, 2) and wide["MSFT"].iloc[-1] == 23.0


def test_cli_without_keys_fails_clearly(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["data", "fetch-alpaca", "--symbols", "AAPL", "--start", "2024-01-02"]) == 2
    assert "PAS_ALPACA__KEY_ID" in capsys.readouterr().err
