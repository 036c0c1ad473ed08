"""Alpaca's trading API for the loopback fake: orders, account, positions, faults, fills.

Shapes follow /work/shared/ALPACA.md so alpaca-py's models validate them. The
test drives fills (`fill`), may script faults on order submission (`faults`)
and sees every event it would stream in `events` (the websocket server in
`alpaca_stream_server` sends them).
"""

from __future__ import annotations

import datetime as dt
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

#: a route answers this to close the connection without a response (a lost answer)
DROP = object()

OPEN = {"new", "accepted", "partially_filled", "pending_new", "pending_cancel"}


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat().replace("+00:00", "Z")


def _num(value: Decimal) -> str:
    return format(value.normalize(), "f") if value else "0"


def _error(status: int, code: int, message: str) -> tuple[int, Any]:
    return status, {"code": code, "message": message}


@dataclass
class FakeTrading:
    """The trading half of the fake: state, scripted faults and the event feed."""

    cash: Decimal = Decimal("100000")
    orders: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: consumed one per POST /v2/orders: "drop" (store, then lose the answer),
    #: "500" (refuse with 500, nothing stored), "502html" (HTML 502, nothing stored),
    #: "hang" (store, then answer nothing for `hang_seconds`), "403" (refused)
    faults: list[str] = field(default_factory=list)
    hang_seconds: float = 3.0
    #: symbol -> price: market orders fill at once at this price when present
    auto_fill: dict[str, Decimal] = field(default_factory=dict)
    #: stream events produced, in order; `listeners` get each as it is produced
    events: list[dict[str, Any]] = field(default_factory=list)
    listeners: list[Callable[[dict[str, Any]], None]] = field(default_factory=list)
    submits: int = 0
    lock: threading.RLock = field(default_factory=threading.RLock)

    # --- what the test drives -------------------------------------------------

    def fill(self, order_id: str, qty: Any, price: Any, *, emit: bool = True) -> dict[str, Any]:
        """Fill `qty` more of an order at `price`; stream the event unless `emit` is False."""
        with self.lock:
            order = self.orders[order_id]
            qty, price = Decimal(str(qty)), Decimal(str(price))
            prev = Decimal(order["filled_qty"])
            cum = prev + qty
            assert cum <= Decimal(order["qty"]), "over-fill in the test script"
            prev_avg = Decimal(order["filled_avg_price"] or "0")
            avg = (prev * prev_avg + qty * price) / cum
            self.cash += -qty * price if order["side"] == "buy" else qty * price
            done = cum == Decimal(order["qty"])
            order.update(
                filled_qty=_num(cum),
                filled_avg_price=_num(avg.quantize(Decimal("0.000001"))),
                status="filled" if done else "partially_filled",
                updated_at=_now(),
                filled_at=_now() if done else None,
            )
            order.setdefault("_fills", []).append((qty, price))
            event = self._event("fill" if done else "partial_fill", order, price=price, qty=qty)
        if emit:
            self.emit(event)
        return event

    def emit(self, event: dict[str, Any]) -> None:
        """Stream an event (again, for duplicate tests)."""
        self.events.append(event)
        for listener in list(self.listeners):
            listener(event)

    def by_client(self, client_order_id: str) -> dict[str, Any] | None:
        """Return the stored order with this client id, or None."""
        return next(
            (o for o in self.orders.values() if o["client_order_id"] == client_order_id), None
        )

    def public(self, order: dict[str, Any]) -> dict[str, Any]:
        """Return an order as the API shows it (internal keys dropped)."""
        return {k: v for k, v in order.items() if not k.startswith("_")}

    # --- the HTTP routes ------------------------------------------------------

    def handle(self, method: str, path: str, query: dict[str, list[str]], body: Any) -> Any:
        """Answer one trading request: (status, payload), DROP, or None when not ours."""
        if path == "/v2/orders" and method == "POST":
            return self.submit(body)
        if path == "/v2/orders" and method == "GET":
            return self.list(query)
        if path == "/v2/orders:by_client_order_id" and method == "GET":
            found = self.by_client(query.get("client_order_id", [""])[0])
            if found is None:
                return _error(404, 40410000, "order not found")
            return 200, self.public(self._settle(found))
        if path.startswith("/v2/orders/"):
            order = self.orders.get(path.rsplit("/", 1)[1])
            if order is None:
                return _error(404, 40410000, "order not found")
            if method == "GET":
                return 200, self.public(self._settle(order))
            if method == "DELETE":
                return self.cancel(order)
        if path == "/v2/account" and method == "GET":
            return 200, self.account()
        if path == "/v2/positions" and method == "GET":
            return 200, self.positions()
        return None

    def submit(self, body: dict[str, Any]) -> Any:
        """POST /v2/orders: store (client_order_id unique), maybe fault, maybe fill."""
        with self.lock:
            self.submits += 1
            fault = self.faults.pop(0) if self.faults else None
            if fault == "500":
                return _error(500, 50010000, "internal server error")
            if fault == "502html":
                return 502, "<html><body>502 Bad Gateway</body></html>"
            if fault == "403":
                return _error(403, 40310000, "insufficient buying power")
            cid = body.get("client_order_id") or str(uuid.uuid4())
            if self.by_client(cid) is not None:
                return _error(422, 40010001, "client_order_id must be unique")
            order = self._new_order(body, cid)
            self.orders[order["id"]] = order
            self.emit(self._event("new", order))
            price = self.auto_fill.get(order["symbol"])
            if price is not None and order["type"] == "market":
                self.fill(order["id"], order["qty"], price)
        if fault == "hang":
            time.sleep(self.hang_seconds)
            return DROP
        if fault == "drop":
            return DROP
        return 200, self.public(order)

    def _new_order(self, body: dict[str, Any], cid: str) -> dict[str, Any]:
        now = _now()
        limit = body.get("limit_price")
        return {
            "id": str(uuid.uuid4()),
            "client_order_id": cid,
            "created_at": now,
            "updated_at": now,
            "submitted_at": now,
            "filled_at": None,
            "canceled_at": None,
            "asset_id": str(uuid.uuid5(uuid.NAMESPACE_DNS, body["symbol"])),
            "symbol": body["symbol"],
            "asset_class": "us_equity",
            "qty": _num(Decimal(str(body["qty"]))),
            "filled_qty": "0",
            "filled_avg_price": None,
            "order_class": "simple",
            "order_type": body["type"],
            "type": body["type"],
            "side": body["side"],
            "time_in_force": body["time_in_force"],
            "limit_price": None if limit is None else str(limit),
            "status": "accepted",
            "extended_hours": False,
        }

    def list(self, query: dict[str, list[str]]) -> tuple[int, Any]:
        """GET /v2/orders: status open|closed|all, after/until, symbols, direction, limit."""
        status = query.get("status", ["open"])[0]
        limit = min(int(query.get("limit", ["50"])[0]), 500)
        after = query.get("after", [None])[0]
        until = query.get("until", [None])[0]
        symbols = query["symbols"][0].split(",") if "symbols" in query else None
        with self.lock:
            found = [self._settle(o) for o in self.orders.values()]
        found = [
            o
            for o in found
            if (status == "all" or (o["status"] in OPEN) == (status == "open"))
            and (after is None or _ts(o["submitted_at"]) > _ts(after))
            and (until is None or _ts(o["submitted_at"]) <= _ts(until))
            and (symbols is None or o["symbol"] in symbols)
        ]
        found.sort(key=lambda o: o["submitted_at"], reverse=query.get("direction") != ["asc"])
        return 200, [self.public(o) for o in found[:limit]]

    def cancel(self, order: dict[str, Any]) -> tuple[int, Any]:
        """DELETE /v2/orders/{id}: 204 and pending_cancel; the next read finds it canceled."""
        with self.lock:
            if order["status"] not in OPEN:
                return _error(422, 42210000, f'order is already in "{order["status"]}" state')
            order["_cancel_requested"] = True
            order["status"] = "pending_cancel"
            order["updated_at"] = _now()
        return 204, None

    def _settle(self, order: dict[str, Any]) -> dict[str, Any]:
        """Complete a requested cancel (Alpaca does it asynchronously)."""
        with self.lock:
            if order.get("_cancel_requested") and order["status"] == "pending_cancel":
                order.update(status="canceled", canceled_at=_now(), updated_at=_now())
                self.emit(self._event("canceled", order))
        return order

    def account(self) -> dict[str, Any]:
        """GET /v2/account with string money fields."""
        cash = _num(self.cash)
        return {
            "id": "3f1b1c8e-0000-4000-8000-000000000001",
            "account_number": "PA0000001",
            "status": "ACTIVE",
            "currency": "USD",
            "cash": cash,
            "buying_power": cash,
            "equity": cash,
            "portfolio_value": cash,
        }

    def positions(self) -> list[dict[str, Any]]:
        """GET /v2/positions from the fills."""
        book: dict[str, tuple[Decimal, Decimal]] = {}
        with self.lock:
            for order in self.orders.values():
                for qty, price in order.get("_fills", []):
                    held, cost = book.get(order["symbol"], (Decimal(0), Decimal(0)))
                    if order["side"] == "buy":
                        book[order["symbol"]] = (held + qty, cost + qty * price)
                    else:
                        left = held - qty
                        book[order["symbol"]] = (left, cost * left / held if held else Decimal(0))
        return [
            {
                "asset_id": str(uuid.uuid5(uuid.NAMESPACE_DNS, sym)),
                "symbol": sym,
                "exchange": "NASDAQ",
                "asset_class": "us_equity",
                "avg_entry_price": _num((cost / qty).quantize(Decimal("0.000001"))),
                "qty": _num(qty),
                "side": "long" if qty > 0 else "short",
                "cost_basis": _num(cost),
            }
            for sym, (qty, cost) in sorted(book.items())
            if qty != 0
        ]

    def _event(
        self, kind: str, order: dict[str, Any], *, price: Decimal | None = None, qty: Any = None
    ) -> dict[str, Any]:
        data: dict[str, Any] = {
            "event": kind,
            "execution_id": str(uuid.uuid4()),
            "order": self.public(dict(order)),
            "timestamp": _now(),
        }
        if price is not None:
            data.update(price=float(price), qty=float(qty), position_qty=0.0)
        return {"stream": "trade_updates", "data": data}


def _ts(text: str) -> dt.datetime:
    value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
