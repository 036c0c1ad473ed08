"""`pas strategies create | list | show | delete | demo`."""

from __future__ import annotations

import json
from typing import Any

import typer

from pas.cli.output import JsonOpt, console, container, emit_json, emit_record, fail, table
from pas.core.errors import InvalidInput
from pas.workflows.strategies import (
    StrategySpec,
    create_strategy,
    delete_strategy,
    find_strategy,
    strategy_json,
)
from pas.workflows.symbols import require_known
from pas.workflows.trading import demo_strategies

strategies_app = typer.Typer(
    help="Strategies: a sleeve, a universe and a scheme.", no_args_is_help=True
)


def _json_arg(text: str | None, what: str) -> dict[str, Any]:
    if not text:
        return {}
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"--{what} is not JSON: {exc}") from None
    if not isinstance(value, dict):
        raise InvalidInput(f"--{what} must be a JSON object")
    return value


@strategies_app.command("create")
def create(
    name: str = typer.Argument(..., help="A unique name (also the new sleeve's, with --cash)."),
    universe: str = typer.Option(..., help="Comma-separated symbols."),
    scheme: str = typer.Option(..., help="Allocation scheme, e.g. max_sharpe."),
    params: str | None = typer.Option(
        None, help='Scheme parameters as JSON, e.g. {"lookback": 252}.'
    ),
    schedule: str | None = typer.Option(None, help="Rebalance schedule (cron, UTC)."),
    order: str | None = typer.Option(None, help='Order settings as JSON, e.g. {"type": "limit"}.'),
    sleeve: int | None = typer.Option(None, help="Trade this existing sleeve."),
    cash: str | None = typer.Option(None, help="Create a sleeve with this much cash."),
    json_out: bool = JsonOpt,
) -> None:
    """Create a strategy on an existing sleeve or on a new funded one."""
    with container() as c:
        c.init_schema()
        spec = StrategySpec(
            name=name,
            universe=[s for s in universe.split(",") if s.strip()],
            scheme=scheme,
            params=_json_arg(params, "params"),
            schedule=schedule,
            order=_json_arg(order, "order"),
            sleeve_id=sleeve,
            cash=cash,
        )
        require_known(c.uow(), [s.strip().upper() for s in spec.universe], "the universe")
        strategy = create_strategy(c.order_book, c.ledger, c.broker, spec, c.schemes())
    if json_out:
        emit_json(strategy_json(strategy))
    else:
        console.print(f"strategy {strategy.id} {strategy.name!r} on sleeve {strategy.sleeve_id}")


@strategies_app.command("list")
def list_command(json_out: bool = JsonOpt) -> None:
    """List strategies."""
    with container() as c:
        found = c.order_book.strategies()
    if json_out:
        emit_json([strategy_json(s) for s in found])
        return
    table(
        "Strategies",
        ["id", "name", "sleeve", "scheme", "symbols", "schedule", "orders"],
        [
            [
                s.id,
                s.name,
                s.sleeve_id,
                s.scheme,
                len(s.universe),
                s.schedule or "-",
                s.order.get("type"),
            ]
            for s in found
        ],
    )


@strategies_app.command("show")
def show(
    ref: str = typer.Argument(..., help="Strategy id or name."), json_out: bool = JsonOpt
) -> None:
    """Show one strategy."""
    with container() as c:
        strategy = find_strategy(c.order_book, ref)
    data = strategy_json(strategy)
    emit_record(data, json_out)


@strategies_app.command("delete")
def delete(
    ref: str = typer.Argument(..., help="Strategy id or name."),
    cancel_orders: bool = typer.Option(
        False, "--cancel-orders", help="Cancel the strategy's open orders first."
    ),
    json_out: bool = JsonOpt,
) -> None:
    """Delete a strategy (its sleeve and order history stay); refused while it has open orders."""
    with container() as c:
        strategy = delete_strategy(c.order_desk, ref, cancel_orders=cancel_orders)
    if json_out:
        emit_json(strategy_json(strategy))
    else:
        console.print(f"strategy {strategy.id} {strategy.name!r} deleted")


@strategies_app.command("demo")
def demo(
    cash: str = typer.Option("1000000", help="Cash for each demo strategy's sleeve."),
    json_out: bool = JsonOpt,
) -> None:
    """Create one demo strategy per seed scheme, each with its own funded sleeve (idempotent)."""
    with container() as c:
        c.init_schema()
        created = demo_strategies(c.order_book, c.ledger, c.broker, c.uow(), c.schemes(), cash)
    if json_out:
        emit_json([strategy_json(s) for s in created])
        return
    if not created:
        fail("no demo strategies: load the demo data first (pas data load-demo)")
    console.print(f"{len(created)} demo strategies: " + ", ".join(s.name for s in created))


def register(app: typer.Typer) -> None:
    """Add `pas strategies ...` to `app`."""
    app.add_typer(strategies_app, name="strategies")
