"""Process metrics in the Prometheus text format (served by the API at `/metrics`).

One registry per process: the API's requests, its WebSocket clients, the
ledger events this process committed and the updater jobs it ran. Labels are
bounded sets (route templates, not raw paths), so a scan of random URLs cannot
grow the exposition.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4

from pas.core.ledger import LedgerEvent

REGISTRY = CollectorRegistry(auto_describe=True)
#: the text format every Prometheus version reads
CONTENT_TYPE = CONTENT_TYPE_PLAIN_0_0_4

HTTP_REQUESTS = Counter(
    "pas_http_requests",
    "HTTP requests answered, by method, route template and status code.",
    ["method", "route", "status"],
    registry=REGISTRY,
)
HTTP_SECONDS = Histogram(
    "pas_http_request_duration_seconds",
    "Time from a request's arrival to the end of its answer, by method and route template.",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
    registry=REGISTRY,
)
HTTP_ERRORS = Counter(
    "pas_http_server_errors",
    "HTTP answers with a 5xx status, by method and route template.",
    ["method", "route"],
    registry=REGISTRY,
)
HTTP_IN_FLIGHT = Gauge(
    "pas_http_requests_in_flight",
    "HTTP requests in progress in this process (counted against server.max_in_flight).",
    registry=REGISTRY,
)
HTTP_SHED = Counter(
    "pas_http_shed",
    "HTTP requests refused with 503 overloaded: server.max_in_flight were in progress.",
    registry=REGISTRY,
)
LEDGER_OPS = Counter(
    "pas_ledger_operations",
    "Ledger events committed to the journal by this process, by operation.",
    ["op"],
    registry=REGISTRY,
)
WS_CLIENTS = Gauge(
    "pas_ws_clients",
    "WebSocket clients connected to this process's hub fan-out.",
    registry=REGISTRY,
)
JOB_RUNS = Counter(
    "pas_updater_job_runs",
    "Updater job runs finished in this process, by job and status.",
    ["job", "status"],
    registry=REGISTRY,
)
JOB_FAILURES = Counter(
    "pas_updater_job_failures",
    "Updater job runs that failed in this process, by job.",
    ["job"],
    registry=REGISTRY,
)


def count_ledger_event(event: LedgerEvent) -> None:
    """Count one committed ledger event under its kind (a ledger listener)."""
    LEDGER_OPS.labels(event.kind).inc()


def count_job_run(job: str, status: str) -> None:
    """Count one finished updater run (and a failure when it failed)."""
    JOB_RUNS.labels(job, status).inc()
    if status == "failed":
        JOB_FAILURES.labels(job).inc()


def exposition() -> bytes:
    """Return every metric of this process in the Prometheus text format."""
    return generate_latest(REGISTRY)
