"""The continuous evaluation persisted: named runs, updates equal to full recomputes, new params,
metrics stored with the run."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pas.bootstrap import Container
from pas.core.errors import Conflict, InvalidInput, NotFound
from pas.data.batches import PriceBatch
from pas.workflows.data import import_factors, import_prices
from pas.workflows.evaluation import EvaluationRequest, run_evaluation, update_all
from pas.workflows.evaluation_reads import (
    DEFAULT_RUN,
    compare,
    current_run,
    method_returns,
    method_weights,
    run_metrics,
)
from tests.conftest import make_settings

SYMBOLS = ("AAPL", "JPM", "XOM", "PG", "MSFT")
METHODS = ("max_sharpe", "strategic", "dynamic", "inverse_volatility")
REQUEST = EvaluationRequest(METHODS, SYMBOLS, rebalance="M", lookback=63, cost_bps=10.0)


def load(container: Container, batches, start: str, end: str) -> None:  # type: ignore[no-untyped-def]
    prices, factors = batches
    p = prices.prices
    dates = pd.to_datetime(p["date"])
    cut = p[(dates >= start) & (dates <= end) & p["symbol"].isin(SYMBOLS)]
    secs = tuple(s for s in prices.securities if s.symbol in SYMBOLS)
    import_prices(container.uow(), PriceBatch(cut, secs))
    for fb in factors:
        import_factors(container.uow(), fb)


def nan_for_none(row: dict[str, float | None]) -> dict[str, float]:
    return {k: float("nan") if v is None else v for k, v in row.items()}


def fresh(db_url: str, tmp_path: Path, name: str) -> Container:
    c = Container(make_settings(db_url, tmp_path / name))
    c.init_schema()
    return c


def stored(container: Container) -> pd.DataFrame:
    run = current_run(container.uow())  # the default run
    with container.uow() as uow:
        return uow.evaluations.returns(run.id).set_index(["method", "date"]).sort_index()


def test_updates_equal_a_full_recompute(sqlite_url: str, tmp_path: Path, demo_batches) -> None:  # type: ignore[no-untyped-def]
    step = fresh(sqlite_url, tmp_path, "a")
    load(step, demo_batches, "2006-01-01", "2007-06-30")
    first = run_evaluation(step.uow(), REQUEST, name=DEFAULT_RUN)
    assert first.created and first.new_days > 0 and first.run.name == DEFAULT_RUN
    for end in ("2007-07-03", "2007-08-15", "2008-01-31"):
        load(step, demo_batches, "2006-01-01", end)
        (summary,) = update_all(step.uow())
        assert not summary.created and summary.run.id == first.run.id
    full = fresh(f"sqlite:///{tmp_path / 'b.db'}", tmp_path, "b")
    load(full, demo_batches, "2006-01-01", "2008-01-31")
    run_evaluation(full.uow(), REQUEST, name=DEFAULT_RUN)
    a, b = stored(step), stored(full)
    pd.testing.assert_index_equal(a.index, b.index)
    np.testing.assert_allclose(a.to_numpy(dtype=float), b.to_numpy(dtype=float), rtol=0, atol=1e-12)
    for method in METHODS:
        pd.testing.assert_frame_equal(
            method_weights(step.uow(), method), method_weights(full.uow(), method)
        )
    # the stored metrics are those of the whole run, recomputed by every update
    updated, recomputed = current_run(step.uow()).metrics, current_run(full.uow()).metrics
    assert updated is not None and recomputed is not None and updated.keys() == recomputed.keys()
    for method, row in updated.items():
        assert nan_for_none(row) == pytest.approx(
            nan_for_none(recomputed[method]), rel=1e-9, abs=1e-12, nan_ok=True
        )
    step.close()
    full.close()


def test_rerun_without_new_data_adds_nothing(container: Container, demo_batches) -> None:  # type: ignore[no-untyped-def]
    load(container, demo_batches, "2006-01-01", "2007-03-30")
    run_evaluation(container.uow(), REQUEST)
    again = run_evaluation(container.uow(), REQUEST)
    assert not again.created and again.new_days == 0


def test_new_parameters_start_a_new_run(container: Container, demo_batches) -> None:  # type: ignore[no-untyped-def]
    load(container, demo_batches, "2006-01-01", "2007-03-30")
    a = run_evaluation(container.uow(), REQUEST, name=DEFAULT_RUN)
    b = run_evaluation(container.uow(), EvaluationRequest(METHODS, SYMBOLS, "M", 63, cost_bps=25.0))
    assert b.created and b.run.id != a.run.id
    assert b.run.name == f"run-{b.run.params_hash[:8]}"
    # an ad-hoc run never replaces the default one: reads without a name stay on it
    assert current_run(container.uow()).id == a.run.id
    assert current_run(container.uow(), b.run.name).id == b.run.id
    # the same parameters extend the run that has them, whatever name is asked for
    again = run_evaluation(container.uow(), REQUEST, name="other")
    assert not again.created and again.run.name == DEFAULT_RUN
    with pytest.raises(Conflict, match="exists with other parameters"):
        run_evaluation(
            container.uow(), EvaluationRequest(METHODS, SYMBOLS, "Q", 63), name="default"
        )
    with pytest.raises(InvalidInput, match="run name"):
        run_evaluation(container.uow(), EvaluationRequest(METHODS, SYMBOLS, "Q", 63), name="a b")
    named = run_evaluation(container.uow(), EvaluationRequest(METHODS, SYMBOLS, "Q", 63), name="q")
    assert named.run.name == "q" and current_run(container.uow(), "q").id == named.run.id
    with container.uow() as uow:
        assert len(uow.evaluations.all()) == 3
    with pytest.raises(NotFound, match="no evaluation run named 'nope'"):
        current_run(container.uow(), "nope")


def test_update_creates_the_default_run_beside_ad_hoc_ones(
    container: Container, demo_batches
) -> None:  # type: ignore[no-untyped-def]
    load(container, demo_batches, "2003-01-01", "2007-03-30")
    adhoc = run_evaluation(container.uow(), REQUEST)
    assert adhoc.run.name != DEFAULT_RUN
    with pytest.raises(NotFound, match="no default evaluation run"):
        current_run(container.uow())
    created, extended = update_all(container.uow())
    assert created.created and created.run.name == DEFAULT_RUN
    assert created.run.params["lookback"] == 756 and len(created.run.params["methods"]) == 9
    assert not extended.created and extended.run.id == adhoc.run.id
    assert current_run(container.uow()).id == created.run.id


def test_metrics_and_reads(container: Container, demo_batches) -> None:  # type: ignore[no-untyped-def]
    load(container, demo_batches, "2006-01-01", "2008-12-31")
    summary = run_evaluation(container.uow(), REQUEST, name=DEFAULT_RUN)
    table = summary.metrics
    assert set(METHODS) <= set(table.index) and "equal_weight" in table.index
    rows = method_returns(container.uow(), "max_sharpe")
    r = rows.set_index("date")["net"]
    assert table.loc["max_sharpe", "cagr"] == pytest.approx(np.prod(1 + r) ** (252 / len(r)) - 1)
    assert table.loc["max_sharpe", "max_drawdown"] < 0  # 2008 is in the window
    weights = method_weights(container.uow(), "strategic")
    assert np.allclose(weights.sum(axis=1), 1.0)
    window = compare(container.uow(), summary.run.id, start=pd.Timestamp("2008-01-01").date())
    assert window.loc["max_sharpe", "cagr"] != table.loc["max_sharpe", "cagr"]
    # stored with the run: the same numbers as computing them from the stored rows
    run = current_run(container.uow())
    assert run.metrics is not None and list(run.metrics) == list(table.index)
    computed = compare(container.uow(), run.id, methods=list(table.index))
    for method, row in run.metrics.items():
        expected = computed.loc[method].to_dict()
        assert nan_for_none(row) == pytest.approx(expected, nan_ok=True)
    assert run_metrics(container.uow(), run) is run.metrics
    windowed = run_metrics(container.uow(), run, pd.Timestamp("2008-01-01").date())
    assert windowed["max_sharpe"]["cagr"] == pytest.approx(window.loc["max_sharpe", "cagr"])
    with pytest.raises(NotFound):
        method_returns(container.uow(), "nope")


def test_bad_requests(container: Container, demo_batches) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(NotFound, match="load data first"):
        run_evaluation(container.uow(), EvaluationRequest(METHODS))
    with pytest.raises(NotFound, match="no prices for AAPL"):
        run_evaluation(container.uow(), REQUEST)
    load(container, demo_batches, "2006-01-01", "2006-06-30")
    with pytest.raises(InvalidInput, match="unknown method"):
        run_evaluation(container.uow(), EvaluationRequest(("magic",), SYMBOLS))
    with pytest.raises(InvalidInput, match="rebalance"):
        run_evaluation(container.uow(), EvaluationRequest(METHODS, SYMBOLS, "Y", 20))
    with pytest.raises(NotFound, match="ZZZ"):
        run_evaluation(container.uow(), EvaluationRequest(METHODS, ("AAPL", "ZZZ"), "M", 20))


def test_live_dynamic_reads_the_persisted_histories(container: Container, demo_batches) -> None:  # type: ignore[no-untyped-def]
    from pas.analytics.allocation import AllocationSpec
    from pas.workflows.allocation import AllocationRequest, compute_allocation
    from pas.workflows.evaluation import scheme_histories

    load(container, demo_batches, "2006-01-01", "2008-06-30")
    request = AllocationRequest(AllocationSpec(method="dynamic", lookback=63), symbols=SYMBOLS)
    before = compute_allocation(container.uow(), request)
    assert any("no trailing histories" in n for n in before.notes)
    run_evaluation(container.uow(), REQUEST)  # ad-hoc: dynamic never blends on it
    adhoc = compute_allocation(container.uow(), request)
    assert any("no trailing histories" in n for n in adhoc.notes)
    run_evaluation(container.uow(), EvaluationRequest(METHODS, SYMBOLS, "Q", 63), name="default")
    after = compute_allocation(container.uow(), request)
    assert any("trailing Sharpe" in n for n in after.notes)
    last = pd.Timestamp("2008-06-30")
    history = scheme_histories(container.uow(), last)
    assert history is not None and history.index.max() < last and "max_sharpe" in history
