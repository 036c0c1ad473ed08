"""`pas rebalance`, `pas orders list | show | cancel`, `pas reconcile`."""

from __future__ import annotations

import typer

from pas.cli.output import JsonOpt, console, container, emit_json, emit_record, table
from pas.core.orders import OrderRecord
from pas.workflows.orders import dec, order_json
from pas.workflows.rebalance import RebalanceResult, rebalance, result_json
from pas.workflows.reconcile import last_report, reconcile_and_record
from pas.workflows.strategies import find_strategy
from pas.workflows.trading import order_detail

orders_app = typer.Typer(help="Orders routed to the broker.", no_args_is_help=True)


def rebalance_command(
    strategy: str = typer.Argument(..., help="Strategy id or name."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Plan only: place nothing."),
    json_out: bool = JsonOpt,
) -> None:
    """Rebalance a strategy's sleeve to its scheme's target weights."""
    with container() as c:
        found = find_strategy(c.order_book, strategy)
        result = rebalance(
            c.order_desk,
            c.uow(),
            found,
            c.target_weights,
            dry_run=dry_run,
            fee_buffer_bps=c.settings.ledger.fee_buffer_bps,
        )
    if json_out:
        emit_json(result_json(result))
        return
    _print_result(result)


def _print_result(result: RebalanceResult) -> None:
    plan = result.plan
    title = f"{result.strategy.name}: {'plan (dry run)' if result.dry_run else 'plan'}"
    rows = [
        [
            o.wave,
            o.side.value,
            o.symbol,
            o.qty,
            o.type.value,
            o.limit_price or "-",
            f"{o.notional:.2f}",
            o.expected_cost,
        ]
        for o in (*plan.orders, *plan.deferred)
    ]
    table(title, ["wave", "side", "symbol", "qty", "type", "limit", "notional", "cost"], rows)
    console.print(
        f"equity {plan.equity:.2f}, free float {plan.free_float:.2f}, "
        f"expected costs {plan.expected_costs}, cash after {plan.cash_after:.2f}"
    )
    for symbol, reason in plan.skipped:
        console.print(f"skipped {symbol}: {reason}", markup=False)
    if not result.dry_run:
        _print_orders(list(result.orders), "Orders placed")


def _print_orders(orders: list[OrderRecord], title: str) -> None:
    table(
        title,
        ["id", "strategy", "side", "symbol", "qty", "filled", "avg price", "status"],
        [
            [
                o.id,
                o.strategy_id,
                o.side.value,
                o.symbol,
                dec(o.qty),
                dec(o.filled_qty),
                dec(o.filled_avg_price) or "-",
                o.status.value,
            ]
            for o in orders
        ],
    )


@orders_app.command("list")
def list_command(
    strategy: str | None = typer.Option(None, help="Only this strategy's orders (id or name)."),
    status: str | None = typer.Option(None, help="A status, or open / closed."),
    json_out: bool = JsonOpt,
) -> None:
    """List orders, newest first."""
    with container() as c:
        strategy_id = find_strategy(c.order_book, strategy).id if strategy else None
        found = c.order_book.orders(strategy_id=strategy_id, status=status)
    if json_out:
        emit_json([order_json(o) for o in found])
        return
    _print_orders(found, "Orders")


@orders_app.command("show")
def show(
    order_id: int = typer.Argument(..., help="The order's id."), json_out: bool = JsonOpt
) -> None:
    """Show one order with its fills and status history."""
    with container() as c:
        detail = order_detail(c.order_book, order_id)
    emit_record(detail, json_out)


@orders_app.command("cancel")
def cancel(
    order_id: int = typer.Argument(..., help="The order's id."), json_out: bool = JsonOpt
) -> None:
    """Cancel an open order; the ledger releases what it did not fill."""
    with container() as c:
        record = c.order_desk.cancel(order_id)
    if json_out:
        emit_json(order_json(record))
    else:
        console.print(
            f"order {record.id}: {record.status.value}, "
            f"filled {dec(record.filled_qty)} of {dec(record.qty)}"
        )


def reconcile_command(
    last: bool = typer.Option(
        False, "--last", help="Show the last stored report; run nothing, change nothing."
    ),
    json_out: bool = JsonOpt,
) -> None:
    """Recover missed fills, then compare the ledger with the broker (exit 1 on differences).

    The report is stored: `--last` and GET /api/v1/reconciliation show it.
    """
    with container() as c:
        if last:
            report = last_report(c.job_runs)
        else:
            tolerance = c.settings.ledger.cash_tolerance
            report = reconcile_and_record(c.order_desk, c.job_runs, "cli", tolerance)
    if json_out:
        emit_json(report)
    else:
        console.print(
            f"run {report['run_id']} at {report['run_at']}: checked {report['checked_orders']} "
            f"open orders, recovered {report['recovered_fills']} fills, "
            f"repaired {report['repaired']}"
        )
        differences = report["differences"]
        if differences:
            table(
                "Differences",
                ["kind", "symbol", "ledger", "broker", "detail"],
                [
                    [d[k] for k in ("kind", "symbol", "ledger", "broker", "detail")]
                    for d in differences
                ],
            )
        else:
            console.print("ledger and broker agree")
    if not report["ok"]:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add `pas rebalance`, `pas orders ...` and `pas reconcile` to `app`."""
    app.command("rebalance")(rebalance_command)
    app.command("reconcile")(reconcile_command)
    app.add_typer(orders_app, name="orders")
