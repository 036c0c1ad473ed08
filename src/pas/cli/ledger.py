"""`pas ledger sleeves | show | create | transfer | sync-cash | reservations | events | rebuild | verify`.

Changes made here are recorded with the actor `cli`.
"""

from __future__ import annotations

import typer

from pas.cli.output import JsonOpt, console, container, emit_json, err_console, table
from pas.workflows import ledger as wf

CLI = "cli"

ledger_app = typer.Typer(
    help="The trade ledger: sleeves, reservations, journal.", no_args_is_help=True
)


@ledger_app.command("sleeves")
def sleeves(json_out: bool = JsonOpt) -> None:
    """List sleeves with cash, reserved, free float and realised PnL."""
    with container() as c:
        c.init_schema()
        views = wf.list_sleeves(c.ledger, c.uow())
        totals = wf.totals(c.ledger, c.account_cash)
    if json_out:
        emit_json(
            {"sleeves": [wf.sleeve_json(v) for v in views], "account": wf.totals_json(totals)}
        )
        return
    rows = [wf.sleeve_json(v) for v in views]
    table(
        "Sleeves",
        ["id", "name", "cash", "reserved", "free float", "realized PnL", "positions"],
        [
            [
                r["id"],
                r["name"],
                r["cash"],
                r["reserved"],
                r["free_float"],
                r["realized_pnl"],
                len(r["positions"]),
            ]
            for r in rows
        ],
    )
    t = wf.totals_json(totals)
    console.print(
        f"account cash {t['account_cash']} (broker {t['broker_cash']}), allocated {t['cash']}, "
        f"unallocated {t['unallocated']}, seq {t['seq']}",
        markup=False,
    )


@ledger_app.command("show")
def show(
    sleeve: str = typer.Argument(..., help="Sleeve id or name."), json_out: bool = JsonOpt
) -> None:
    """Show one sleeve with its positions valued at the latest prices."""
    with container() as c:
        c.init_schema()
        data = wf.sleeve_json(wf.sleeve_state(c.ledger, c.uow(), sleeve))
    if json_out:
        emit_json(data)
        return
    console.print(
        f"sleeve {data['id']} {data['name']}: cash {data['cash']}, reserved {data['reserved']}, "
        f"free float {data['free_float']}, realized PnL {data['realized_pnl']}",
        markup=False,
    )
    cols = ["symbol", "qty", "qty_reserved", "avg_cost", "price", "market_value", "unrealized_pnl"]
    table("Positions", cols, [[p[k] for k in cols] for p in data["positions"]])


@ledger_app.command("create")
def create(
    name: str = typer.Argument(..., help="A unique sleeve name."),
    cash: str = typer.Option("0", help="Cash moved from the account's unallocated cash."),
    json_out: bool = JsonOpt,
) -> None:
    """Create a sleeve funded from unallocated cash."""
    with container() as c:
        c.init_schema()
        data = wf.sleeve_json(wf.create_sleeve(c.ledger, c.account_cash, name, cash, CLI))
    if json_out:
        emit_json(data)
    else:
        console.print(
            f"sleeve {data['id']} {data['name']} created with cash {data['cash']}", markup=False
        )


@ledger_app.command("transfer")
def transfer(
    amount: str = typer.Argument(..., help="Cash to move."),
    from_sleeve: int | None = typer.Option(
        None, "--from", help="Sleeve id (default: unallocated)."
    ),
    to_sleeve: int | None = typer.Option(None, "--to", help="Sleeve id (default: unallocated)."),
    json_out: bool = JsonOpt,
) -> None:
    """Move cash between sleeves or to/from the account's unallocated cash."""
    with container() as c:
        c.init_schema()
        event = wf.transfer(c.ledger, c.account_cash, from_sleeve, to_sleeve, amount, CLI)
    if json_out:
        emit_json(wf.event_json(event))
    else:
        console.print(f"transferred {amount} (event {event.seq})")


@ledger_app.command("sync-cash")
def sync_cash(
    reason: str = typer.Option(..., help="Why, e.g. 'deposit of 250,000 on 2026-12-01'."),
    cash: str | None = typer.Option(None, help="Cash to book (default: the broker's now)."),
    json_out: bool = JsonOpt,
) -> None:
    """Book the broker's cash as the account's (after a deposit or withdrawal outside PAS)."""
    with container() as c:
        c.init_schema()
        event = wf.sync_cash(c.ledger, c.account_cash, reason, CLI, cash)
    if json_out:
        emit_json(wf.event_json(event))
    else:
        console.print(f"account cash booked at {event.data['cash']} (event {event.seq})")


@ledger_app.command("reservations")
def reservations(
    sleeve: int | None = typer.Option(None, help="Only this sleeve id."),
    status: str | None = typer.Option(None, help="open, filled or cancelled."),
    json_out: bool = JsonOpt,
) -> None:
    """List reservations."""
    with container() as c:
        c.init_schema()
        rows = [wf.reservation_json(r) for r in wf.reservations(c.ledger, sleeve, status)]
    if json_out:
        emit_json(rows)
        return
    cols = [
        "id",
        "sleeve",
        "client_id",
        "symbol",
        "side",
        "qty",
        "limit_price",
        "reserved",
        "remaining",
        "filled_qty",
        "status",
    ]
    table("Reservations", cols, [[r[k] for k in cols] for r in rows])


@ledger_app.command("events")
def events(
    since: int = typer.Option(0, help="Only events with a larger sequence number."),
    limit: int = typer.Option(100, help="At most this many."),
    json_out: bool = JsonOpt,
) -> None:
    """Print journaled ledger events."""
    with container() as c:
        c.init_schema()
        rows = [wf.event_json(e) for e in wf.events(c.ledger, since, limit)]
    if json_out:
        emit_json(rows)
        return
    table(
        "Ledger events",
        ["seq", "at", "kind", "actor", "data"],
        [
            [
                e["seq"],
                e["at"],
                e["kind"],
                e["actor"],
                ", ".join(f"{k}={v}" for k, v in e["data"].items() if k != "actor"),
            ]
            for e in rows
        ],
    )


@ledger_app.command("rebuild")
def rebuild(json_out: bool = JsonOpt) -> None:
    """Recreate the live ledger (Redis keys) from the database journal."""
    with container() as c:
        c.init_schema()
        seq = wf.rebuild(c.ledger, CLI)
    if json_out:
        emit_json({"seq": seq})
    else:
        console.print(f"ledger rebuilt from the journal up to event {seq}")


@ledger_app.command("verify")
def verify(json_out: bool = JsonOpt) -> None:
    """Replay the journal, compare with the live ledger and check invariants (exit 1 if not)."""
    with container() as c:
        c.init_schema()
        report = wf.verify(c.ledger)
    if json_out:
        emit_json(wf.report_json(report))
    else:
        for line in (*report.differences, *report.violations):
            err_console.print(line, markup=False)
        state = (
            "ok"
            if report.ok
            else f"{len(report.differences)} differences, {len(report.violations)} violations"
        )
        console.print(f"ledger at event {report.seq} ({report.events} journaled): {state}")
    if not report.ok:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add `pas ledger ...` to `app`."""
    app.add_typer(ledger_app, name="ledger")
