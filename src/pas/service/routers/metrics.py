"""Daily metrics per sleeve and for the account: summary, daily series, exposures."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter
from fastapi.responses import Response

from pas.core import limits
from pas.service.deps import ContainerDep, UowDep, Viewer
from pas.service.formats import Format, csv_response
from pas.workflows.freshness import freshness
from pas.workflows.metrics_read import (
    cached,
    daily_frame,
    daily_json,
    daily_rows,
    exposures,
    summary,
)

router = APIRouter(prefix="/api/v1/metrics", tags=["metrics"])


def _json(text: str) -> Response:
    return Response(text, media_type="application/json")


@router.get("/summary")
def metrics_summary(c: ContainerDep, uow: UowDep, _: Viewer) -> Response:
    """The newest metrics of the account and of every sleeve, and how fresh the data is."""
    ttl = c.settings.updater.metrics_cache_seconds
    today = dt.datetime.now(dt.UTC).date()

    def compute() -> dict[str, object]:
        fresh = freshness(uow, today, c.settings.updater.stale_business_days)
        return summary(c.metrics_store, fresh)

    return _json(cached(c.metrics_cache, f"summary:{today}", ttl, compute))


@router.get("/daily", response_model=None)
def metrics_daily(
    c: ContainerDep,
    _: Viewer,
    sleeve: str | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
    format: Format = "json",
) -> Response:
    """A sleeve's (default: the account's) daily metrics from start to end, JSON or CSV."""
    limits.check_span(start, end)
    ttl = c.settings.updater.metrics_cache_seconds
    if format == "csv":
        resolved, rows = daily_rows(c.metrics_store, sleeve, start, end)
        return csv_response(daily_frame(rows), f"metrics-{resolved[1]}.csv")
    key = f"daily:{sleeve or 'account'}:{start}:{end}"
    return _json(
        cached(
            c.metrics_cache,
            key,
            ttl,
            lambda: daily_json(*daily_rows(c.metrics_store, sleeve, start, end)),
        )
    )


@router.get("/exposures")
def metrics_exposures(c: ContainerDep, _: Viewer, sleeve: str | None = None) -> Response:
    """A sleeve's (default: the account's) newest sector weights, factor betas, gross and net."""
    ttl = c.settings.updater.metrics_cache_seconds
    key = f"exposures:{sleeve or 'account'}"
    return _json(cached(c.metrics_cache, key, ttl, lambda: exposures(c.metrics_store, sleeve)))
