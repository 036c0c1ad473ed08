"""Sweeps on a real Dask cluster (LocalCluster, two worker processes): the local numbers, data sent once."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from pas.bootstrap import Container, open_executor
from pas.compute.dask_cluster import DaskExecutor
from pas.workflows.sweep import LocalExecutor, run_sweep, sweep
from pas.workflows.sweep_file import parse_sweep
from tests.unit.test_sweep import SWEEP, SYMBOLS, fresh, stored_returns

distributed = pytest.importorskip("distributed")

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def cluster() -> Any:
    """Yield a two-worker, one-thread-each cluster of processes on this machine."""
    with distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        host="127.0.0.1",
        scheduler_port=0,
    ) as local:
        yield local


def panel_identity(panel: pd.DataFrame, factors: Any, task: int) -> tuple[str, int, int]:
    """Return (worker, pid, id of the panel object) as a task sees them."""
    return distributed.get_worker().address, os.getpid(), id(panel)


def test_the_panel_is_sent_to_each_worker_once(cluster: Any) -> None:
    panel = pd.DataFrame({"A": range(1000)}, dtype=float)
    executor = DaskExecutor(cluster.scheduler_address)
    with executor:
        seen = dict(executor.map(panel_identity, (panel, None), list(range(12))))
    assert sorted(seen) == list(range(12))
    workers = {worker for worker, _, _ in seen.values()}
    assert len(workers) == 2
    # every task on a worker reads the one copy broadcast to it
    copies = {(worker, pid, ident) for worker, pid, ident in seen.values()}
    assert len(copies) == len(workers)


def test_a_dask_sweep_stores_the_local_numbers(cluster: Any, tmp_path: Path, demo_batches) -> None:  # type: ignore[no-untyped-def]
    local: Container = fresh(tmp_path, "local", demo_batches)
    spread: Container = fresh(tmp_path, "dask", demo_batches)
    expected = run_sweep(local.uow(), SWEEP, LocalExecutor())
    address = cluster.scheduler_address.replace("tcp://", "dask://")
    with open_executor(address) as executor:
        outcomes = run_sweep(spread.uow(), SWEEP, executor)
    assert [o.run.name for o in outcomes] == [o.run.name for o in expected]
    for name in ("t.three", "t.five"):
        pd.testing.assert_frame_equal(
            stored_returns(local, name), stored_returns(spread, name), rtol=0, atol=1e-12
        )
    for mine, theirs in zip(outcomes, expected, strict=True):
        assert mine.metrics.keys() == theirs.metrics.keys()
        for scheme, row in mine.metrics.items():
            for key, value in row.items():
                other = theirs.metrics[scheme][key]
                assert (value is None and other is None) or abs(value - other) <= 1e-12  # type: ignore[operator]


def test_the_python_sweep_on_dask_equals_local(cluster: Any, demo_batches) -> None:  # type: ignore[no-untyped-def]
    long = demo_batches[0].prices
    prices = long.pivot(index="date", columns="symbol", values="adj_close")[SYMBOLS]
    prices = prices.loc[pd.Timestamp("2015-01-01") :]
    factors = demo_batches[1][0].factors
    plan = parse_sweep(
        {
            "defaults": {"methods": ["max_sharpe", "risk_parity"], "lookback": 126},
            "runs": [{"name": "m"}, {"name": "q", "rebalance": "Q"}],
            "grid": {"covariance": ["sample", "ledoit_wolf"]},
        }
    )
    local = sweep(prices, plan, factors=factors)
    with DaskExecutor(cluster.scheduler_address) as executor:
        remote = sweep(prices, plan, factors=factors, executor=executor)
    assert list(remote) == list(local) and len(local) == 4
    for name, evaluation in local.items():
        pd.testing.assert_frame_equal(remote[name].returns, evaluation.returns, rtol=0, atol=1e-12)
        pd.testing.assert_frame_equal(remote[name].metrics, evaluation.metrics, rtol=0, atol=1e-12)
        for scheme, weights in evaluation.weights.items():
            pd.testing.assert_frame_equal(remote[name].weights[scheme], weights, rtol=0, atol=1e-12)
