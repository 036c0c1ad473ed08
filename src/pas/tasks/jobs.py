"""The updater's jobs: each calls one workflow and says what it did.

Every job is idempotent: prices and factors are upserted, metrics replace
their rows, evaluations extend from their stored last day, reconciliation
applies only what is missing, and a strategy's scheduled slot is claimed
once in the database before it rebalances.
"""

from __future__ import annotations

import datetime as dt
import logging
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pas.bootstrap import Container
from pas.workflows.schedules import JOBS, due_slot

log = logging.getLogger(__name__)
_said: set[str] = set()


@dataclass(frozen=True)
class Outcome:
    """How a job ended: done or skipped, one line, and its facts."""

    status: str
    message: str
    result: dict[str, Any] = field(default_factory=dict)


def _say_once(key: str, message: str) -> None:
    if key not in _said:
        _said.add(key)
        log.info(message)


def _today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def refresh_prices(c: Container) -> Outcome:
    """Fetch daily bars from Alpaca for every stored symbol, from its oldest last date on."""
    alpaca = c.settings.alpaca
    if alpaca.key_id is None or alpaca.secret_key is None:
        message = (
            "prices: Alpaca is not configured (alpaca.key_id, alpaca.secret_key); nothing to do"
        )
        _say_once("prices", message)
        return Outcome("skipped", message)
    from pas.data.alpaca_bars import fetch_daily_bars
    from pas.workflows.data import import_prices

    with c.uow() as uow:
        spans = uow.prices.spans()
    if not spans:
        return Outcome("skipped", "prices: no symbols stored yet")
    # from the oldest last date on: every symbol has at least that bar, the upsert keeps one copy
    start = min(last for _, last in spans.values())
    batch = fetch_daily_bars(
        c.alpaca_data_client(), sorted(spans), start, _today(), feed=alpaca.feed
    )
    summary = import_prices(c.uow(), batch)
    result = {"rows": summary.rows, "symbols": len(spans), "last_date": str(summary.last_date)}
    return Outcome("done", f"prices: {summary.rows} rows up to {summary.last_date}", result)


def refresh_factors(c: Container) -> Outcome:
    """Download the daily Fama–French factors and upsert them."""
    url = c.settings.updater.factors_url
    if not url:
        message = "factors: updater.factors_url is unset; nothing to do"
        _say_once("factors", message)
        return Outcome("skipped", message)
    import httpx

    from pas.core.errors import DataError
    from pas.data.ken_french import read_ken_french
    from pas.workflows.data import import_factors

    try:
        response = httpx.get(url, timeout=60.0, follow_redirects=True)
        response.raise_for_status()
    except httpx.HTTPError as exc:
        raise DataError(f"cannot download the factors from {url}: {exc}") from None
    with tempfile.TemporaryDirectory() as folder:
        name = url.rsplit("/", 1)[-1] or "factors.zip"
        path = Path(folder) / name
        path.write_bytes(response.content)
        batch = read_ken_french(path)
    summary = import_factors(c.uow(), batch)
    result = {"rows": summary.rows, "last_date": str(summary.last_date)}
    return Outcome("done", f"factors: {summary.rows} rows up to {summary.last_date}", result)


def stale_data(c: Container) -> Outcome:
    """Warn (a WARNING `logs` event) when prices or factors are older than allowed."""
    from pas.workflows.freshness import freshness

    fresh = freshness(c.uow(), _today(), c.settings.updater.stale_business_days)
    if fresh.stale:
        log.warning(fresh.message())
    return Outcome("done", fresh.message(), fresh.as_json())


def daily_metrics(c: Container) -> Outcome:
    """Recompute and store the daily metrics; publish the new summary on `metrics`."""
    from pas.workflows.freshness import freshness
    from pas.workflows.metrics import aggregate_metrics
    from pas.workflows.metrics_read import NAMESPACE, summary

    stale_after = c.settings.updater.stale_business_days
    newest = aggregate_metrics(c.ledger, c.uow(), c.metrics_store, _today(), stale_after)
    c.metrics_cache.invalidate(NAMESPACE)
    report = summary(c.metrics_store, freshness(c.uow(), _today(), stale_after))
    c.publish("metrics", report)
    as_of = report["as_of"]
    result = {"sleeves": len(newest), "as_of": as_of, "stale": report["stale"]}
    return Outcome("done", f"metrics: {len(newest)} book(s) as of {as_of}", result)


def update_evaluations(c: Container) -> Outcome:
    """Extend every stored evaluation run (on `evaluation.executor`); publish what changed."""
    from pas.workflows.evaluation import update_all
    from pas.workflows.sweep import update_runs

    executor = c.executor()
    summaries = update_all(c.uow()) if executor.name == "local" else update_runs(c.uow(), executor)
    runs: list[dict[str, Any]] = [
        {"run_id": s.run.id, "new_days": s.new_days, "last_date": str(s.run.last_date)}
        for s in summaries
    ]
    c.publish("evaluations", {"event": "updated", "runs": runs})
    days = sum(r["new_days"] for r in runs)
    return Outcome("done", f"evaluations: {len(runs)} run(s), {days} new day(s)", {"runs": runs})


def reconcile_broker(c: Container) -> Outcome:
    """Recover missed fills and report the differences between the ledger and the broker."""
    from pas.workflows.reconcile import reconcile, report_json, summary

    report = reconcile(c.order_desk, c.settings.ledger.cash_tolerance)
    if not report.ok:
        log.warning(summary(report))
    # the runner stores the result as a run of the `reconcile` job: GET /api/v1/reconciliation
    return Outcome("done", summary(report), {**report_json(report), "actor": "updater"})


def rebalance_due(c: Container, now: dt.datetime | None = None) -> Outcome:
    """Rebalance every strategy whose own schedule fired since the last check (once per slot)."""
    from pas.core.errors import PasError
    from pas.workflows.rebalance import rebalance

    now = now or dt.datetime.now(dt.UTC)
    grace = dt.timedelta(minutes=c.settings.updater.strategy_grace_minutes)
    fired: list[dict[str, Any]] = []
    for strategy in c.order_book.strategies():
        slot = due_slot(strategy, now, grace)
        if slot is None or not c.marks.claim(f"rebalance:{strategy.id}", slot.isoformat()):
            continue
        entry: dict[str, Any] = {"strategy": strategy.name, "slot": slot.isoformat()}
        try:
            done = rebalance(
                c.order_desk,
                c.uow(),
                strategy,
                c.target_weights,
                fee_buffer_bps=c.settings.ledger.fee_buffer_bps,
            )
            entry["orders"] = len(done.orders)
            log.info(
                "strategy %s rebalanced on schedule: %d order(s)", strategy.name, len(done.orders)
            )
        except PasError as exc:
            entry["error"] = str(exc)
            log.warning("strategy %s: scheduled rebalance failed: %s", strategy.name, exc)
        fired.append(entry)
    message = f"strategies: {len(fired)} rebalanced" if fired else "strategies: none due"
    return Outcome("done", message, {"fired": fired})


RUNNERS: dict[str, Callable[[Container], Outcome]] = {
    "prices": refresh_prices,
    "factors": refresh_factors,
    "stale_data": stale_data,
    "metrics": daily_metrics,
    "evaluations": update_evaluations,
    "reconcile": reconcile_broker,
    "strategies": rebalance_due,
}
assert list(RUNNERS) == list(JOBS), "every catalogued job has a runner, in the same order"
