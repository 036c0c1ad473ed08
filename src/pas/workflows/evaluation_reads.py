"""Use cases: read the stored evaluation runs (metrics, daily returns, weights).

Reads name a run; without a name they read the default run, the one
`pas evaluate --update` and the updater maintain. A run's metrics over its
whole history are stored with it, so reading them is one lookup; a window
(`start`, `end`) is computed from the stored daily rows.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence

import pandas as pd

from pas.analytics.comparison import BENCHMARK, metrics_table
from pas.analytics.metrics import TRADING_DAYS
from pas.core import limits
from pas.core.errors import NotFound
from pas.core.records import EvaluationRunInfo
from pas.workflows.ports import UnitOfWork

#: the run `pas evaluate --update` and the updater maintain, the API serves, `dynamic` blends
DEFAULT_RUN = "default"
Metrics = dict[str, dict[str, float | None]]


def net_history(uow: UnitOfWork, run_id: int) -> pd.DataFrame:
    """Return a run's daily net returns, dates x schemes (inside the caller's transaction)."""
    rows = uow.evaluations.returns(run_id)
    if rows.empty:
        return pd.DataFrame()
    return rows.pivot(index="date", columns="method", values="net").sort_index()


def scheme_histories(uow: UnitOfWork, before: pd.Timestamp | None) -> pd.DataFrame | None:
    """Return the default run's daily net returns (dates x schemes) before `before`, or None.

    This is what the `dynamic` scheme blends on for a live decision: the same
    out-of-sample histories the walk-forward gives it, strictly before the
    decision date. Ad-hoc runs never feed it.
    """
    with uow:
        run = uow.evaluations.by_name(DEFAULT_RUN)
        if run is None:
            return None
        history = net_history(uow, run.id)
    if history.empty:
        return None
    return history.loc[history.index < before] if before is not None else history


def run_methods(run: EvaluationRunInfo) -> list[str]:
    """Return the schemes a stored run evaluates."""
    methods = run.params.get("methods", [])
    return [str(m) for m in methods] if isinstance(methods, list) else []


def current_run(uow: UnitOfWork, name: str | None = None) -> EvaluationRunInfo:
    """Return the run called `name` (the default run when None); NotFound when there is none."""
    name = name or DEFAULT_RUN
    with uow:
        run = uow.evaluations.by_name(name)
    if run is None:
        if name == DEFAULT_RUN:
            raise NotFound(
                "no default evaluation run yet: run `pas evaluate --update` "
                "or POST /api/v1/evaluations/run with the default parameters"
            )
        raise NotFound(f"no evaluation run named {name!r}", run=name)
    return run


def run_metrics(
    uow: UnitOfWork,
    run: EvaluationRunInfo,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> Metrics:
    """Return scheme -> metric -> value of a run: stored ones for the whole run, else computed."""
    if start is None and end is None and run.metrics is not None:
        return run.metrics
    limits.check_span(start, end)
    return metrics_json(compare(uow, run.id, start, end, run_methods(run)))


def compare(
    uow: UnitOfWork,
    run_id: int,
    start: dt.date | None = None,
    end: dt.date | None = None,
    methods: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Return the metrics (schemes x metrics) of a stored run over [start, end]."""
    with uow:
        rows = uow.evaluations.returns(run_id, None, start, end)
        factors = uow.factors.load("daily")
    return metrics_frame(rows, factors if len(factors) else None, methods)


def metrics_frame(
    rows: pd.DataFrame, factors: pd.DataFrame | None, methods: Sequence[str] | None
) -> pd.DataFrame:
    """Return the metrics table (schemes x metrics) of stored daily rows, in `methods` order."""
    if rows.empty:
        return pd.DataFrame()
    net = rows.pivot(index="date", columns="method", values="net").sort_index().dropna(how="all")
    turnover = rows.pivot(index="date", columns="method", values="turnover").sum()
    years = len(net) / TRADING_DAYS
    table = metrics_table(net, turnover / years, factors, net.get(BENCHMARK))
    wanted = [m for m in (methods or table.index) if m in table.index]
    return table.loc[wanted]


def metrics_json(frame: pd.DataFrame) -> Metrics:
    """Return scheme -> metric -> value (None for undefined), in the frame's order."""
    return {
        str(name): {
            str(k): None if v is None or not math.isfinite(float(v)) else float(v)
            for k, v in row.items()
        }
        for name, row in frame.iterrows()
    }


def method_returns(
    uow: UnitOfWork,
    method: str,
    start: dt.date | None = None,
    end: dt.date | None = None,
    run: str | None = None,
) -> pd.DataFrame:
    """Return one scheme's daily rows (date, gross, net, turnover, cost) in a run (the default)."""
    limits.check_span(start, end)
    info = current_run(uow, run)
    with uow:
        rows = uow.evaluations.returns(info.id, method, start, end)
    if rows.empty and method not in run_methods(info):
        raise NotFound(f"no scheme {method!r} in run {info.name!r}", method=method)
    return rows.drop(columns="method").dropna(subset=["net"])


def method_weights(uow: UnitOfWork, method: str, run: str | None = None) -> pd.DataFrame:
    """Return one scheme's rebalance weights in a run, the default one when None (dates x symbols)."""
    info = current_run(uow, run)
    with uow:
        weights = uow.evaluations.weights(info.id, method)
    if weights.empty:
        raise NotFound(f"no scheme {method!r} in run {info.name!r}", method=method)
    return weights
