"""One run of a sweep, walked on a shared price panel: the task an executor runs (pure).

A sweep evaluates many parameter sets on one price panel (every symbol any of
its runs holds). The panel and the factors are sent to each worker once; a
task is a `SweepRun` (plus a stored run's states), and `walk_run` slices the
panel to the run's universe and walks it with the same engine as
`pas.evaluate`, so a run gives the same numbers on any executor.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from pas.analytics.allocation.spec import AllocationSpec
from pas.analytics.comparison import (
    Evaluation,
    allocation_allocator,
    assemble,
    check_prices,
    walk_all,
)
from pas.analytics.evaluation import SchemeRun, SchemeState, WalkForwardConfig


@dataclass(frozen=True)
class SweepRun:
    """One parameter set of a sweep; `start`/`end` only choose the window its metrics cover."""

    name: str
    methods: tuple[str, ...]
    symbols: tuple[str, ...]
    rebalance: str = "M"
    lookback: int = 756
    cost_bps: float = 10.0
    expected_returns: str | None = None
    covariance: str = "ledoit_wolf"
    params: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    start: dt.date | None = None
    end: dt.date | None = None

    def config(self) -> WalkForwardConfig:
        """Return the walk-forward parameters of the run."""
        return WalkForwardConfig(self.rebalance, self.lookback, self.cost_bps, dict(self.params))

    def spec(self) -> AllocationSpec:
        """Return the allocation settings every scheme of the run shares."""
        return AllocationSpec(expected_returns=self.expected_returns, covariance=self.covariance)


@dataclass(frozen=True)
class WalkTask:
    """A run to walk, and where a stored run stands (empty states: from the start)."""

    run: SweepRun
    sectors: Mapping[str, str] = field(default_factory=dict)
    states: Mapping[str, SchemeState] = field(default_factory=dict)
    histories: pd.DataFrame | None = None


def run_prices(panel: pd.DataFrame, symbols: tuple[str, ...], lookback: int) -> pd.DataFrame:
    """Return the panel's columns `symbols` on the dates where any of them has a price."""
    return check_prices(panel[list(symbols)].dropna(how="all"), lookback)


def walk_run(
    panel: pd.DataFrame, factors: pd.DataFrame | None, task: WalkTask
) -> dict[str, SchemeRun]:
    """Return every scheme's walk of one run on `panel` (dates x symbols, a superset of its universe)."""
    run = task.run
    prices = run_prices(panel, run.symbols, run.lookback)
    allocator = allocation_allocator(spec=run.spec(), sectors=task.sectors, params=run.params)
    return walk_all(
        prices,
        run.methods,
        allocator,
        run.config(),
        factors=factors,
        states=dict(task.states),
        histories=task.histories,
    )


def evaluate_run(panel: pd.DataFrame, factors: pd.DataFrame | None, task: WalkTask) -> Evaluation:
    """Return the Evaluation of one run walked from the start, its metrics over [start, end]."""
    run = task.run
    runs = walk_run(panel, factors, task)
    full = assemble(runs, run.methods, factors, run.config())
    if run.start is None and run.end is None:
        return full
    start = pd.Timestamp(run.start) if run.start else None
    end = pd.Timestamp(run.end) if run.end else None
    windowed = {k: _window(r, start, end) for k, r in runs.items()}
    table = assemble(windowed, run.methods, factors, run.config()).metrics
    return Evaluation(
        returns=full.returns.loc[start:end],
        gross=full.gross.loc[start:end],
        turnover=full.turnover.loc[start:end],
        weights={k: w.loc[start:end] for k, w in full.weights.items()},
        metrics=table,
        fallbacks=full.fallbacks,
        states=full.states,
        config=full.config,
    )


def _window(run: SchemeRun, start: pd.Timestamp | None, end: pd.Timestamp | None) -> SchemeRun:
    return SchemeRun(run.daily.loc[start:end], run.weights, run.fallbacks, run.state)
