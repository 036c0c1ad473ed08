"""Data versions: every write bumps its kind in its own transaction; migration 0008 names old runs."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd
from sqlalchemy import text

from pas.bootstrap import Container
from pas.data.batches import PriceBatch
from pas.workflows.data import data_versions, import_factors, import_prices
from tests.conftest import make_settings

KINDS = ("securities", "prices", "factors", "evaluations", "allocations")


def versions(c: Container) -> dict[str, int]:
    return data_versions(c.uow(), KINDS)


def test_every_write_bumps_its_kind(any_db_url: str, tmp_path: Path, demo_batches) -> None:  # type: ignore[no-untyped-def]
    from pas.analytics.allocation import AllocationSpec
    from pas.workflows.allocation import AllocationRequest, allocate_and_store
    from pas.workflows.evaluation import EvaluationRequest, run_evaluation

    c = Container(make_settings(any_db_url, tmp_path))
    c.init_schema()
    start = versions(c)
    assert start == dict.fromkeys(KINDS, 1)
    prices, factors = demo_batches
    cut = prices.prices[prices.prices["symbol"].isin(["AAPL", "JPM", "XOM"])]
    import_prices(c.uow(), PriceBatch(cut, prices.securities[:3]))
    after_prices = versions(c)
    assert after_prices["prices"] > 1 and after_prices["securities"] > 1
    assert after_prices["factors"] == 1 and after_prices["evaluations"] == 1
    import_factors(c.uow(), factors[0])
    assert versions(c)["factors"] > 1
    before = versions(c)
    allocate_and_store(
        c.uow(), AllocationRequest(AllocationSpec(method="min_variance"), ("AAPL", "JPM", "XOM"))
    )
    after = versions(c)
    assert after["allocations"] > before["allocations"] and after["prices"] == before["prices"]
    run_evaluation(c.uow(), EvaluationRequest(("max_sharpe",), ("AAPL", "JPM"), "Q", 126))
    assert versions(c)["evaluations"] > after["evaluations"]
    # a transaction that rolls back leaves the version as it was
    mark = versions(c)["prices"]
    with c.uow() as uow:
        uow.prices.upsert(cut.head(5))
    assert versions(c)["prices"] == mark
    c.close()


def test_panels_are_read_once_per_prices_version(
    any_db_url: str, tmp_path: Path, demo_batches
) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import event

    c = Container(make_settings(any_db_url, tmp_path))
    c.init_schema()
    prices, factors = demo_batches
    cut = prices.prices[prices.prices["symbol"].isin(["AAPL", "JPM"])]
    import_prices(c.uow(), PriceBatch(cut, prices.securities[:2]))
    import_factors(c.uow(), factors[0])
    statements: list[str] = []
    event.listen(c.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    with c.uow() as uow:
        first = uow.prices.wide(["AAPL", "JPM"])
        first.iloc[0, 0] = -1.0  # a caller changing its copy changes nothing cached
        daily = uow.factors.load("daily")
    read = len(statements)
    with c.uow() as uow:
        again = uow.prices.wide(["JPM", "AAPL"])
        assert uow.factors.load("daily").equals(daily)
    assert not any("FROM prices" in s for s in statements[read:])  # versions only
    assert again.iloc[0, 0] > 0 and again.shape == first.shape
    # a write bumps the version: the next read sees the new data
    changed = cut[cut["symbol"] == "AAPL"].tail(1).assign(adj_close=999.0, close=999.0)
    import_prices(c.uow(), PriceBatch(changed, ()))
    with c.uow() as uow:
        assert uow.prices.wide(["AAPL", "JPM"])["AAPL"].iloc[-1] == 999.0
    # a transaction that wrote reads afresh and caches nothing: it may still roll back
    with c.uow() as uow:
        uow.prices.upsert(changed.assign(adj_close=5.0, close=5.0))
        assert uow.prices.wide(["AAPL", "JPM"])["AAPL"].iloc[-1] == 5.0
    with c.uow() as uow:
        assert uow.prices.wide(["AAPL", "JPM"])["AAPL"].iloc[-1] == 999.0
    c.close()


def test_migration_0008_names_the_default_run(any_db_url: str, tmp_path: Path) -> None:
    from alembic import command

    from pas.database.init_db import alembic_config, init_db

    c = Container(make_settings(any_db_url, tmp_path))
    cfg = alembic_config()
    with c.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0005")
    default = {
        "methods": [
            "max_sharpe",
            "risk_parity",
            "min_variance",
            "strategic",
            "tactical",
            "equal_weight",
            "inverse_volatility",
            "hrp",
            "dynamic",
        ],
        "symbols": ["AAPL"],
        "rebalance": "M",
        "lookback": 756,
        "cost_bps": 10.0,
        "expected_returns": None,
        "covariance": "ledoit_wolf",
        "params": {},
    }
    adhoc = {**default, "methods": ["max_sharpe", "equal_weight"], "rebalance": "Q"}
    now = dt.datetime(2026, 11, 1)
    with c.engine.begin() as conn:
        for rid, (params, updated) in enumerate(
            [(default, now), (adhoc, now + dt.timedelta(days=1))], start=1
        ):
            conn.execute(
                text(
                    "INSERT INTO evaluation_runs (id, params_hash, params, created_at, updated_at)"
                    " VALUES (:id, :hash, :params, :at, :updated)"
                ),
                {
                    "id": rid,
                    "hash": f"h{rid}",
                    "params": json.dumps(params),
                    "at": now,
                    "updated": updated,
                },
            )
    init_db(c.engine)
    with c.uow() as uow:
        assert uow.evaluations.by_name("default").id == 1  # type: ignore[union-attr]
        assert uow.evaluations.by_name("run-2").id == 2  # type: ignore[union-attr]
        assert uow.versions.get(["prices"]) == {"prices": 1}
    assert pd.Series([r.name for r in _runs(c)]).is_unique
    c.close()


def _runs(c: Container) -> list:  # type: ignore[type-arg]
    with c.uow() as uow:
        return uow.evaluations.all()


def test_concurrent_misses_load_a_frame_once(container: Container) -> None:
    import threading
    import time
    from concurrent.futures import ThreadPoolExecutor

    from pas.database.repositories.frames import FrameCache

    cache = FrameCache()
    calls: list[int] = []
    lock = threading.Lock()

    def load() -> pd.DataFrame:
        with lock:
            calls.append(1)
        time.sleep(0.2)
        return pd.DataFrame({"x": [1.0, 2.0]})

    def read(_: int) -> pd.DataFrame:
        with container.session_factory() as session:
            return cache.read(session, "prices", ("k",), load)

    with ThreadPoolExecutor(8) as pool:
        frames = list(pool.map(read, range(8)))
    assert len(calls) == 1 and all(f["x"].tolist() == [1.0, 2.0] for f in frames)
    frames[0].loc[0, "x"] = 9.0
    assert read(0)["x"].tolist() == [1.0, 2.0]
