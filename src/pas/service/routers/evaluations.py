"""The continuous evaluation: named runs, metrics per scheme, returns, weights, background runs."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import Field

from pas.analytics.comparison import ALL_METHODS
from pas.core import limits
from pas.core.records import EvaluationRunInfo
from pas.service.answers import versioned_answer
from pas.service.deps import ContainerDep, Trader, UowDep, Viewer
from pas.service.formats import Format, encode, json_response, media, shaped
from pas.service.params import Body, Name, StrictJsonRoute
from pas.workflows.evaluation import EvaluationRequest, list_runs, validate_request
from pas.workflows.evaluation_reads import (
    DEFAULT_RUN,
    Metrics,
    current_run,
    method_returns,
    method_weights,
    run_metrics,
)
from pas.workflows.jobs import job_json, run_evaluation_job, submit_job

router = APIRouter(prefix="/api/v1/evaluations", tags=["evaluations"], route_class=StrictJsonRoute)

RUN = Query(None, description="A stored run's name; the default run when omitted.")


class RunBody(Body):
    methods: list[str] = Field(default_factory=lambda: list(ALL_METHODS), max_length=50)
    symbols: list[str] = Field(
        default_factory=list,
        max_length=limits.MAX_SYMBOLS,
        description="empty: every security with a sector",
    )
    rebalance: str = "M"
    lookback: int = Field(756, ge=2, le=limits.MAX_LOOKBACK)
    cost_bps: float = Field(10.0, ge=0, lt=10_000)
    expected_returns: str | None = None
    covariance: str = "ledoit_wolf"
    name: Name | None = Field(
        None,
        description="name of a new run (default: 'default' for the default parameters when "
        "there is no default run yet, else run-<hash>); the default run is never replaced",
    )


def _run_json(run: EvaluationRunInfo) -> dict[str, Any]:
    return {
        "run_id": run.id,
        "name": run.name,
        "last_date": run.last_date.isoformat() if run.last_date else None,
        "updated_at": run.updated_at.isoformat(),
        "params": run.params,
    }


def _metrics_answer(run: EvaluationRunInfo, metrics: Metrics) -> bytes:
    return encode({**_run_json(run), "metrics": metrics})


@router.get("", response_model=None)
def evaluations(
    request: Request,
    c: ContainerDep,
    uow: UowDep,
    _: Viewer,
    run: str | None = RUN,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> Response:
    """Metrics per scheme of a run (the default run): stored with the run, read in one lookup."""
    limits.check_span(start, end)
    info = current_run(uow, run)
    if start is None and end is None and info.metrics is not None:
        return Response(_metrics_answer(info, info.metrics), media_type="application/json")
    return versioned_answer(
        request,
        c,
        ("evaluations", "factors"),
        lambda: _metrics_answer(info, run_metrics(c.uow(), info, start, end)),
    )


@router.get("/runs", response_model=None)
def runs(uow: UowDep, _: Viewer) -> Response:
    """Every stored run: name, parameters, last date (the default run is named 'default')."""
    return json_response({"default": DEFAULT_RUN, "runs": [_run_json(r) for r in list_runs(uow)]})


@router.get("/{method}/returns", response_model=None)
def returns(
    method: str,
    request: Request,
    c: ContainerDep,
    _: Viewer,
    run: str | None = RUN,
    start: dt.date | None = None,
    end: dt.date | None = None,
    format: Format = "json",
) -> Response:
    """One scheme's daily returns (gross, net of costs), turnover and costs."""
    limits.check_span(start, end)

    def build() -> bytes:
        rows = method_returns(c.uow(), method, start, end, run)
        return shaped(rows, format, {"method": method, "run": run or DEFAULT_RUN})

    return versioned_answer(
        request, c, ("evaluations",), build, **media(format, f"{method}_returns.csv")
    )


@router.get("/{method}/weights", response_model=None)
def weights(
    method: str,
    request: Request,
    c: ContainerDep,
    _: Viewer,
    run: str | None = RUN,
    format: Format = "json",
) -> Response:
    """One scheme's weights at each rebalance (CASH included when held)."""

    def build() -> bytes:
        frame = method_weights(c.uow(), method, run)
        envelope = {"method": method, "run": run or DEFAULT_RUN}
        if format != "json":
            return shaped(frame.rename_axis("date").reset_index(), format, envelope)
        rebalances = [
            {"date": d.date().isoformat(), "weights": {s: float(w) for s, w in row.items() if w}}
            for d, row in frame.iterrows()
        ]
        return encode({**envelope, "rebalances": rebalances})

    return versioned_answer(
        request, c, ("evaluations",), build, **media(format, f"{method}_weights.csv")
    )


@router.post("/run", status_code=202)
def run_job(body: RunBody, container: ContainerDep, _: Trader) -> JSONResponse:
    """Start a run (or extension) in the background; answers 202 with the job at once.

    At most `MAX_EVALUATION_JOBS` run at once (429 beyond, with Retry-After).
    """
    request = EvaluationRequest(
        tuple(body.methods),
        tuple(s.upper() for s in body.symbols),
        body.rebalance,
        body.lookback,
        body.cost_bps,
        body.expected_returns,
        body.covariance,
    )
    validate_request(request)
    job = submit_job(container.uow(), "evaluation", limits.MAX_EVALUATION_JOBS)
    thread = threading.Thread(
        target=run_evaluation_job,
        args=(container.uow, job.id, request, body.name),
        name=f"job-{job.id}",
        daemon=True,
    )
    thread.start()
    return JSONResponse(
        job_json(job), status_code=202, headers={"Location": f"/api/v1/evaluations/jobs/{job.id}"}
    )


@router.get("/jobs/{job_id}")
def job(
    job_id: Annotated[str, Path(min_length=1, max_length=64)], uow: UowDep, _: Viewer
) -> dict[str, Any]:
    """A background run's progress: status, done/total, and the result when finished."""
    with uow:
        info = uow.jobs.get(job_id)
    return job_json(info)
