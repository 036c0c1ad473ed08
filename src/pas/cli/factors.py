"""`pas factors`: Fama–French regressions of stored symbols."""

from __future__ import annotations

import datetime as dt
import math
from typing import TYPE_CHECKING, Any

import typer

from pas.cli.output import JsonOpt, console, container, emit_json, fail, progress_bar, table

if TYPE_CHECKING:
    import pandas as pd

#: table column -> how to print it
_FORMATS = {
    "alpha_annual": "{:.2%}",
    "beta_mkt": "{:.3f}",
    "beta_smb": "{:.3f}",
    "beta_hml": "{:.3f}",
    "beta_mom": "{:.3f}",
    "t_alpha": "{:.2f}",
    "t_mkt": "{:.2f}",
    "t_smb": "{:.2f}",
    "t_hml": "{:.2f}",
    "t_mom": "{:.2f}",
    "r2": "{:.3f}",
    "resid_vol_annual": "{:.2%}",
    "n_obs": "{:.0f}",
}


def _cell(column: str, value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    return _FORMATS[column].format(value)


def _rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Return rows as dicts with None for missing values (JSON has no NaN)."""
    clean = frame.astype(object).where(frame.notna(), None)
    return [dict(row) for row in clean.to_dict(orient="records")]


def factors_command(
    symbols: str | None = typer.Option(None, help="Comma-separated symbols."),
    all_symbols: bool = typer.Option(False, "--all", help="Every stored symbol."),
    start: dt.datetime | None = typer.Option(None, formats=["%Y-%m-%d"], help="First date."),
    end: dt.datetime | None = typer.Option(None, formats=["%Y-%m-%d"], help="Last date."),
    model: str = typer.Option("ff3", help="capm, ff3, ff4 (= carhart, adds mom)."),
    hac_lags: int | None = typer.Option(
        None, "--hac-lags", min=0, help="Newey–West lags for the t-statistics (OLS when omitted)."
    ),
    frequency: str = typer.Option("daily", help="Factor frequency: daily or monthly."),
    json_out: bool = JsonOpt,
) -> None:
    """Print alpha, betas, t-statistics, R² and residual volatility per symbol."""
    from pas.workflows import factors as wf

    wanted = [s.strip().upper() for s in (symbols or "").split(",") if s.strip()]
    if bool(wanted) == all_symbols:
        fail("give exactly one of --symbols A,B or --all")
    with container() as c, progress_bar(not json_out) as report:
        result = wf.regression(
            c.uow(),
            wanted or None,
            start.date() if start else None,
            end.date() if end else None,
            model=model,
            hac_lags=hac_lags,
            frequency=frequency,
            progress=report,
        )
    frame = result.table.drop(columns=["alpha", "adj_r2"])
    if json_out:
        emit_json(
            {
                "model": result.model,
                "cov_type": result.cov_type,
                "hac_lags": result.hac_lags,
                "note": result.note,
                "rows": _rows(result.table.reset_index()),
            }
        )
        return
    columns = [c for c in frame.columns if not frame[c].isna().all()]
    rows = [[sym, *(_cell(c, row[c]) for c in columns)] for sym, row in frame.iterrows()]
    errors = "OLS" if result.hac_lags is None else f"Newey–West HAC, {result.hac_lags} lags"
    table(f"{result.model.upper()} regression ({errors} t-stats)", ["symbol", *columns], rows)
    if result.note:
        console.print(result.note, markup=False, highlight=False)


def register(app: typer.Typer) -> None:
    """Add `pas factors` to `app`."""
    app.command("factors")(factors_command)
