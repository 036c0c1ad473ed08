"""How `pas evaluate --sweep` shows its runs: one table row per run and scheme, or JSON."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pas.cli.output import console, emit_json, table

if TYPE_CHECKING:
    from pas.workflows.sweep import SweepOutcome


def sweep_json(outcomes: list[SweepOutcome], executor: str) -> dict[str, Any]:
    """Return the JSON answer of a sweep: every run's parameters, stored run and metrics."""
    return {
        "executor": executor,
        "runs": [
            {
                "name": o.run.name,
                "run_id": o.summary.run.id,
                "stored_as": o.summary.run.name,
                "created": o.summary.created,
                "new_days": o.summary.new_days,
                "last_date": o.summary.run.last_date,
                "start": o.run.start,
                "end": o.run.end,
                "params": o.summary.run.params,
                "metrics": o.metrics,
            }
            for o in outcomes
        ],
    }


def print_sweep(outcomes: list[SweepOutcome], executor: str, json_out: bool) -> None:
    """Print the sweep's runs as JSON or as one table (a row per run and scheme)."""
    from pas.cli.evaluate import COLUMNS, HEADS, cell

    if json_out:
        emit_json(sweep_json(outcomes, executor))
        return
    created = sum(o.summary.created for o in outcomes)
    console.print(f"sweep: {len(outcomes)} run(s) on {executor}, {created} new")
    rows = []
    for o in outcomes:
        where = (
            o.run.name
            if o.summary.run.name == o.run.name
            else f"{o.run.name} ({o.summary.run.name})"
        )
        window = f"{o.run.start or '…'}..{o.run.end or '…'}"
        for scheme, values in o.metrics.items():
            rows.append([where, window, scheme, *(cell(c, values.get(c)) for c in COLUMNS)])
    table(None, ["run", "window", "scheme", *HEADS], rows)
