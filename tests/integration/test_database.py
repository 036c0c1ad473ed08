"""Schema, loads and queries on the real MariaDB and on SQLite."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from pas.bootstrap import Container
from pas.cli import main
from pas.data.batches import PriceBatch
from pas.database.init_db import head_revision
from pas.database.session import make_engine
from pas.workflows.data import factor_table, import_factors, import_prices, price_matrix
from tests.conftest import make_settings

TABLES = {"securities", "prices", "factor_returns", "api_keys", "alembic_version"}


def test_init_db_creates_every_table_and_rerun_is_a_noop(any_db_url: str, tmp_path: Path) -> None:
    c = Container(make_settings(any_db_url, tmp_path))
    before, after = c.init_schema()
    assert before is None and after == head_revision()
    assert set(inspect(c.engine).get_table_names()) >= TABLES
    assert c.init_schema() == (head_revision(), head_revision())
    c.close()


def test_every_migration_matches_the_models(any_db_url: str, tmp_path: Path) -> None:
    """Upgrading to head yields exactly the schema the SQLAlchemy models describe."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from pas.database.models import Base

    c = Container(make_settings(any_db_url, tmp_path))
    c.init_schema()
    with c.engine.connect() as conn:
        diff = compare_metadata(
            MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata
        )
    c.close()
    assert diff == []


def test_init_db_cli_against_the_database(
    any_db_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PAS_DATABASE__URL", any_db_url)
    assert main(["init-db", "--json"]) == 0
    assert '"changed": true' in capsys.readouterr().out
    assert main(["init-db", "--json"]) == 0
    assert '"changed": false' in capsys.readouterr().out


def test_demo_load_and_queries(any_db_url: str, tmp_path: Path, demo_batches) -> None:  # type: ignore[no-untyped-def]
    c = Container(make_settings(any_db_url, tmp_path))
    c.init_schema()
    prices, factors = demo_batches
    summary = import_prices(c.uow(), prices)
    assert summary.rows == len(prices.prices) == 174_573
    for fb in factors:
        import_factors(c.uow(), fb)
    wide = price_matrix(c.uow(), ["AAPL", "XOM"], dt.date(2022, 12, 1), dt.date(2022, 12, 28))
    assert list(wide.columns) == ["AAPL", "XOM"]
    assert wide.loc["2022-12-28", "AAPL"] == pytest.approx(125.674)
    monthly = factor_table(c.uow(), "monthly", dt.date(2018, 1, 1))
    assert monthly.index[-1] == dt.datetime(2018, 11, 30)
    with c.uow() as uow:
        secs = {s.symbol: s for s in uow.securities.list()}
    assert secs["JPM"].sector == "Financials"
    assert secs["AAPL"].first_date == dt.date(1990, 1, 2) and secs["AAPL"].last_date == dt.date(
        2022, 12, 28
    )
    # upserting again changes nothing and duplicates nothing
    import_prices(c.uow(), prices)
    with c.uow() as uow:
        assert uow.prices.count() == 174_573
    c.close()


def test_upsert_replaces_values(any_db_url: str, tmp_path: Path) -> None:
    import pandas as pd

    c = Container(make_settings(any_db_url, tmp_path))
    c.init_schema()
    frame = pd.DataFrame(
        {
            "symbol": ["AAA", "AAA"],
            "date": pd.to_datetime(["2024-01-02", "2024-01-03"]),
            "close": [10.0, 11.0],
        }
    )
    frame["adj_close"] = frame["close"]
    import_prices(c.uow(), PriceBatch(frame))
    frame.loc[1, ["close", "adj_close"]] = 12.5
    import_prices(c.uow(), PriceBatch(frame.iloc[1:]))
    wide = price_matrix(c.uow(), ["AAA"])
    assert wide["AAA"].tolist() == [10.0, 12.5]
    c.close()


def test_malformed_csv_leaves_the_database_exactly_as_it_was(
    any_db_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("PAS_DATABASE__URL", any_db_url)
    good = tmp_path / "good.csv"
    good.write_text("date,AAA,BBB\n2024-01-02,10,20\n2024-01-03,11,21\n")
    assert main(["data", "import-prices", str(good), "--json"]) == 0
    c = Container(make_settings(any_db_url, tmp_path))
    snapshot = price_matrix(c.uow())
    bad = tmp_path / "bad.csv"
    bad.write_text("date,AAA,CCC\n2024-01-02,99,1\n2024-01-04,99,-1\n")
    capsys.readouterr()
    assert main(["data", "import-prices", str(bad)]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: file ") and "line 3" in err and "'CCC'" in err and "\n" not in err
    after = price_matrix(c.uow())
    assert after.equals(snapshot)
    with c.uow() as uow:
        assert {s.symbol for s in uow.securities.list()} == {"AAA", "BBB"}
    c.close()


def test_big_batch_on_mariadb_uses_load_data_in_one_transaction(
    mysql_url: str, tmp_path: Path
) -> None:
    """A failing bulk load leaves no row behind (LOAD DATA runs inside the transaction)."""
    import pandas as pd

    from pas.database.repositories import prices as repo

    c = Container(make_settings(mysql_url, tmp_path))
    c.init_schema()
    dates = pd.bdate_range("2000-01-03", periods=60_000)
    frame = pd.DataFrame(
        {"symbol": "AAA", "date": dates, "close": 1.0 + (dates.day_of_year / 1000.0)}
    )
    frame["adj_close"] = frame["close"]
    assert len(frame) >= repo.LOAD_DATA_MIN_ROWS
    assert import_prices(c.uow(), PriceBatch(frame)).rows == 60_000
    with c.uow() as uow:
        assert uow.prices.count() == 60_000
        with pytest.raises(Exception):  # noqa: B017 - any failure must roll back
            bad = frame.assign(symbol="BBB")
            bad.loc[len(bad) - 1, "symbol"] = "B" * 40  # the very last row is too long
            uow.prices.upsert(bad)
    with c.uow() as uow:
        assert uow.prices.count() == 60_000
        assert "BBB" not in uow.prices.spans()
    c.close()


@pytest.mark.mysql
def test_local_connections_work_without_tls(mysql_url: str) -> None:
    engine = make_engine(mysql_url, pool_size=1)
    try:
        for _ in range(3):
            with engine.connect() as conn:
                assert conn.execute(text("SELECT 1")).scalar() == 1
                cipher = conn.execute(text("SHOW SESSION STATUS LIKE 'Ssl_cipher'")).one()[1]
            assert cipher == ""
            engine.pool.dispose()  # a new connection next time
    finally:
        engine.dispose()
