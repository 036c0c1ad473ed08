"""Checks on a ledger state: broken invariants, and differences between two states."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from pas.core.ledger import Side, Status, money
from pas.core.ledger_state import LedgerState


def violations(state: LedgerState) -> list[str]:
    """Return every broken invariant (empty when the state is sound)."""
    out: list[str] = []
    for s in state.sleeves.values():
        if s.reserved < 0 or s.cash - s.reserved < 0:
            out.append(f"sleeve {s.id}: free float {money(s.cash - s.reserved)} < 0")
    for (sid, sym), p in state.positions.items():
        if not 0 <= p.held <= p.qty:
            out.append(
                f"sleeve {sid} {sym}: reserved to sell {money(p.held)} > held {money(p.qty)}"
            )
    sums = {
        "cash": sum(s.cash for s in state.sleeves.values()),
        "reserved": sum(s.reserved for s in state.sleeves.values()),
        "realized": sum(s.realized for s in state.sleeves.values()),
    }
    for name, total in sums.items():
        if getattr(state, name) != total:
            out.append(
                f"account {name} {money(getattr(state, name))} != sum of sleeves {money(total)}"
            )
    if state.account is not None and state.account < state.cash:
        out.append(f"account: booked cash {money(state.account)} < allocated {money(state.cash)}")
    out.extend(_reservation_violations(state))
    return out


def _reservation_violations(state: LedgerState) -> list[str]:
    out = []
    held: dict[tuple[int, str], int] = {}
    reserved: dict[int, int] = {}
    for r in state.reservations.values():
        if r.status is Status.open and r.side is Side.sell:
            held[(r.sleeve, r.symbol)] = held.get((r.sleeve, r.symbol), 0) + r.remaining
        elif r.status is Status.open:
            reserved[r.sleeve] = reserved.get(r.sleeve, 0) + r.remaining
        elif r.remaining != 0:
            out.append(
                f"reservation {r.id} is {r.status.value} but still holds {money(r.remaining)}"
            )
    for key, p in state.positions.items():
        if p.held != held.get(key, 0):
            out.append(f"sleeve {key[0]} {key[1]}: held {money(p.held)} != open sells")
    for s in state.sleeves.values():
        if s.reserved != reserved.get(s.id, 0):
            out.append(f"sleeve {s.id}: reserved {money(s.reserved)} != open buys")
    return out


def comparable(state: LedgerState) -> dict[str, Any]:
    """Return the state as plain, sorted data so two states compare key by key."""
    return {
        "seq": state.seq,
        "account": {
            "cash": state.cash,
            "reserved": state.reserved,
            "realized": state.realized,
            "booked": state.account,
        },
        "counters": {"sleeve": state.last_sleeve, "reservation": state.last_reservation},
        "sleeves": {k: asdict(v) for k, v in sorted(state.sleeves.items())},
        "positions": {f"{k[0]}:{k[1]}": asdict(v) for k, v in sorted(state.positions.items())},
        "reservations": {k: asdict(v) for k, v in sorted(state.reservations.items())},
        "clients": dict(sorted(state.clients.items())),
    }


def differences(live: LedgerState, replayed: LedgerState) -> list[str]:
    """Return one line per value that differs between live state and the replayed journal."""
    out: list[str] = []
    _diff(comparable(live), comparable(replayed), "", out)
    return out


def _diff(a: Any, b: Any, path: str, out: list[str]) -> None:
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(set(a) | set(b), key=str):
            where = f"{path}.{key}" if path else str(key)
            if key not in a:
                out.append(f"{where}: missing live (journal {b[key]!r})")
            elif key not in b:
                out.append(f"{where}: not in journal (live {a[key]!r})")
            else:
                _diff(a[key], b[key], where, out)
    elif a != b:
        out.append(f"{path}: live {a!r} != journal {b!r}")
