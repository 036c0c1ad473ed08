"""Reconciliation: recover missed fills and compare the ledger with the broker."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from pas.service.deps import ContainerDep, Trader
from pas.workflows.reconcile import reconcile, report_json

router = APIRouter(prefix="/api/v1/reconciliation", tags=["orders"])


@router.get("")
def reconciliation(c: ContainerDep, _: Trader) -> dict[str, Any]:
    """Run a reconciliation: `ok` is false while any difference remains."""
    return report_json(reconcile(c.order_desk))
