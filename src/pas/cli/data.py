"""`pas data load-demo | import-prices | import-factors | fetch-alpaca`."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from pas.cli.output import JsonOpt, console, container, emit_json, fail, progress_bar

if TYPE_CHECKING:  # readers and workflows (pandas) load inside the command that needs them
    from pas.workflows.data import ImportSummary

data_app = typer.Typer(help="Load market data and factors.", no_args_is_help=True)


def summary_json(s: ImportSummary) -> dict[str, Any]:
    """Return an import summary as JSON."""
    return {
        "source": s.source,
        "rows": s.rows,
        "symbols": list(s.symbols),
        "first_date": s.first_date,
        "last_date": s.last_date,
        "frequency": s.frequency,
        "skipped": s.skipped,
    }


def _say(s: ImportSummary) -> None:
    what = f"{s.frequency} factors" if s.frequency else f"prices of {len(s.symbols)} symbols"
    console.print(f"{s.source}: {s.rows:,} rows of {what}, {s.first_date} .. {s.last_date}")


@data_app.command("load-demo")
def load_demo(
    force: bool = typer.Option(False, help="Load again even when the demo is already stored."),
    json_out: bool = JsonOpt,
) -> None:
    """Load the bundled demo data (20 stocks, S&P 500, sectors, Fama–French factors)."""
    from pas.data.demo import demo_factors, demo_prices
    from pas.workflows.data import ImportSummary, demo_is_loaded, import_factors, import_prices

    with container() as c:
        c.init_schema()
        prices, factors = demo_prices(), demo_factors()
        if not force and demo_is_loaded(c.uow(), prices, factors):
            out = [ImportSummary("demo", 0, tuple(prices.symbols), skipped=True)]
        else:
            with progress_bar(not json_out) as report:
                out = [import_prices(c.uow(), prices, report)]
            out += [import_factors(c.uow(), fb) for fb in factors]
    if json_out:
        emit_json([summary_json(s) for s in out])
    elif out[0].skipped:
        console.print("demo data already loaded: nothing to do (use --force to reload)")
    else:
        for s in out:
            _say(s)


@data_app.command("import-prices")
def import_prices_command(
    file: Path = typer.Argument(..., help="Wide (date + one column per symbol) or long CSV."),
    securities: Path | None = typer.Option(None, help="CSV with symbol,name,sector,industry."),
    json_out: bool = JsonOpt,
) -> None:
    """Import a CSV of daily prices (all or nothing)."""
    from pas.data.csv_prices import read_prices_csv, read_securities_csv
    from pas.workflows.data import import_prices

    with container() as c:
        batch = read_prices_csv(file)
        if securities:
            from dataclasses import replace

            batch = replace(batch, securities=read_securities_csv(securities))
        c.init_schema()
        with progress_bar(not json_out) as report:
            summary = import_prices(c.uow(), batch, report)
    emit_json(summary_json(summary)) if json_out else _say(summary)


@data_app.command("import-factors")
def import_factors_command(
    file: Path = typer.Argument(..., help="Ken French factor file, CSV or zip, daily or monthly."),
    json_out: bool = JsonOpt,
) -> None:
    """Import a Ken French factor file (frequency detected from the date width)."""
    from pas.data.ken_french import read_ken_french
    from pas.workflows.data import import_factors

    with container() as c:
        batch = read_ken_french(file)
        c.init_schema()
        with progress_bar(not json_out) as report:
            report(0, 1, f"{batch.frequency} factors")
            summary = import_factors(c.uow(), batch)
            report(1, 1, f"{batch.frequency} factors")
    emit_json(summary_json(summary)) if json_out else _say(summary)


@data_app.command("fetch-alpaca")
def fetch_alpaca(
    symbols: str = typer.Option(..., help="Comma-separated symbols."),
    start: dt.datetime = typer.Option(..., formats=["%Y-%m-%d"], help="First date."),
    end: dt.datetime | None = typer.Option(
        None, formats=["%Y-%m-%d"], help="Last date (default: today)."
    ),
    json_out: bool = JsonOpt,
) -> None:
    """Fetch adjusted daily bars from Alpaca's market data API and store them."""
    from pas.data.alpaca_bars import fetch_daily_bars
    from pas.workflows.data import import_prices

    wanted = [s.strip().upper() for s in symbols.split(",") if s.strip()]
    if not wanted:
        fail("--symbols is empty")
    with container() as c:
        client = c.alpaca_data_client()
        with progress_bar(not json_out) as report:
            batch = fetch_daily_bars(
                client,
                wanted,
                start.date(),
                end.date() if end else None,
                feed=c.settings.alpaca.feed,
                on_chunk=lambda done, total: report(done, total, "symbols fetched"),
            )
            c.init_schema()
            summary = import_prices(c.uow(), batch, report)
    emit_json(summary_json(summary)) if json_out else _say(summary)


def register(app: typer.Typer) -> None:
    """Add `pas data ...` to `app`."""
    app.add_typer(data_app, name="data")
