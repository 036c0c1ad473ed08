"""Reconciliation: recover missed fills and compare the ledger with the broker.

Running one changes the ledger (POST, trader); reading the last report does not (GET, viewer).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from pas.service.deps import ContainerDep, Trader, Viewer, actor_of
from pas.service.params import StrictJsonRoute
from pas.workflows.reconcile import last_report, reconcile_and_record

router = APIRouter(prefix="/api/v1/reconciliation", tags=["orders"], route_class=StrictJsonRoute)


@router.get("")
def reconciliation(c: ContainerDep, _: Viewer) -> dict[str, Any]:
    """The last stored reconciliation report (applies nothing); 404 before the first run."""
    return last_report(c.job_runs)


@router.post("/run")
def run(c: ContainerDep, key: Trader) -> dict[str, Any]:
    """Run a reconciliation now, store its report and return it: `ok` is false while any
    difference remains."""
    return reconcile_and_record(
        c.order_desk, c.job_runs, actor_of(key), c.settings.ledger.cash_tolerance
    )
