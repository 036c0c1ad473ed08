"""Translate between the Redis ledger keys and `LedgerState` (snapshots and rebuilds)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any

from pas.core.errors import (
    DuplicateClientId,
    DuplicateSleeve,
    InsufficientFreeFloat,
    InsufficientPosition,
    InvalidAmount,
    JournalUnavailable,
    LedgerError,
    OverFill,
    ReservationClosed,
    UnknownReservation,
    UnknownSleeve,
)
from pas.core.ledger import LedgerEvent, Side, Status, fingerprint, money
from pas.core.ledger_state import LedgerState, PositionRow, ReservationRow, SleeveRow


def text(value: Any) -> str:
    """Return a Redis reply element as str."""
    return value.decode() if isinstance(value, bytes) else str(value)


def pairs(flat: Sequence[Any]) -> dict[str, str]:
    """Return a flat [k, v, k, v] reply as a dict of str."""
    items = [text(v) for v in flat]
    return dict(zip(items[::2], items[1::2], strict=True))


def sleeve_row(sleeve_id: int, h: dict[str, str]) -> SleeveRow:
    """Return a sleeve hash as a row."""
    return SleeveRow(sleeve_id, h["name"], int(h["cash"]), int(h["reserved"]), int(h["realized"]))


def position_rows(h: dict[str, str]) -> dict[str, PositionRow]:
    """Return symbol -> position from a sleeve's position hash (q:/h:/c: fields)."""
    rows: dict[str, PositionRow] = {}
    for field, value in h.items():
        kind, symbol = field.split(":", 1)
        row = rows.setdefault(symbol, PositionRow())
        setattr(row, {"q": "qty", "h": "held", "c": "cost"}[kind], int(value))
    return {sym: row for sym, row in rows.items() if row.qty != 0 or row.held != 0 or row.cost != 0}


def reservation_row(res_id: int, h: dict[str, str]) -> ReservationRow:
    """Return a reservation hash as a row."""
    return ReservationRow(
        res_id, int(h["sleeve"]), h["client_id"], h["symbol"], Side(h["side"]), int(h["qty"]),
        int(h["limit"]), int(h["amount"]), int(h["remaining"]), int(h["filled"]),
        Status(h["status"]), int(h["seq"]),
    )  # fmt: skip


def state_from_dump(reply: Sequence[Any]) -> LedgerState:
    """Return the state the DUMP script returned."""
    meta, names, clients = pairs(reply[0]), pairs(reply[1]), pairs(reply[2])
    state = LedgerState(
        seq=int(meta.get("seq", 0)),
        last_sleeve=int(meta.get("last_sleeve", 0)),
        last_reservation=int(meta.get("last_reservation", 0)),
        cash=int(meta.get("cash", 0)),
        reserved=int(meta.get("reserved", 0)),
        realized=int(meta.get("realized", 0)),
    )
    state.names = {name: int(i) for name, i in names.items()}
    state.clients = {c: int(i) for c, i in clients.items()}
    for sid, flat in reply[3]:
        state.sleeves[int(sid)] = sleeve_row(int(sid), pairs(flat))
    for sid, flat in reply[4]:
        for sym, row in position_rows(pairs(flat)).items():
            state.positions[(int(sid), sym)] = row
    for rid, flat in reply[5]:
        state.reservations[int(rid)] = reservation_row(int(rid), pairs(flat))
    return state


def write_state(pipe: Any, base: str, state: LedgerState) -> None:
    """Queue the commands that store `state` under `base` on a (transactional) pipeline."""
    pipe.hset(
        f"{base}:meta",
        mapping={
            "seq": state.seq,
            "last_sleeve": state.last_sleeve,
            "last_reservation": state.last_reservation,
            "cash": state.cash,
            "reserved": state.reserved,
            "realized": state.realized,
        },
    )
    for s in state.sleeves.values():
        pipe.hset(f"{base}:names", s.name, s.id)
        pipe.hset(
            f"{base}:sleeve:{s.id}",
            mapping={
                "name": s.name,
                "cash": s.cash,
                "reserved": s.reserved,
                "realized": s.realized,
            },
        )
    for (sid, sym), p in state.positions.items():
        pipe.hset(
            f"{base}:pos:{sid}", mapping={f"q:{sym}": p.qty, f"h:{sym}": p.held, f"c:{sym}": p.cost}
        )
    for r in state.reservations.values():
        pipe.hset(f"{base}:res:{r.id}", mapping=_reservation_hash(r))
        pipe.hset(f"{base}:clients", r.client_id, r.id)
        if r.status is Status.open:
            pipe.sadd(f"{base}:open", r.id)


def _reservation_hash(r: ReservationRow) -> dict[str, Any]:
    return {
        "sleeve": r.sleeve, "client_id": r.client_id, "symbol": r.symbol, "side": r.side.value,
        "qty": r.qty, "limit": r.limit, "amount": r.amount, "remaining": r.remaining,
        "filled": r.filled, "status": r.status.value, "seq": r.seq,
        "fp": fingerprint(r.sleeve, r.symbol, r.side, r.qty, r.limit),
    }  # fmt: skip


def stream_event(entry_id: Any, fields: dict[Any, Any]) -> LedgerEvent:
    """Return the event a stream entry holds (its id is `<seq>-0`)."""
    f = {text(k): text(v) for k, v in fields.items()}
    seq = int(text(entry_id).split("-", 1)[0])
    at = dt.datetime.fromisoformat(f["at"])
    return LedgerEvent(seq, f["kind"], at, json.loads(f["data"]), f["data"])


def error_from_reply(reply: Sequence[Any], context: dict[str, Any]) -> LedgerError:
    """Return the domain error a script's {'err', code, needed, available} reply means."""
    code, a, b = (text(v) for v in reply[1:4])
    need = money(int(a)) if a.lstrip("-").isdigit() else a
    have = money(int(b)) if b.lstrip("-").isdigit() else b
    where = f"sleeve {context['sleeve']}" if "sleeve" in context else "the sleeve"
    if code == "insufficient_free_float":
        scope = "the account's unallocated cash" if context.get("unallocated") else where
        return InsufficientFreeFloat(
            f"{scope} has too little free float: needs {need}, has {have}",
            needed=need,
            available=have,
            **context,
        )
    if code == "insufficient_position":
        return InsufficientPosition(
            f"{where} holds too few free shares: needs {need}, has {have}",
            needed=need,
            available=have,
            **context,
        )
    if code == "over_fill":
        return OverFill(
            "the fill exceeds what is left of the reservation",
            needed=need,
            available=have,
            **context,
        )
    simple: dict[str, tuple[type[LedgerError], str]] = {
        "unknown_sleeve": (UnknownSleeve, f"no sleeve with id {a}"),
        "unknown_reservation": (UnknownReservation, f"no reservation with id {a}"),
        "reservation_closed": (ReservationClosed, f"the reservation is {a}"),
        "duplicate_client_id": (
            DuplicateClientId,
            "the client_id was used for a different request",
        ),
        "duplicate_sleeve": (DuplicateSleeve, "a sleeve with this name exists already"),
        "invalid_amount": (InvalidAmount, "a transfer needs two different ends"),
        "maintenance": (JournalUnavailable, "the ledger is being rebuilt; retry shortly"),
    }
    cls, message = simple.get(code, (LedgerError, f"ledger script refused: {code}"))
    return cls(message, **context)
