"""Use cases: run and extend the continuous evaluation of every scheme (reads: evaluation_reads).

Runs are named. The default run (`DEFAULT_RUN`, what `pas evaluate --update`
and the updater maintain) is what the API serves unless asked for another and
what `dynamic` blends live; an ad-hoc run is stored under its own name and
never replaces it. A run's metrics over its whole history are computed in the
transaction that writes its returns, so reading them is one lookup.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from pas.analytics.allocation.spec import AllocationSpec
from pas.analytics.comparison import (
    ALL_METHODS,
    allocation_allocator,
    check_methods,
    check_prices,
    order_methods,
    walk_all,
)
from pas.analytics.evaluation import SchemeRun, SchemeState, WalkForwardConfig
from pas.analytics.schedule import count_rebalances
from pas.core import limits
from pas.core.errors import Conflict, InvalidInput, NotFound
from pas.core.records import EvaluationRunInfo
from pas.workflows.evaluation_reads import DEFAULT_RUN, metrics_frame, metrics_json, net_history
from pas.workflows.evaluation_reads import scheme_histories as scheme_histories
from pas.workflows.ports import Progress, UnitOfWork, no_progress

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


@dataclass(frozen=True)
class EvaluationRequest:
    """Parameters of a continuous evaluation run (their hash names the run)."""

    methods: tuple[str, ...] = ALL_METHODS
    symbols: tuple[str, ...] = ()  # empty: every security with a sector
    rebalance: str = "M"
    lookback: int = 756
    cost_bps: float = 10.0
    expected_returns: str | None = None
    covariance: str = "ledoit_wolf"
    params: dict[str, dict[str, Any]] = field(default_factory=dict)

    def as_dict(self, symbols: Sequence[str]) -> dict[str, Any]:
        """Return the run's identity as JSON-able parameters."""
        return {
            "methods": list(order_methods(self.methods)),
            "symbols": sorted(symbols),
            "rebalance": self.rebalance,
            "lookback": self.lookback,
            "cost_bps": self.cost_bps,
            "expected_returns": self.expected_returns,
            "covariance": self.covariance,
            "params": self.params,
        }


@dataclass(frozen=True)
class EvaluationSummary:
    """What a run or update did and where the run now stands."""

    run: EvaluationRunInfo
    new_days: int
    created: bool
    metrics: pd.DataFrame


def params_hash(params: dict[str, Any]) -> str:
    """Return the SHA-256 of a run's parameters."""
    return hashlib.sha256(json.dumps(params, sort_keys=True, default=str).encode()).hexdigest()


def state_to_json(state: SchemeState | None) -> dict[str, Any] | None:
    """Return a resumable state as JSON (floats round-trip exactly)."""
    if state is None:
        return None
    return {
        "date": state.date.isoformat(),
        "weights": {str(k): float(v) for k, v in state.weights.items()},
        "target": {str(k): float(v) for k, v in state.target.items()},
        "pending_cost": state.pending_cost,
        "last_rebalance": state.last_rebalance.isoformat(),
    }


def state_from_json(data: dict[str, Any]) -> SchemeState:
    """Return the SchemeState stored as JSON."""
    return SchemeState(
        pd.Timestamp(data["date"]),
        pd.Series(data["weights"], dtype=float),
        pd.Series(data["target"], dtype=float),
        float(data["pending_cost"]),
        pd.Timestamp(data["last_rebalance"]),
    )


def _inputs(
    uow: UnitOfWork, request: EvaluationRequest
) -> tuple[pd.DataFrame, pd.DataFrame | None, dict[str, str]]:
    with uow:
        sectors = uow.securities.sectors()
        symbols = list(request.symbols) or sorted(sectors)
        if not symbols:
            raise NotFound(
                "no securities with a sector to evaluate: load data first (pas data load-demo)"
            )
        prices = uow.prices.wide(symbols)
        factors = uow.factors.load("daily")
    missing = sorted(set(symbols) - set(prices.columns))
    if missing:
        raise NotFound(f"no prices for {', '.join(missing)}", symbols=missing)
    return (
        prices[symbols],
        (factors if len(factors) else None),
        {s: sectors[s] for s in symbols if s in sectors},
    )


def validate_request(request: EvaluationRequest) -> WalkForwardConfig:
    """Return the walk-forward config of a request; InvalidInput names what is wrong."""
    check_methods(request.methods)
    limits.check_symbols(len(request.symbols))
    limits.check_lookback(request.lookback)
    config = WalkForwardConfig(
        request.rebalance, request.lookback, request.cost_bps, request.params
    )
    try:
        config.check()
    except ValueError as exc:
        raise InvalidInput(str(exc)) from None
    return config


def run_evaluation(
    uow: UnitOfWork,
    request: EvaluationRequest,
    progress: Progress = no_progress,
    name: str | None = None,
) -> EvaluationSummary:
    """Compute the run with these parameters, or extend it from its last stored day; persist it.

    A new run is stored as `name`; without one, the default parameters make the
    default run (when there is none yet) and any others `run-<hash>`. The same
    parameters always extend the run that has them, whatever its name.
    """
    config = validate_request(request)
    if name is not None:
        limits.check_name(name, "the run's name")
    prices, factors, sectors = _inputs(uow, request)
    prices = check_prices(prices, request.lookback)
    limits.check_symbols(prices.shape[1])
    params = request.as_dict(prices.columns)
    key = params_hash(params)
    with uow:
        run = uow.evaluations.find(key)
        name = run_name(uow, request, key, name) if run is None else run.name
        stored_states = {} if run is None else uow.evaluations.states(run.id)
        histories = None if run is None else net_history(uow, run.id)
    states = {m: state_from_json(s) for m, s in stored_states.items()}
    check_work(prices, config, params["methods"], states)
    spec = AllocationSpec(expected_returns=request.expected_returns, covariance=request.covariance)
    allocator = allocation_allocator(spec=spec, sectors=sectors, params=request.params)
    runs = walk_all(
        prices,
        params["methods"],
        allocator,
        config,
        factors=factors,
        states=states,
        histories=histories,
        progress=progress,
    )
    stored, table = store_walk(uow, run or (key, params, name), runs, factors, prices.index[-1])
    new_days = max((len(r.daily) for r in runs.values()), default=0)
    return EvaluationSummary(stored, new_days, run is None, table)


def store_walk(
    uow: UnitOfWork,
    run: EvaluationRunInfo | tuple[str, dict[str, Any], str],
    runs: dict[str, SchemeRun],
    factors: pd.DataFrame | None,
    last: pd.Timestamp,
) -> tuple[EvaluationRunInfo, pd.DataFrame]:
    """Write the new days of every scheme and the run's metrics in one transaction.

    `run` is a stored run, or (hash, parameters, name) of one to create. The
    metrics are computed on the stored rows inside the same transaction, so a
    reader never sees new returns beside old metrics.
    """
    with uow:
        info = uow.evaluations.create(*run) if isinstance(run, tuple) else run
        for method, scheme_run in runs.items():
            uow.evaluations.append(
                info.id,
                method,
                scheme_run.daily,
                scheme_run.weights,
                scheme_run.fallbacks,
                state_to_json(scheme_run.state),
            )
        table = metrics_frame(uow.evaluations.returns(info.id), factors, list(runs))
        uow.evaluations.touch(info.id, last.date(), metrics_json(table))
        uow.commit()
        stored = uow.evaluations.get(info.id)
    assert stored is not None
    return stored, table


def run_name(uow: UnitOfWork, request: EvaluationRequest, key: str, wanted: str | None) -> str:
    """Return the name a new run gets; Conflict when another run already has it."""
    if wanted is not None and not _NAME.match(wanted):
        raise InvalidInput(
            f"run name {wanted!r}: use 1-64 letters, digits, '.', '_' or '-'", name=wanted
        )
    name = wanted
    if name is None:
        default_free = uow.evaluations.by_name(DEFAULT_RUN) is None
        name = DEFAULT_RUN if default_free and request == EvaluationRequest() else f"run-{key[:8]}"
    if uow.evaluations.by_name(name) is not None:
        raise Conflict(
            f"an evaluation run named {name!r} exists with other parameters; choose another name",
            name=name,
        )
    return name


def check_work(
    prices: pd.DataFrame,
    config: WalkForwardConfig,
    methods: Sequence[str],
    states: dict[str, SchemeState],
) -> None:
    """Raise InvalidInput when the walk would exceed the evaluation work limit."""
    index = pd.DatetimeIndex(prices.index)
    decisions = sum(
        count_rebalances(index, config, getattr(states.get(m), "date", None)) for m in methods
    )
    limits.check_evaluation_work(decisions, prices.shape[1])


def update_all(uow: UnitOfWork, progress: Progress = no_progress) -> list[EvaluationSummary]:
    """Extend every stored run from its last stored day, creating the default run when missing."""
    with uow:
        default = uow.evaluations.by_name(DEFAULT_RUN)
        runs = uow.evaluations.all()
    out = []
    if default is None:
        out.append(run_evaluation(uow, EvaluationRequest(), progress, DEFAULT_RUN))
    for run in runs:
        out.append(run_evaluation(uow, request_of(run), progress, run.name))
    return out


def list_runs(uow: UnitOfWork) -> list[EvaluationRunInfo]:
    """Return every stored run, oldest first."""
    with uow:
        return uow.evaluations.all()


def request_of(run: EvaluationRunInfo) -> EvaluationRequest:
    """Return the request that created a stored run."""
    p = run.params
    return EvaluationRequest(
        methods=tuple(p["methods"]),  # type: ignore[arg-type]
        symbols=tuple(p["symbols"]),  # type: ignore[arg-type]
        rebalance=str(p["rebalance"]),
        lookback=int(p["lookback"]),  # type: ignore[call-overload]
        cost_bps=float(p["cost_bps"]),  # type: ignore[arg-type]
        expected_returns=p["expected_returns"],  # type: ignore[arg-type]
        covariance=str(p["covariance"]),
        params=dict(p["params"]),  # type: ignore[call-overload]
    )
