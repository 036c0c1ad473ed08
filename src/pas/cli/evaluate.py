"""`pas evaluate`: every scheme walked forward, persisted as a named run, compared side by side."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from pas.cli.output import JsonOpt, console, container, emit_json, fail, progress_bar, table

if TYPE_CHECKING:  # the engine and pandas load inside the command, when it runs
    from pas.bootstrap import Container
    from pas.core.records import EvaluationRunInfo
    from pas.workflows.evaluation import EvaluationRequest, EvaluationSummary
    from pas.workflows.evaluation_reads import Metrics

PERCENT = {
    "cagr",
    "volatility_annual",
    "max_drawdown",
    "turnover_annual",
    "hit_rate",
    "alpha_ff3_annual",
    "var_95",
    "cvar_95",
    "tracking_error",
}
COLUMNS = ["cagr", "volatility_annual", "sharpe", "max_drawdown", "turnover_annual"]
COLUMNS += ["alpha_ff3_annual", "psr"]
HEADS = ["CAGR", "vol", "Sharpe", "max DD", "turnover", "FF3 α", "PSR"]


def parse_methods(text: str) -> tuple[str, ...]:
    """Return the methods named in `all` or `m1,m2`."""
    from pas.analytics.comparison import ALL_METHODS

    if text.strip().lower() == "all":
        return ALL_METHODS
    methods = tuple(m.strip() for m in text.split(",") if m.strip())
    if not methods:
        fail("--methods is empty")
    return methods


def cell(key: str, value: Any) -> str:
    """Return a metric as shown in a table (percentages for rates)."""
    if value is None:
        return "—"
    return f"{value:.1%}" if key in PERCENT else f"{value:.2f}"


def _print(summary: EvaluationSummary, metrics: Metrics) -> None:
    run = summary.run
    what = "computed" if summary.created else f"extended by {summary.new_days} day(s)"
    console.print(f"evaluation run {run.name!r} ({run.id}) {what}; data to {run.last_date}")
    table(
        None,
        ["scheme", *HEADS],
        [[name, *(cell(c, row.get(c)) for c in COLUMNS)] for name, row in metrics.items()],
    )


def _summary_json(summary: EvaluationSummary, metrics: Metrics) -> dict[str, Any]:
    run = summary.run
    return {
        "run_id": run.id,
        "name": run.name,
        "created": summary.created,
        "new_days": summary.new_days,
        "last_date": run.last_date,
        "params": run.params,
        "metrics": metrics,
    }


def _list(runs: list[EvaluationRunInfo], json_out: bool) -> None:
    keys = ("rebalance", "lookback", "cost_bps")
    if json_out:
        emit_json(
            [
                {"id": r.id, "name": r.name, "last_date": r.last_date, "updated_at": r.updated_at}
                | {k: r.params.get(k) for k in (*keys, "methods")}
                for r in runs
            ]
        )
        return
    table(
        "Evaluation runs",
        ["id", "name", "last date", *keys, "schemes"],
        [[r.id, r.name, r.last_date, *(r.params.get(k) for k in keys), _count(r)] for r in runs],
    )


def _count(run: EvaluationRunInfo) -> int:
    methods = run.params.get("methods")
    return len(methods) if isinstance(methods, list) else 0


SweepOpt = typer.Option(
    None, "--sweep", help="Walk every run of a sweep file (YAML) and store each as a named run."
)
ExecutorOpt = typer.Option(
    None,
    "--executor",
    help="local, processes[:N] or dask://HOST:PORT (default: the evaluation.executor setting).",
)


def register(app: typer.Typer) -> None:
    """Add `pas evaluate` to `app`."""

    @app.command("evaluate")
    def evaluate_command(
        methods: str = typer.Option("all", help="all, or a comma-separated list of schemes."),
        symbols: str = typer.Option("", help="Universe (default: every security with a sector)."),
        start: dt.datetime | None = typer.Option(
            None, formats=["%Y-%m-%d"], help="First date of the comparison window."
        ),
        end: dt.datetime | None = typer.Option(
            None, formats=["%Y-%m-%d"], help="Last date of the comparison window."
        ),
        rebalance: str = typer.Option("M", help="D, W, M, Q, drift:X or every:N."),
        lookback: int = typer.Option(756, help="Trading days each decision is fitted on."),
        cost_bps: float = typer.Option(10.0, help="Transaction cost in bps of traded value."),
        name: str | None = typer.Option(
            None,
            "--name",
            help="Store a new run under this name (default: 'default' for the default "
            "parameters, else run-<hash>); the default run is never replaced.",
        ),
        update: bool = typer.Option(
            False, "--update", help="Extend every stored run (and create the default one)."
        ),
        list_runs: bool = typer.Option(False, "--list", help="List the stored runs."),
        sweep: Path | None = SweepOpt,
        executor: str | None = ExecutorOpt,
        json_out: bool = JsonOpt,
    ) -> None:
        """Walk every scheme forward as a named run (or extend the stored runs) and compare them."""
        from pas.workflows import evaluation as wf
        from pas.workflows.evaluation_reads import run_metrics

        with container() as c:
            c.init_schema()
            if list_runs:
                _list(wf.list_runs(c.uow()), json_out)
                return
            if sweep is not None:
                _sweep(c, sweep, executor, json_out)
                return
            if update:
                summaries = _update(c, executor, json_out)
            else:
                request = wf.EvaluationRequest(
                    parse_methods(methods),
                    tuple(x.strip().upper() for x in symbols.split(",") if x.strip()),
                    rebalance=rebalance,
                    lookback=lookback,
                    cost_bps=cost_bps,
                )
                summaries = _run_one(c, request, name, json_out)
            window = (start.date() if start else None, end.date() if end else None)
            shown = [(s, run_metrics(c.uow(), s.run, *window)) for s in summaries]
        if json_out:
            emit_json([_summary_json(s, m) for s, m in shown])
            return
        for s, m in shown:
            _print(s, m)


def _run_one(
    c: Container, request: EvaluationRequest, name: str | None, json_out: bool
) -> list[EvaluationSummary]:
    """Compute or extend one run in this process."""
    from pas.workflows.evaluation import run_evaluation

    with progress_bar(not json_out) as report:
        return [run_evaluation(c.uow(), request, report, name)]


def _sweep(c: Container, path: Path, executor: str | None, json_out: bool) -> None:
    from pas.cli.sweep_output import print_sweep
    from pas.workflows.sweep import run_sweep
    from pas.workflows.sweep_file import parse_sweep

    plan = parse_sweep(path)  # a bad file fails before any worker is reached
    with c.executor(executor) as chosen, progress_bar(not json_out) as report:
        outcomes = run_sweep(c.uow(), plan, chosen, report)
    print_sweep(outcomes, chosen.name, json_out)


def _update(c: Container, executor: str | None, json_out: bool) -> list[EvaluationSummary]:
    """Extend every run: in this process, or as one sweep on another executor."""
    from pas.workflows.evaluation import update_all
    from pas.workflows.sweep import update_runs

    with c.executor(executor) as chosen, progress_bar(not json_out) as report:
        if chosen.name == "local":
            return update_all(c.uow(), report)
        return update_runs(c.uow(), chosen, report)
