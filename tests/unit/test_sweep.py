"""Sweeps through the workflow: stored as named runs equal to `pas evaluate`'s, on any executor."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pas.bootstrap import Container, open_executor
from pas.cli import main
from pas.core.errors import ConfigError, Conflict, ExecutorUnavailable, NotFound
from pas.data.batches import PriceBatch
from pas.tasks.jobs import update_evaluations
from pas.workflows.data import import_factors, import_prices
from pas.workflows.evaluation import (
    EvaluationRequest,
    list_runs,
    run_evaluation,
    update_all,
)
from pas.workflows.sweep import run_sweep, sweep, update_runs
from pas.workflows.sweep_file import parse_sweep
from tests.conftest import make_settings

SYMBOLS = ["AAPL", "JPM", "XOM", "PG", "MSFT"]
SWEEP = {
    "name": "t",
    "defaults": {"methods": ["min_variance", "risk_parity"], "lookback": 126, "rebalance": "Q"},
    "runs": [
        {"name": "three", "symbols": ["AAPL", "JPM", "XOM"]},
        {"name": "five", "symbols": SYMBOLS, "cost_bps": 25},
        {"name": "five-recent", "symbols": SYMBOLS, "cost_bps": 25, "start": "2020-01-01"},
    ],
}


def load(container: Container, batches) -> None:  # type: ignore[no-untyped-def]
    prices, factors = batches
    p = prices.prices
    dates = pd.to_datetime(p["date"])
    cut = p[(dates >= "2015-01-01") & p["symbol"].isin(SYMBOLS)]
    secs = tuple(s for s in prices.securities if s.symbol in SYMBOLS)
    import_prices(container.uow(), PriceBatch(cut, secs))
    for fb in factors:
        import_factors(container.uow(), fb)


def fresh(tmp_path: Path, name: str, batches, **settings: object) -> Container:  # type: ignore[no-untyped-def]
    c = Container(make_settings(f"sqlite:///{tmp_path / name}.db", tmp_path / name, **settings))
    c.init_schema()
    load(c, batches)
    return c


def stored_returns(c: Container, name: str) -> pd.DataFrame:
    with c.uow() as uow:
        run = uow.evaluations.by_name(name)
        assert run is not None
        rows = uow.evaluations.returns(run.id)
    return rows.sort_values(["method", "date"]).reset_index(drop=True)


def test_a_sweep_stores_the_runs_pas_evaluate_would(tmp_path: Path, demo_batches) -> None:  # type: ignore[no-untyped-def]
    c = fresh(tmp_path, "sweep", demo_batches)
    outcomes = run_sweep(c.uow(), SWEEP)
    assert [o.run.name for o in outcomes] == ["t.three", "t.five", "t.five-recent"]
    assert [o.summary.created for o in outcomes] == [True, True, True]
    # runs that differ only in their window share one walk and one stored run
    assert outcomes[2].summary.run.id == outcomes[1].summary.run.id
    assert [r.name for r in list_runs(c.uow())] == ["t.three", "t.five"]
    assert outcomes[2].metrics != outcomes[1].metrics

    # the oracle: the same parameters through `pas evaluate`'s use case on another database
    other = fresh(tmp_path, "oracle", demo_batches)
    request = EvaluationRequest(
        ("min_variance", "risk_parity"), tuple(SYMBOLS), "Q", 126, cost_bps=25.0
    )
    oracle = run_evaluation(other.uow(), request, name="t.five")
    assert oracle.run.params == outcomes[1].summary.run.params
    pd.testing.assert_frame_equal(
        stored_returns(c, "t.five"), stored_returns(other, "t.five"), rtol=0, atol=1e-12
    )

    # the same sweep again extends the stored runs: nothing new to walk
    again = run_sweep(c.uow(), SWEEP)
    assert [(o.summary.created, o.summary.new_days) for o in again] == [(False, 0)] * 3
    assert [o.metrics for o in again] == [o.metrics for o in outcomes]


@pytest.mark.slow
def test_processes_give_the_local_numbers(tmp_path: Path, demo_batches) -> None:  # type: ignore[no-untyped-def]
    local = fresh(tmp_path, "local", demo_batches)
    spread = fresh(tmp_path, "spread", demo_batches, evaluation={"executor": "processes:2"})
    run_sweep(local.uow(), SWEEP)
    outcomes = run_sweep(spread.uow(), SWEEP, open_executor("processes:2"))
    assert [o.summary.created for o in outcomes] == [True, True, True]
    for name in ("t.three", "t.five"):
        pd.testing.assert_frame_equal(
            stored_returns(local, name), stored_returns(spread, name), rtol=0, atol=1e-12
        )
    # the updater's job on `evaluation.executor`: every stored run extended as one sweep,
    # as update_all does in process
    job = update_evaluations(spread)
    in_process = update_all(local.uow())
    assert job.status == "done"
    assert [r["run_id"] for r in job.result["runs"]] == [s.run.id for s in in_process]
    assert [s.run.name for s in in_process] == ["default", "t.three", "t.five"]
    assert [r["new_days"] for r in job.result["runs"]][1:] == [0, 0]
    again = update_runs(local.uow())  # the stored runs, oldest first
    assert [(s.run.name, s.created, s.new_days) for s in again] == [
        ("t.three", False, 0),
        ("t.five", False, 0),
        ("default", False, 0),
    ]
    pd.testing.assert_frame_equal(
        stored_returns(local, "default"), stored_returns(spread, "default"), rtol=0, atol=1e-12
    )


def test_a_name_held_by_other_parameters_stops_the_sweep_before_any_work(
    tmp_path: Path,
    demo_batches,  # type: ignore[no-untyped-def]
) -> None:
    c = fresh(tmp_path, "conflict", demo_batches)
    request = EvaluationRequest(("min_variance",), ("AAPL", "JPM"), "Q", 126)
    run_evaluation(c.uow(), request, name="t.five")
    with pytest.raises(Conflict, match=r"'t\.five'"):
        run_sweep(c.uow(), SWEEP)
    assert [r.name for r in list_runs(c.uow())] == ["t.five"]
    with pytest.raises(NotFound, match="no prices for IBM"):
        run_sweep(c.uow(), {"runs": [{"name": "x", "symbols": ["IBM"]}]})


def test_the_python_sweep_equals_pas_evaluate_per_run(demo_batches) -> None:  # type: ignore[no-untyped-def]
    import pas

    long = demo_batches[0].prices
    prices = long.pivot(index="date", columns="symbol", values="adj_close")[SYMBOLS]
    prices = prices.loc[pd.Timestamp("2015-01-01") :]
    factors = demo_batches[1][0].factors
    results = pas.sweep(prices, parse_sweep(json.dumps(SWEEP)), factors=factors)
    assert pas.sweep is sweep and "sweep" in pas.__all__
    assert list(results) == ["t.three", "t.five", "t.five-recent"]
    direct = pas.evaluate(
        prices[SYMBOLS], ["min_variance", "risk_parity"], "Q", 126, 25.0, factors=factors
    )
    pd.testing.assert_frame_equal(results["t.five"].returns, direct.returns, rtol=0, atol=1e-12)
    pd.testing.assert_frame_equal(results["t.five"].metrics, direct.metrics, rtol=0, atol=1e-12)
    recent = results["t.five-recent"]
    assert recent.returns.index[0] >= pd.Timestamp("2020-01-01")
    windowed = pas.evaluate(
        prices[SYMBOLS], ["min_variance", "risk_parity"], "Q", 126, 25.0, factors=factors
    ).returns.loc["2020-01-01":]
    pd.testing.assert_frame_equal(recent.returns, windowed, rtol=0, atol=1e-12)
    assert not np.allclose(recent.metrics["cagr"], direct.metrics["cagr"])


def test_cli_sweep_json_then_errors_on_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert main(["data", "load-demo", "--json"]) == 0
    capsys.readouterr()
    path = tmp_path / "sweep.yaml"
    small = {
        "name": "cli",
        "defaults": {"methods": ["min_variance"], "symbols": ["AAPL", "XOM"], "lookback": 126},
        "runs": [{"name": "a", "rebalance": "Q"}],
        "grid": {"cost_bps": [0, 50]},
    }
    path.write_text(json.dumps(small))
    assert main(["evaluate", "--sweep", str(path), "--json"]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert answer["executor"] == "local"
    assert [r["name"] for r in answer["runs"]] == ["cli.a.cost_bps-0", "cli.a.cost_bps-50"]
    free, costly = (r["metrics"]["min_variance"]["cagr"] for r in answer["runs"])
    assert free > costly
    assert main(["evaluate", "--sweep", str(path)]) == 0
    out = capsys.readouterr().out
    assert "cli.a.cost_bps-50" in out and "2 run(s) on local" in out

    path.write_text("runs: [{name: a, lookbak: 3}]")
    assert main(["evaluate", "--sweep", str(path)]) == 1
    err = capsys.readouterr().err.strip()
    assert "runs.0.lookbak" in err and "\n" not in err and "Traceback" not in err
    path.write_text(json.dumps(small))
    assert main(["evaluate", "--sweep", str(path), "--executor", "spark://x"]) == 1
    assert "expected local, processes" in capsys.readouterr().err

    # no scheduler listens there: a one-line error within the connect timeout
    monkeypatch.setenv("PAS_EVALUATION__CONNECT_TIMEOUT_SECONDS", "2")
    started = time.monotonic()
    code = main(["evaluate", "--sweep", str(path), "--executor", "dask://127.0.0.1:6469"])
    err = capsys.readouterr().err.strip()
    assert code == 1 and time.monotonic() - started < 20
    assert err.startswith("error: no Dask scheduler at tcp://127.0.0.1:6469 within 2 s")
    assert "\n" not in err


def _die(panel: object, factors: object, task: int) -> int:
    """A task whose worker process dies (as one killed for memory would)."""
    os._exit(3)


def test_a_dead_worker_process_is_executor_unavailable() -> None:
    from pas.compute.processes import ProcessExecutor

    with pytest.raises(ExecutorUnavailable, match="a worker process died"):
        list(ProcessExecutor(1).map(_die, (None, None), [1, 2]))


def test_dask_without_distributed_is_a_config_error(monkeypatch: pytest.MonkeyPatch) -> None:
    from pas.compute.dask_cluster import DaskExecutor

    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed -> ImportError
    with pytest.raises(ConfigError, match=r"pip install 'pas\[dask\]'"):
        DaskExecutor("tcp://127.0.0.1:6469").__enter__()
