"""`pas evaluate`: every scheme walked forward, persisted, compared side by side."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import pandas as pd
import typer

from pas.analytics.comparison import ALL_METHODS
from pas.cli.output import JsonOpt, console, container, emit_json, fail, progress_bar, table
from pas.workflows.evaluation import (
    EvaluationRequest,
    EvaluationSummary,
    compare,
    run_evaluation,
    run_methods,
    update_all,
)

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


def parse_methods(text: str) -> tuple[str, ...]:
    """Return the methods named in `all` or `m1,m2`."""
    if text.strip().lower() == "all":
        return ALL_METHODS
    methods = tuple(m.strip() for m in text.split(",") if m.strip())
    if not methods:
        fail("--methods is empty")
    return methods


def metrics_json(frame: pd.DataFrame) -> dict[str, dict[str, float | None]]:
    """Return scheme -> metric -> value (None for undefined)."""
    return {
        str(name): {
            k: (None if v is None or (isinstance(v, float) and math.isnan(v)) else float(v))
            for k, v in row.items()
        }
        for name, row in frame.iterrows()
    }


def _cell(key: str, value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"{value:.1%}" if key in PERCENT else f"{value:.2f}"


def _print(summary: EvaluationSummary, frame: pd.DataFrame) -> None:
    run = summary.run
    what = "computed" if summary.created else f"extended by {summary.new_days} day(s)"
    console.print(f"evaluation run {run.id} {what}; data to {run.last_date}")
    cols = [
        "cagr",
        "volatility_annual",
        "sharpe",
        "max_drawdown",
        "turnover_annual",
        "alpha_ff3_annual",
        "psr",
    ]
    heads = ["CAGR", "vol", "Sharpe", "max DD", "turnover", "FF3 α", "PSR"]
    table(
        None,
        ["scheme", *heads],
        [[name, *(_cell(c, row[c]) for c in cols)] for name, row in frame.iterrows()],
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
        update: bool = typer.Option(
            False, "--update", help="Extend every stored run from its last day."
        ),
        json_out: bool = JsonOpt,
    ) -> None:
        """Walk every scheme forward (or extend the stored runs) and compare them."""
        with container() as c:
            c.init_schema()
            with progress_bar(not json_out) as report:
                if update:
                    summaries = update_all(c.uow(), report)
                else:
                    request = EvaluationRequest(
                        parse_methods(methods),
                        tuple(x.strip().upper() for x in symbols.split(",") if x.strip()),
                        rebalance=rebalance,
                        lookback=lookback,
                        cost_bps=cost_bps,
                    )
                    summaries = [run_evaluation(c.uow(), request, report)]
            shown = [
                (
                    s,
                    compare(
                        c.uow(),
                        s.run.id,
                        start.date() if start else None,
                        end.date() if end else None,
                        run_methods(s.run),
                    ),
                )
                for s in summaries
            ]
        if json_out:
            emit_json(
                [
                    {
                        "run_id": s.run.id,
                        "created": s.created,
                        "new_days": s.new_days,
                        "last_date": s.run.last_date,
                        "params": s.run.params,
                        "metrics": metrics_json(f),
                    }
                    for s, f in shown
                ]
            )
            return
        for s, f in shown:
            _print(s, f)
