"""/api/v1/ledger: sleeves, transfers, reservations, executions, the journal."""

from __future__ import annotations

import threading
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import Field

from pas.bootstrap import Container
from pas.core import limits
from pas.core.errors import DatabaseUnavailable
from pas.database.outage import database_outage
from pas.service.deps import Admin, ContainerDep, Trader, UowDep, Viewer, actor_of
from pas.service.params import Body, BodyId, Name, PathId, QueryId, StrictJsonRoute
from pas.workflows import ledger as wf
from pas.workflows.ports import AccountCash, Ledger
from pas.workflows.symbols import require_known

router = APIRouter(prefix="/api/v1/ledger", tags=["ledger"], route_class=StrictJsonRoute)


# async: FastAPI would run a sync dependency in the thread pool, one extra hop per request
async def _ledger(container: ContainerDep) -> Ledger:
    if "ledger" in vars(container):  # built already: no I/O
        return container.ledger
    # building it reads the journal: never on the event loop, which a slow database would stall
    return await run_in_threadpool(_build_ledger, container)


_BUILDING = threading.Lock()


def _build_ledger(container: Container) -> Ledger:
    """Build the ledger once; while the database is known to be down, refuse at once rather
    than let every waiting request try the journal in turn, each waiting out its timeout."""
    with _BUILDING:
        if "ledger" not in vars(container) and database_outage().down:
            raise DatabaseUnavailable("the database cannot be reached or did not answer in time")
        return container.ledger


async def _account(container: ContainerDep) -> AccountCash:
    return container.account_cash


LedgerDep = Annotated[Ledger, Depends(_ledger)]
AccountDep = Annotated[AccountCash, Depends(_account)]
# Amounts arrive as JSON strings or numbers and become Decimal; the ledger refuses
# zero, negative, non-finite and over-precise values with 422 (InvalidAmount).
Amount = Annotated[Decimal, Field(description='decimal string, e.g. "1500.25"')]


class SleeveCreate(Body):
    name: Name
    cash: Amount = Decimal(0)


class TransferCreate(Body):
    from_sleeve: BodyId | None = Field(None, description="sleeve id; null = unallocated cash")
    to_sleeve: BodyId | None = Field(None, description="sleeve id; null = unallocated cash")
    amount: Amount


class ReservationCreate(Body):
    sleeve: BodyId
    client_id: Name
    symbol: str = Field(min_length=1, max_length=16, description="a stored security")
    side: Literal["buy", "sell"]
    qty: Amount
    limit_price: Amount


class ExecutionCreate(Body):
    qty: Amount
    price: Amount
    fee: Amount = Decimal(0)
    reason: str = Field(
        min_length=1, max_length=500, description="why this fill is entered by hand (required)"
    )


class CashSync(Body):
    reason: str = Field(min_length=1, max_length=500, description="why, e.g. 'deposit of 1M'")
    cash: Amount | None = Field(None, description="the cash to book; default: the broker's")


# The role check comes first in every signature: FastAPI resolves dependencies in order,
# so a request without a valid key is refused before the ledger (Redis) is touched.


@router.post("/sleeves", status_code=201)
def create_sleeve(
    key: Trader, body: SleeveCreate, ledger: LedgerDep, account: AccountDep
) -> dict[str, Any]:
    """Create a sleeve funded from the account's unallocated cash."""
    view = wf.create_sleeve(ledger, account, body.name, body.cash, actor_of(key))
    return wf.sleeve_json(view)


@router.get("/sleeves")
def sleeves(_: Viewer, ledger: LedgerDep, uow: UowDep) -> list[dict[str, Any]]:
    """Every sleeve with positions valued at the latest prices."""
    return [wf.sleeve_json(v) for v in wf.list_sleeves(ledger, uow)]


@router.get("/sleeves/{sleeve}")
def sleeve(_: Viewer, sleeve: PathId, ledger: LedgerDep, uow: UowDep) -> dict[str, Any]:
    """One sleeve: cash, reserved, free float, positions (average cost, value, PnL)."""
    return wf.sleeve_json(wf.sleeve_state(ledger, uow, sleeve))


@router.get("/account")
def account(_: Viewer, ledger: LedgerDep, account: AccountDep) -> dict[str, Any]:
    """Account totals: the cash the ledger books, what is unallocated, the broker's cash."""
    return wf.totals_json(wf.totals(ledger, account))


@router.post("/account/sync")
def sync_account(
    key: Admin, body: CashSync, ledger: LedgerDep, account: AccountDep
) -> dict[str, Any]:
    """Book the broker's cash as the account's (after a deposit or withdrawal); admin only."""
    event = wf.sync_cash(ledger, account, body.reason, actor_of(key), body.cash)
    return {"event": wf.event_json(event), "account": wf.totals_json(wf.totals(ledger, account))}


@router.post("/transfers")
def transfer(
    key: Trader, body: TransferCreate, ledger: LedgerDep, account: AccountDep, uow: UowDep
) -> dict[str, Any]:
    """Move cash between two sleeves, or between a sleeve and unallocated cash."""
    event = wf.transfer(
        ledger, account, body.from_sleeve, body.to_sleeve, body.amount, actor_of(key)
    )
    ends = {
        end: wf.sleeve_json(wf.sleeve_state(ledger, uow, sid)) if sid else None
        for end, sid in (("from", body.from_sleeve), ("to", body.to_sleeve))
    }
    return {"event": wf.event_json(event), **ends}


@router.post("/reservations", status_code=201)
def reserve(
    key: Trader, body: ReservationCreate, response: Response, ledger: LedgerDep, uow: UowDep
) -> dict[str, Any]:
    """Reserve cash (buy) or shares (sell); 201 when created, 200 for a repeated client_id.

    The symbol must be a stored security (422 otherwise).
    """
    require_known(uow, [body.symbol.strip().upper()], "the reservation")
    res, created = wf.reserve(
        ledger,
        body.sleeve,
        body.client_id,
        body.symbol,
        body.side,
        body.qty,
        body.limit_price,
        actor_of(key),
    )
    response.status_code = 201 if created else 200
    return wf.reservation_json(res)


@router.get("/reservations")
def reservations(
    _: Viewer,
    ledger: LedgerDep,
    sleeve: QueryId = None,
    status: Literal["open", "filled", "cancelled"] | None = None,
) -> list[dict[str, Any]]:
    """Reservations, optionally of one sleeve and in one status."""
    return [wf.reservation_json(r) for r in wf.reservations(ledger, sleeve, status)]


@router.get("/reservations/{reservation_id}")
def reservation(_: Viewer, reservation_id: PathId, ledger: LedgerDep) -> dict[str, Any]:
    """One reservation."""
    return wf.reservation_json(ledger.reservation(reservation_id))


@router.post("/reservations/{reservation_id}/executions", status_code=201)
def execute(
    key: Admin, reservation_id: PathId, body: ExecutionCreate, ledger: LedgerDep, c: ContainerDep
) -> dict[str, Any]:
    """Record a fill made outside PAS (admin only; fills of PAS's orders come from the broker).

    The price must lie within `ledger.fill_band_pct` percent of the reservation's
    limit price (422 `fill_out_of_band` names the allowed range) and `reason` says why.
    """
    fill = wf.ManualFill(body.qty, body.price, body.fee, body.reason)
    band = c.settings.ledger.fill_band_pct
    return wf.execution_json(wf.manual_fill(ledger, reservation_id, fill, band, actor_of(key)))


@router.post("/reservations/{reservation_id}/cancel")
def cancel(key: Trader, reservation_id: PathId, ledger: LedgerDep) -> dict[str, Any]:
    """Cancel a reservation, releasing what it still holds."""
    return wf.reservation_json(wf.cancel(ledger, reservation_id, actor_of(key)))


@router.get("/events")
def events(
    _: Viewer,
    ledger: LedgerDep,
    since: int = Query(
        0, ge=0, le=limits.MAX_ID, description="answer events with a larger sequence number"
    ),
    limit: int = Query(1000, ge=1, le=10_000),
) -> list[dict[str, Any]]:
    """Journaled ledger events after `since`, oldest first, each with its `actor`."""
    return [wf.event_json(e) for e in wf.events(ledger, since, limit)]
