"""Random operation sequences: both backends agree with a small Decimal model after every step."""

from __future__ import annotations

import uuid
from collections import Counter
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    multiple,
    rule,
    run_state_machine_as_test,
)

from pas.core.errors import LedgerError
from tests.integration.ledger.conftest import ACCOUNT, open_ledger

MICRO = Decimal("0.000001")
SEEN: Counter[str] = Counter()
QTY = st.sampled_from(["1", "2", "0.5", "3", "10", "0.000001"])
PRICE = st.sampled_from(["10", "99.99", "100", "150.123457", "0.01"])
FEE = st.sampled_from(["0", "1", "0.01"])
CASH = st.sampled_from(["0", "500", "1000", "2500.5", "100000"])
SYMBOL = st.sampled_from(["AAPL", "KO"])


def up(x: Decimal) -> Decimal:
    return x.quantize(MICRO, rounding=ROUND_CEILING)


def down(x: Decimal) -> Decimal:
    return x.quantize(MICRO, rounding=ROUND_FLOOR)


class Model:
    """The ledger's rules written the plain way, independent of pas.core.ledger_state."""

    def __init__(self) -> None:
        self.sleeves: dict[int, dict[str, Any]] = {}
        self.positions: dict[tuple[int, str], dict[str, Decimal]] = {}
        self.res: dict[int, dict[str, Any]] = {}
        self.clients: dict[str, int] = {}
        self.account: Decimal | None = None  # the broker's cash, booked by the first sleeve

    def create(self, name: str, cash: Decimal) -> str | None:
        if any(s["name"] == name for s in self.sleeves.values()):
            return "DuplicateSleeve"
        account = ACCOUNT if self.account is None else self.account
        if cash > account - sum(s["cash"] for s in self.sleeves.values()):
            return "InsufficientFreeFloat"
        self.account = account
        sid = len(self.sleeves) + 1
        self.sleeves[sid] = {
            "name": name,
            "cash": cash,
            "reserved": Decimal(0),
            "realized": Decimal(0),
        }
        return None

    def transfer(self, a: int, b: int, amount: Decimal) -> str | None:
        if a not in self.sleeves or b not in self.sleeves:
            return "UnknownSleeve"
        if a == b:
            return "InvalidAmount"
        src = self.sleeves[a]
        if amount > src["cash"] - src["reserved"]:
            return "InsufficientFreeFloat"
        src["cash"] -= amount
        self.sleeves[b]["cash"] += amount
        return None

    def reserve(
        self, sid: int, client: str, sym: str, side: str, qty: Decimal, limit: Decimal
    ) -> str | None:
        request = (sid, sym, side, qty, limit)
        if client in self.clients:
            return (
                None
                if self.res[self.clients[client]]["request"] == request
                else "DuplicateClientId"
            )
        if sid not in self.sleeves:
            return "UnknownSleeve"
        s = self.sleeves[sid]
        pos = self.positions.get(
            (sid, sym), {"qty": Decimal(0), "held": Decimal(0), "cost": Decimal(0)}
        )
        if side == "buy":
            amount = up(qty * limit * Decimal("1.001"))
            if amount > s["cash"] - s["reserved"]:
                return "InsufficientFreeFloat"
            s["reserved"] += amount
        else:
            amount = qty
            if qty > pos["qty"] - pos["held"]:
                return "InsufficientPosition"
            pos["held"] += qty
        rid = len(self.res) + 1
        self.res[rid] = {"request": request, "sleeve": sid, "symbol": sym, "side": side, "qty": qty,
                         "remaining": amount, "filled": Decimal(0), "status": "open"}  # fmt: skip
        self.clients[client] = rid
        return None

    def execute(self, rid: int, q: Decimal, price: Decimal, fee: Decimal) -> str | None:
        if rid not in self.res:
            return "UnknownReservation"
        r = self.res[rid]
        if r["status"] != "open":
            return "ReservationClosed"
        if q > r["qty"] - r["filled"]:
            return "OverFill"
        s, key = self.sleeves[r["sleeve"]], (r["sleeve"], r["symbol"])
        free = s["cash"] - s["reserved"]
        done = r["filled"] + q == r["qty"]
        if r["side"] == "buy":
            cost = up(q * price) + fee
            used = min(cost, r["remaining"])
            released = r["remaining"] - used if done else Decimal(0)
            if cost - used - released > free:
                return "InsufficientFreeFloat"
            s["cash"] -= cost
            self.account = (self.account or ACCOUNT) - cost  # fills move the account's cash too
            s["reserved"] -= used + released
            r["remaining"] -= used + released
            pos = self.positions.setdefault(
                key, {"qty": Decimal(0), "held": Decimal(0), "cost": Decimal(0)}
            )
            pos["qty"] += q
            pos["cost"] += cost
        else:
            proceeds = down(q * price) - fee
            if -proceeds > free:
                return "InsufficientFreeFloat"
            pos = self.positions[key]
            removed = down(pos["cost"] * q / pos["qty"])
            s["cash"] += proceeds
            self.account = (self.account or ACCOUNT) + proceeds
            s["realized"] += proceeds - removed
            r["remaining"] -= q
            pos["qty"] -= q
            pos["held"] -= q
            pos["cost"] -= removed
            if pos["qty"] == 0:
                del self.positions[key]
        r["filled"] += q
        r["status"] = "filled" if done else "open"
        return None

    def cancel(self, rid: int) -> str | None:
        if rid not in self.res:
            return "UnknownReservation"
        r = self.res[rid]
        if r["status"] != "open":
            return "ReservationClosed"
        if r["side"] == "buy":
            self.sleeves[r["sleeve"]]["reserved"] -= r["remaining"]
        else:
            self.positions[(r["sleeve"], r["symbol"])]["held"] -= r["remaining"]
        r["remaining"] = Decimal(0)
        r["status"] = "cancelled"
        return None

    def view(self) -> Any:
        sleeves = [
            (sid, s["name"], s["cash"], s["reserved"], s["realized"],
             tuple((sym, p["qty"], p["held"], p["cost"])
                   for (i, sym), p in sorted(self.positions.items()) if i == sid))
            for sid, s in sorted(self.sleeves.items())
        ]  # fmt: skip
        res = [(i, r["status"], r["remaining"], r["filled"]) for i, r in sorted(self.res.items())]
        return sleeves, res


def backend_view(ledger: Any) -> Any:
    sleeves = [
        (s.id, s.name, s.cash, s.reserved, s.realized_pnl,
         tuple((p.symbol, p.qty, p.qty_reserved, p.cost) for p in s.positions))
        for s in ledger.sleeves()
    ]  # fmt: skip
    res = [(r.id, r.status.value, r.remaining, r.filled_qty) for r in ledger.reservations()]
    return sleeves, res


def make_machine(tmp: Path, redis_url: str) -> type[RuleBasedStateMachine]:
    class LedgerMachine(RuleBasedStateMachine):
        reservations = Bundle("reservations")

        @initialize()
        def open_backends(self) -> None:
            self.model = Model()
            self.opened = [
                open_ledger("embedded", f"sqlite:///{tmp / uuid.uuid4().hex}.db", None, "acct"),
                open_ledger("redis", f"sqlite:///{tmp / uuid.uuid4().hex}.db", redis_url,
                            f"pastest:sm:{uuid.uuid4().hex[:8]}"),
            ]  # fmt: skip
            for name, cash in (("main", "100000"), ("small", "300")):
                self.both("create", self.model.create(name, Decimal(cash)),
                          lambda g, n=name, c=cash: g.create_sleeve(n, c, ACCOUNT))  # fmt: skip
            # a starting position, so sells can happen from the first step
            for sym in ("AAPL", "KO"):
                self.model.reserve(1, f"seed-{sym}", sym, "buy", Decimal(10), Decimal(100))
                self.model.execute(len(self.model.res), Decimal(10), Decimal(99), Decimal(1))
                for ledger, _, _ in self.opened:
                    res, _ = ledger.reserve(1, f"seed-{sym}", sym, "buy", "10", "100")
                    ledger.execute(res.id, "10", "99", "1")

        def teardown(self) -> None:
            for ledger, engine, client in getattr(self, "opened", []):
                ledger.close()
                engine.dispose()
                if client is not None:
                    keys = list(client.scan_iter(f"{ledger.base}:*"))
                    if keys:
                        client.delete(*keys)
                    client.close()

        def both(self, label: str, expected: str | None, call: Any) -> None:
            event(f"{label}: {expected or 'ok'}")
            SEEN[f"{label}: {expected or 'ok'}"] += 1
            for ledger, _, _ in self.opened:
                try:
                    call(ledger)
                    got = None
                except LedgerError as exc:
                    got = type(exc).__name__
                assert got == expected, (type(ledger).__name__, got, expected)

        @rule(name=st.sampled_from(["main", "c"]), cash=CASH)
        def create(self, name: str, cash: str) -> None:
            self.both(
                "create",
                self.model.create(name, Decimal(cash)),
                lambda g: g.create_sleeve(name, cash, ACCOUNT),
            )

        @rule(
            a=st.integers(1, 3), b=st.integers(1, 3), amount=st.sampled_from(["1", "100.5", "2000"])
        )
        def transfer(self, a: int, b: int, amount: str) -> None:
            self.both(
                "transfer",
                self.model.transfer(a, b, Decimal(amount)),
                lambda g: g.transfer(a, b, amount, ACCOUNT),
            )

        @rule(target=reservations, sid=st.integers(1, 3), client=st.sampled_from(["x", "y", "z", "w", "v"]) | st.uuids().map(str),
              sym=SYMBOL, side=st.sampled_from(["buy", "sell"]), qty=QTY, limit=PRICE)  # fmt: skip
        def reserve(self, sid: int, client: str, sym: str, side: str, qty: str, limit: str) -> Any:
            expected = self.model.reserve(sid, client, sym, side, Decimal(qty), Decimal(limit))
            self.both(
                f"reserve-{side}", expected, lambda g: g.reserve(sid, client, sym, side, qty, limit)
            )
            return multiple() if expected else multiple(self.model.clients[client])

        @rule(rid=reservations | st.just(999), qty=QTY, price=PRICE, fee=FEE)
        def execute(self, rid: int, qty: str, price: str, fee: str) -> None:
            expected = self.model.execute(rid, Decimal(qty), Decimal(price), Decimal(fee))
            self.both("execute", expected, lambda g: g.execute(rid, qty, price, fee))

        # half the fills come at the order's own limit price, as most real fills do: enough of
        # them succeed that every run reaches fills (random prices alone left some runs with none)
        @rule(
            rid=reservations, price=st.just("limit") | PRICE, fee=FEE, part=st.sampled_from([1, 2])
        )
        def fill(self, rid: int, price: str, fee: str, part: int) -> None:
            r = self.model.res[rid]
            if price == "limit":
                price = str(r["request"][4])
            left = r["qty"] - r["filled"]
            qty = (
                str(left if part == 1 or left < Decimal("0.000002") else down(left / 2))
                if left
                else "1"
            )
            expected = self.model.execute(rid, Decimal(qty), Decimal(price), Decimal(fee))
            self.both("fill", expected, lambda g: g.execute(rid, qty, price, fee))

        @rule(rid=reservations | st.just(999))
        def cancel(self, rid: int) -> None:
            self.both("cancel", self.model.cancel(rid), lambda g: g.cancel(rid))

        @rule(stale=st.booleans())
        def redis_reset(self, stale: bool) -> None:
            """Redis restarts empty (or comes back from an old snapshot) under the running ledger."""
            SEEN["redis reset"] += 1
            for ledger, _, client in self.opened:
                if client is None:
                    continue
                if stale:  # an older snapshot: the same epoch, but behind the journal
                    client.hincrby(f"{ledger.base}:meta", "seq", -1)
                else:
                    client.delete(*client.scan_iter(f"{ledger.base}:*"))

        @invariant()
        def agree(self) -> None:
            if not hasattr(self, "opened"):
                return
            expected = self.model.view()
            for ledger, _, _ in self.opened:
                assert backend_view(ledger) == expected, type(ledger).__name__
                report = ledger.verify()
                assert report.ok, report

    return LedgerMachine


@pytest.mark.slow
def test_backends_agree_with_the_model(tmp_path: Path, redis_url: str) -> None:
    machine = make_machine(tmp_path, redis_url)
    # the sequences must reach fills and sells, not only refusals; Hypothesis switches rules
    # off at random in some examples, so a run of 30 can miss one: explore on (at most three
    # runs, each with new random sequences) until both were seen
    for _ in range(3):
        run_state_machine_as_test(
            machine,
            settings=settings(
                max_examples=30,
                stateful_step_count=25,
                deadline=None,
                suppress_health_check=[HealthCheck.too_slow],
            ),
        )
        if SEEN["fill: ok"] > 0 and SEEN["reserve-sell: ok"] > 0 and SEEN["redis reset"] > 0:
            break
    assert SEEN["fill: ok"] > 0 and SEEN["reserve-sell: ok"] > 0, SEEN
    assert SEEN["redis reset"] > 0, SEEN
