"""The continuous evaluation: metrics per scheme, returns, weights, background runs."""

from __future__ import annotations

import datetime as dt
import logging
import math
import threading
from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from pas.analytics.comparison import ALL_METHODS
from pas.service.deps import ContainerDep, Trader, UowDep, Viewer
from pas.service.formats import Format, csv_response, records
from pas.workflows.evaluation import (
    EvaluationRequest,
    compare,
    current_run,
    method_returns,
    method_weights,
    run_methods,
    validate_request,
)
from pas.workflows.jobs import job_json, run_evaluation_job, submit_job

log = logging.getLogger(__name__)
router = APIRouter(prefix="/api/v1/evaluations", tags=["evaluations"])


class RunBody(BaseModel):
    methods: list[str] = Field(default_factory=lambda: list(ALL_METHODS))
    symbols: list[str] = Field(
        default_factory=list, description="empty: every security with a sector"
    )
    rebalance: str = "M"
    lookback: int = Field(756, ge=2)
    cost_bps: float = Field(10.0, ge=0, lt=10_000)
    expected_returns: str | None = None
    covariance: str = "ledoit_wolf"


def _clean(value: Any) -> Any:
    return None if isinstance(value, float) and math.isnan(value) else value


@router.get("")
def evaluations(
    uow: UowDep, _: Viewer, start: dt.date | None = None, end: dt.date | None = None
) -> dict[str, Any]:
    """Metrics per scheme of the current run (the most recently updated one)."""
    run = current_run(uow)
    frame = compare(uow, run.id, start, end, run_methods(run))
    return {
        "run_id": run.id,
        "last_date": run.last_date.isoformat() if run.last_date else None,
        "params": run.params,
        "metrics": {str(k): {c: _clean(v) for c, v in row.items()} for k, row in frame.iterrows()},
    }


@router.get("/{method}/returns", response_model=None)
def returns(
    method: str,
    uow: UowDep,
    _: Viewer,
    start: dt.date | None = None,
    end: dt.date | None = None,
    format: Format = "json",
) -> Response | dict[str, Any]:
    """One scheme's daily returns (gross, net of costs), turnover and costs."""
    rows = method_returns(uow, method, start, end)
    if format == "csv":
        return csv_response(rows, f"{method}_returns.csv")
    return {"method": method, "rows": records(rows)}


@router.get("/{method}/weights")
def weights(method: str, uow: UowDep, _: Viewer) -> dict[str, Any]:
    """One scheme's weights at each rebalance (CASH included when held)."""
    frame = method_weights(uow, method)
    return {
        "method": method,
        "rebalances": [
            {
                "date": d.date().isoformat(),
                "weights": {s: float(w) for s, w in row.items() if w != 0},
            }
            for d, row in frame.iterrows()
        ],
    }


@router.post("/run", status_code=202)
def run(body: RunBody, container: ContainerDep, _: Trader) -> JSONResponse:
    """Start a run (or extension) in the background; answers 202 with the job at once."""
    request = EvaluationRequest(
        tuple(body.methods), tuple(s.upper() for s in body.symbols), body.rebalance, body.lookback,
        body.cost_bps, body.expected_returns, body.covariance,
    )  # fmt: skip
    validate_request(request)
    job = submit_job(container.uow(), "evaluation")
    thread = threading.Thread(
        target=run_evaluation_job,
        args=(container.uow, job.id, request),
        name=f"job-{job.id}",
        daemon=True,
    )
    thread.start()
    return JSONResponse(
        job_json(job), status_code=202, headers={"Location": f"/api/v1/evaluations/jobs/{job.id}"}
    )


@router.get("/jobs/{job_id}")
def job(job_id: str, uow: UowDep, _: Viewer) -> dict[str, Any]:
    """A background run's progress: status, done/total, and the result when finished."""
    with uow:
        info = uow.jobs.get(job_id)
    return job_json(info)
