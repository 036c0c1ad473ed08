"""/api/v1/ledger: sleeves, transfers, reservations, executions, the journal."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel, Field

from pas.service.deps import ContainerDep, Trader, UowDep, Viewer
from pas.workflows import ledger as wf
from pas.workflows.ports import AccountCash, Ledger

router = APIRouter(prefix="/api/v1/ledger", tags=["ledger"])


# async: FastAPI would run a sync dependency in the thread pool, one extra hop per request
async def _ledger(container: ContainerDep) -> Ledger:
    return container.ledger


async def _account(container: ContainerDep) -> AccountCash:
    return container.account_cash


LedgerDep = Annotated[Ledger, Depends(_ledger)]
AccountDep = Annotated[AccountCash, Depends(_account)]
# Amounts arrive as JSON strings or numbers and become Decimal; the ledger refuses
# zero, negative, non-finite and over-precise values with 422 (InvalidAmount).
Amount = Annotated[Decimal, Field(description='decimal string, e.g. "1500.25"')]


class SleeveCreate(BaseModel):
    name: str = Field(min_length=1, max_length=64)
    cash: Amount = Decimal(0)


class TransferCreate(BaseModel):
    from_sleeve: int | None = Field(None, description="sleeve id; null = unallocated cash")
    to_sleeve: int | None = Field(None, description="sleeve id; null = unallocated cash")
    amount: Amount


class ReservationCreate(BaseModel):
    sleeve: int
    client_id: str = Field(min_length=1, max_length=64)
    symbol: str = Field(min_length=1, max_length=16)
    side: Literal["buy", "sell"]
    qty: Amount
    limit_price: Amount


class ExecutionCreate(BaseModel):
    qty: Amount
    price: Amount
    fee: Amount = Decimal(0)


@router.post("/sleeves", status_code=201)
def create_sleeve(
    body: SleeveCreate, ledger: LedgerDep, account: AccountDep, _: Trader
) -> dict[str, Any]:
    """Create a sleeve funded from the account's unallocated cash."""
    return wf.sleeve_json(wf.create_sleeve(ledger, account, body.name, body.cash))


@router.get("/sleeves")
def sleeves(ledger: LedgerDep, uow: UowDep, _: Viewer) -> list[dict[str, Any]]:
    """Every sleeve with positions valued at the latest prices."""
    return [wf.sleeve_json(v) for v in wf.list_sleeves(ledger, uow)]


@router.get("/sleeves/{sleeve}")
def sleeve(sleeve: int, ledger: LedgerDep, uow: UowDep, _: Viewer) -> dict[str, Any]:
    """One sleeve: cash, reserved, free float, positions (average cost, value, PnL)."""
    return wf.sleeve_json(wf.sleeve_state(ledger, uow, sleeve))


@router.get("/account")
def account(ledger: LedgerDep, account: AccountDep, _: Viewer) -> dict[str, Any]:
    """Account totals: sums over sleeves, the broker's cash and what is unallocated."""
    return wf.totals_json(wf.totals(ledger, account))


@router.post("/transfers")
def transfer(
    body: TransferCreate, ledger: LedgerDep, account: AccountDep, uow: UowDep, _: Trader
) -> dict[str, Any]:
    """Move cash between two sleeves, or between a sleeve and unallocated cash."""
    event = wf.transfer(ledger, account, body.from_sleeve, body.to_sleeve, body.amount)
    ends = {
        key: wf.sleeve_json(wf.sleeve_state(ledger, uow, sid)) if sid else None
        for key, sid in (("from", body.from_sleeve), ("to", body.to_sleeve))
    }
    return {"event": wf.event_json(event), **ends}


@router.post("/reservations", status_code=201)
def reserve(
    body: ReservationCreate, response: Response, ledger: LedgerDep, _: Trader
) -> dict[str, Any]:
    """Reserve cash (buy) or shares (sell); 201 when created, 200 for a repeated client_id."""
    res, created = wf.reserve(
        ledger, body.sleeve, body.client_id, body.symbol, body.side, body.qty, body.limit_price
    )
    response.status_code = 201 if created else 200
    return wf.reservation_json(res)


@router.get("/reservations")
def reservations(
    ledger: LedgerDep,
    _: Viewer,
    sleeve: int | None = None,
    status: Literal["open", "filled", "cancelled"] | None = None,
) -> list[dict[str, Any]]:
    """Reservations, optionally of one sleeve and in one status."""
    return [wf.reservation_json(r) for r in wf.reservations(ledger, sleeve, status)]


@router.get("/reservations/{reservation_id}")
def reservation(reservation_id: int, ledger: LedgerDep, _: Viewer) -> dict[str, Any]:
    """One reservation."""
    return wf.reservation_json(ledger.reservation(reservation_id))


@router.post("/reservations/{reservation_id}/executions", status_code=201)
def execute(
    reservation_id: int, body: ExecutionCreate, ledger: LedgerDep, _: Trader
) -> dict[str, Any]:
    """Record a (partial) fill: cash to position at the fill price, fee included."""
    return wf.execution_json(wf.execute(ledger, reservation_id, body.qty, body.price, body.fee))


@router.post("/reservations/{reservation_id}/cancel")
def cancel(reservation_id: int, ledger: LedgerDep, _: Trader) -> dict[str, Any]:
    """Cancel a reservation, releasing what it still holds."""
    return wf.reservation_json(wf.cancel(ledger, reservation_id))


@router.get("/events")
def events(
    ledger: LedgerDep,
    _: Viewer,
    since: int = Query(0, ge=0, description="answer events with a larger sequence number"),
    limit: int = Query(1000, ge=1, le=10_000),
) -> list[dict[str, Any]]:
    """Journaled ledger events after `since`, oldest first."""
    return [wf.event_json(e) for e in wf.events(ledger, since, limit)]
