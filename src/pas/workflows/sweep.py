"""Use cases: a sweep of many evaluation runs, walked on an executor, stored as named runs.

The price panel (every symbol any run holds) and the factors are loaded once
and handed to the executor once; each task is one run's walk. Every run is
prepared and checked (names, limits, conflicts) before any work starts, and
each finished run is stored in its own transaction as it arrives, exactly as
`pas evaluate` stores it: the same parameters extend the same stored run.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TypeVar

import pandas as pd

from pas.analytics.comparison import Evaluation
from pas.analytics.evaluation import SchemeRun
from pas.analytics.sweep import SweepRun, WalkTask, evaluate_run, run_prices, walk_run
from pas.core import limits
from pas.core.errors import NotFound
from pas.core.records import EvaluationRunInfo
from pas.workflows.evaluation import (
    EvaluationRequest,
    EvaluationSummary,
    check_work,
    params_hash,
    request_of,
    run_name,
    state_from_json,
    store_walk,
    validate_request,
)
from pas.workflows.evaluation_reads import DEFAULT_RUN, Metrics, net_history, run_metrics
from pas.workflows.ports import Progress, UnitOfWork, no_progress
from pas.workflows.sweep_file import SweepFile, expand, parse_sweep

T = TypeVar("T")
R = TypeVar("R")


class Executor(Protocol):
    """Runs independent tasks of one function over shared data, sent to each worker once.

    Entering it reaches the workers (ExecutorUnavailable when they are out of
    reach); leaving it lets them go. `map` works without it too.
    """

    name: str

    def __enter__(self) -> Executor:
        """Reach the workers now; return the executor."""
        ...

    def __exit__(self, *exc: object) -> None:
        """Let the workers go."""
        ...

    def map(
        self, fn: Callable[..., R], shared: Sequence[Any], tasks: Sequence[T]
    ) -> Iterator[tuple[int, R]]:
        """Yield (index of the task, fn(*shared, task)) for every task, as each finishes."""
        ...


class LocalExecutor:
    """The default executor: every task in this process, one after the other."""

    name = "local"

    def __enter__(self) -> LocalExecutor:
        """Return self: there is nothing to reach."""
        return self

    def __exit__(self, *exc: object) -> None:
        """Nothing to release."""

    def map(
        self, fn: Callable[..., R], shared: Sequence[Any], tasks: Sequence[T]
    ) -> Iterator[tuple[int, R]]:
        """Yield (index, fn(*shared, task)) in task order."""
        for k, task in enumerate(tasks):
            yield k, fn(*shared, task)


@dataclass(frozen=True)
class SweepOutcome:
    """One run of a sweep: its parameters, the stored run and its metrics over its window."""

    run: SweepRun
    summary: EvaluationSummary
    metrics: Metrics


@dataclass(frozen=True)
class _Prepared:
    """A run checked and ready to walk: its stored twin (if any) or the name a new one gets."""

    key: str
    params: dict[str, Any]
    name: str
    stored: EvaluationRunInfo | None
    task: WalkTask
    last: pd.Timestamp  # the last date of the run's prices


def run_sweep(
    uow: UnitOfWork,
    plan: SweepFile | str | Path | Mapping[str, Any],
    executor: Executor | None = None,
    progress: Progress = no_progress,
) -> list[SweepOutcome]:
    """Walk every run of a sweep on `executor` (in-process when None); store each as a named run."""
    plan = plan if isinstance(plan, SweepFile) else parse_sweep(plan)
    with uow:
        sectors = uow.securities.sectors()
    runs = expand(plan, sorted(sectors))
    panel, factors = _panel(uow, runs)
    prepared, keys = _prepare_all(uow, runs, panel, sectors)
    summaries = _walk_and_store(uow, prepared, factors, executor, progress, panel)
    outcomes = []
    for run in runs:
        summary = summaries[keys[run.name]]
        metrics = run_metrics(uow, summary.run, run.start, run.end)
        outcomes.append(SweepOutcome(run, summary, metrics))
    return outcomes


def update_runs(
    uow: UnitOfWork, executor: Executor | None = None, progress: Progress = no_progress
) -> list[EvaluationSummary]:
    """Extend every stored run (creating the default run when missing) on `executor`.

    The same work as `evaluation.update_all`, the runs walked as one sweep.
    """
    with uow:
        sectors = uow.securities.sectors()
        stored = uow.evaluations.all()
        has_default = uow.evaluations.by_name(DEFAULT_RUN) is not None
    requests = [(r.name, request_of(r)) for r in stored]
    if not has_default:
        requests.insert(0, (DEFAULT_RUN, EvaluationRequest()))
    runs = [_sweep_run(name, req, sorted(sectors)) for name, req in requests]
    panel, factors = _panel(uow, runs)
    prepared, _ = _prepare_all(uow, runs, panel, sectors)
    summaries = _walk_and_store(uow, prepared, factors, executor, progress, panel)
    return [summaries[p.key] for p in prepared]


def sweep(
    prices: pd.DataFrame,
    plan: SweepFile | str | Path | Mapping[str, Any],
    *,
    factors: pd.DataFrame | None = None,
    sectors: Mapping[str, str] | None = None,
    executor: Executor | None = None,
    progress: Progress = no_progress,
) -> dict[str, Evaluation]:
    """Return run name -> Evaluation of every run of a sweep on daily prices (dates x symbols).

    Nothing is stored: the Python twin of `pas evaluate --sweep`. A run
    without symbols holds every column of `prices`; each run's metrics cover
    its `start`/`end` window.
    """
    plan = plan if isinstance(plan, SweepFile) else parse_sweep(plan)
    runs = expand(plan, [str(c) for c in prices.columns])
    missing = sorted({s for r in runs for s in r.symbols} - {str(c) for c in prices.columns})
    if missing:
        raise NotFound(f"no prices for {', '.join(missing)}", symbols=missing)
    panel = prices.astype(float).sort_index()
    panel.index = pd.DatetimeIndex(panel.index)
    panel.columns = [str(c) for c in panel.columns]
    for run in runs:
        run_prices(panel, run.symbols, run.lookback)
    tasks = [WalkTask(r, dict(sectors or {})) for r in runs]
    out: dict[str, Evaluation] = {}
    for k, evaluation in (executor or LocalExecutor()).map(evaluate_run, (panel, factors), tasks):
        out[runs[k].name] = evaluation
        progress(len(out), len(runs), "runs")
    return {r.name: out[r.name] for r in runs}


def _panel(uow: UnitOfWork, runs: Sequence[SweepRun]) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """Return the prices of every symbol of the sweep (dates x symbols) and the daily factors."""
    symbols = sorted({s for r in runs for s in r.symbols})
    if not symbols:
        raise NotFound(
            "no securities with a sector to evaluate: load data first (pas data load-demo)"
        )
    limits.check_symbols(len(symbols), "the sweep's universe")
    with uow:
        panel = uow.prices.wide(symbols)
        factors = uow.factors.load("daily")
    missing = sorted(set(symbols) - set(panel.columns))
    if missing:
        raise NotFound(f"no prices for {', '.join(missing)}", symbols=missing)
    return panel, (factors if len(factors) else None)


def _prepare_all(
    uow: UnitOfWork, runs: Sequence[SweepRun], panel: pd.DataFrame, sectors: Mapping[str, str]
) -> tuple[list[_Prepared], dict[str, str]]:
    """Return one prepared walk per distinct parameter set, and run name -> its hash.

    Every check is done before any walk starts; runs that differ only in their
    window share one walk and one stored run.
    """
    prepared: dict[str, _Prepared] = {}
    keys: dict[str, str] = {}
    for run in runs:
        item = _prepare(uow, run, panel, sectors)
        prepared.setdefault(item.key, item)
        keys[run.name] = item.key
    return list(prepared.values()), keys


def _prepare(
    uow: UnitOfWork, run: SweepRun, panel: pd.DataFrame, sectors: Mapping[str, str]
) -> _Prepared:
    request = _request(run)
    config = validate_request(request)
    prices = run_prices(panel, run.symbols, run.lookback)
    params = request.as_dict(prices.columns)
    key = params_hash(params)
    with uow:
        stored = uow.evaluations.find(key)
        name = run.name if stored is not None else run_name(uow, request, key, run.name)
        states = {} if stored is None else uow.evaluations.states(stored.id)
        histories = None if stored is None else net_history(uow, stored.id)
    resumed = {m: state_from_json(s) for m, s in states.items()}
    check_work(prices, config, params["methods"], resumed)
    universe = {s: sectors[s] for s in run.symbols if s in sectors}
    task = WalkTask(run, universe, resumed, histories)
    return _Prepared(key, params, name, stored, task, pd.Timestamp(prices.index[-1]))


def _walk_and_store(
    uow: UnitOfWork,
    prepared: Sequence[_Prepared],
    factors: pd.DataFrame | None,
    executor: Executor | None,
    progress: Progress,
    panel: pd.DataFrame,
) -> dict[str, EvaluationSummary]:
    """Walk the prepared runs on the executor; store each as it finishes; return hash -> summary."""
    tasks = [p.task for p in prepared]
    out: dict[str, EvaluationSummary] = {}
    progress(0, len(tasks), "runs")
    for k, runs in (executor or LocalExecutor()).map(walk_run, (panel, factors), tasks):
        out[prepared[k].key] = _stored(uow, prepared[k], runs, factors)
        progress(len(out), len(tasks), "runs")
    return out


def _stored(
    uow: UnitOfWork,
    item: _Prepared,
    runs: dict[str, SchemeRun],
    factors: pd.DataFrame | None,
) -> EvaluationSummary:
    target = item.stored or (item.key, item.params, item.name)
    info, table = store_walk(uow, target, runs, factors, item.last)
    new_days = max((len(r.daily) for r in runs.values()), default=0)
    return EvaluationSummary(info, new_days, item.stored is None, table)


def _request(run: SweepRun) -> EvaluationRequest:
    """Return the stored-run request of a sweep run (its window is not part of its identity)."""
    return EvaluationRequest(
        methods=run.methods,
        symbols=run.symbols,
        rebalance=run.rebalance,
        lookback=run.lookback,
        cost_bps=run.cost_bps,
        expected_returns=run.expected_returns,
        covariance=run.covariance,
        params={k: dict(v) for k, v in run.params.items()},
    )


def _sweep_run(name: str, request: EvaluationRequest, universe: Sequence[str]) -> SweepRun:
    """Return a stored run's request as a sweep run (empty symbols: the whole universe)."""
    return SweepRun(
        name=name,
        methods=request.methods,
        symbols=request.symbols or tuple(universe),
        rebalance=request.rebalance,
        lookback=request.lookback,
        cost_bps=request.cost_bps,
        expected_returns=request.expected_returns,
        covariance=request.covariance,
        params=request.params,
    )
