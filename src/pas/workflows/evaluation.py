"""Use cases: run, extend and read the continuous evaluation of every scheme."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from pas.analytics.comparison import (
    ALL_METHODS,
    BENCHMARK,
    allocation_allocator,
    check_methods,
    check_prices,
    metrics_table,
    order_methods,
    walk_all,
)
from pas.analytics.evaluation import SchemeState, WalkForwardConfig
from pas.analytics.metrics import TRADING_DAYS
from pas.core.errors import InvalidInput, NotFound
from pas.core.records import EvaluationRunInfo
from pas.workflows.ports import Progress, UnitOfWork, no_progress


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
    config = WalkForwardConfig(
        request.rebalance, request.lookback, request.cost_bps, request.params
    )
    try:
        config.check()
    except ValueError as exc:
        raise InvalidInput(str(exc)) from None
    return config


def run_evaluation(
    uow: UnitOfWork, request: EvaluationRequest, progress: Progress = no_progress
) -> EvaluationSummary:
    """Compute the run with these parameters, or extend it from its last stored day; persist it."""
    config = validate_request(request)
    prices, factors, sectors = _inputs(uow, request)
    prices = check_prices(prices, request.lookback)
    params = request.as_dict(prices.columns)
    key = params_hash(params)
    with uow:
        run = uow.evaluations.find(key)
        created = run is None
        stored_states = {} if run is None else uow.evaluations.states(run.id)
        histories = None if run is None else _net_history(uow, run.id)
    states = {m: state_from_json(s) for m, s in stored_states.items()}
    allocator = allocation_allocator(
        expected_returns=request.expected_returns, covariance=request.covariance,
        sectors=sectors, params=request.params,
    )  # fmt: skip
    runs = walk_all(
        prices, params["methods"], allocator, config, factors=factors,
        states=states, histories=histories, progress=progress,
    )  # fmt: skip
    with uow:
        if run is None:
            run = uow.evaluations.create(key, params)
        for method, scheme_run in runs.items():
            uow.evaluations.append(
                run.id, method, scheme_run.daily, scheme_run.weights, scheme_run.fallbacks,
                state_to_json(scheme_run.state),
            )  # fmt: skip
        uow.evaluations.touch(run.id, prices.index[-1].date())
        uow.commit()
        run = uow.evaluations.get(run.id)
    assert run is not None
    new_days = max((len(r.daily) for r in runs.values()), default=0)
    return EvaluationSummary(run, new_days, created, compare(uow, run.id))


def update_all(uow: UnitOfWork, progress: Progress = no_progress) -> list[EvaluationSummary]:
    """Extend every stored run from its last stored day; return what each did."""
    with uow:
        latest = uow.evaluations.latest()
    if latest is None:
        return [run_evaluation(uow, EvaluationRequest(), progress)]
    out = []
    with uow:
        runs = uow.evaluations.all()
    for run in runs:
        out.append(run_evaluation(uow, request_of(run), progress))
    return out


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


def _net_history(uow: UnitOfWork, run_id: int) -> pd.DataFrame:
    rows = uow.evaluations.returns(run_id)
    if rows.empty:
        return pd.DataFrame()
    return rows.pivot(index="date", columns="method", values="net").sort_index()


def scheme_histories(uow: UnitOfWork, before: pd.Timestamp | None) -> pd.DataFrame | None:
    """Return the current run's daily net returns (dates x schemes) before `before`, or None.

    This is what the `dynamic` scheme blends on for a live decision: the same
    out-of-sample histories the walk-forward gives it, strictly before the
    decision date.
    """
    with uow:
        run = uow.evaluations.latest()
        if run is None:
            return None
        history = _net_history(uow, run.id)
    if history.empty:
        return None
    return history.loc[history.index < before] if before is not None else history


def run_methods(run: EvaluationRunInfo) -> list[str]:
    """Return the schemes a stored run evaluates."""
    methods = run.params.get("methods", [])
    return [str(m) for m in methods] if isinstance(methods, list) else []


def current_run(uow: UnitOfWork, run_id: int | None = None) -> EvaluationRunInfo:
    """Return a run by id, or the most recently updated one; NotFound when there is none."""
    with uow:
        run = uow.evaluations.get(run_id) if run_id is not None else uow.evaluations.latest()
    if run is None:
        raise NotFound("no evaluation run yet: run `pas evaluate` or POST /api/v1/evaluations/run")
    return run


def compare(
    uow: UnitOfWork, run_id: int, start: dt.date | None = None, end: dt.date | None = None,
    methods: Sequence[str] | None = None,
) -> pd.DataFrame:  # fmt: skip
    """Return the metrics (schemes x metrics) of a stored run over [start, end]."""
    with uow:
        rows = uow.evaluations.returns(run_id, None, start, end)
        factors = uow.factors.load("daily")
    if rows.empty:
        return pd.DataFrame()
    net = rows.pivot(index="date", columns="method", values="net").sort_index().dropna(how="all")
    turnover = rows.pivot(index="date", columns="method", values="turnover").sum()
    years = len(net) / TRADING_DAYS
    table = metrics_table(
        net, turnover / years, factors if len(factors) else None, net.get(BENCHMARK)
    )
    wanted = [m for m in (methods or table.index) if m in table.index]
    return table.loc[wanted]


def method_returns(
    uow: UnitOfWork, method: str, start: dt.date | None = None, end: dt.date | None = None
) -> pd.DataFrame:
    """Return one scheme's daily rows (date, gross, net, turnover, cost) in the current run."""
    run = current_run(uow)
    with uow:
        rows = uow.evaluations.returns(run.id, method, start, end)
    if rows.empty and method not in run_methods(run):
        raise NotFound(f"no scheme {method!r} in the current run", method=method)
    return rows.drop(columns="method").dropna(subset=["net"])


def method_weights(uow: UnitOfWork, method: str) -> pd.DataFrame:
    """Return one scheme's rebalance weights in the current run (dates x symbols)."""
    run = current_run(uow)
    with uow:
        weights = uow.evaluations.weights(run.id, method)
    if weights.empty:
        raise NotFound(f"no scheme {method!r} in the current run", method=method)
    return weights
