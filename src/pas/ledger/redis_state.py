"""Translate between the Redis ledger keys and `LedgerState` (snapshots and rebuilds)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from pas.core.errors import (
    DuplicateClientId,
    DuplicateSleeve,
    InsufficientFreeFloat,
    InsufficientPosition,
    InvalidAmount,
    LedgerError,
    LedgerRebuilding,
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


class Malformed(Exception):
    """A Redis key does not hold what the ledger wrote there."""


def _int(h: dict[str, str], field: str, where: str) -> int:
    try:
        return int(h[field])
    except (KeyError, ValueError):
        raise Malformed(f"{where}: field {field!r} is missing or not an integer") from None


def sleeve_row(sleeve_id: int, h: dict[str, str]) -> SleeveRow:
    """Return a sleeve hash as a row (Malformed when a field is missing)."""
    where = f"sleeve {sleeve_id}"
    if "name" not in h:
        raise Malformed(f"{where}: field 'name' is missing")
    return SleeveRow(
        sleeve_id,
        h["name"],
        _int(h, "cash", where),
        _int(h, "reserved", where),
        _int(h, "realized", where),
    )


def position_rows(h: dict[str, str], where: str = "positions") -> dict[str, PositionRow]:
    """Return symbol -> position from a sleeve's position hash (q:/h:/c: fields)."""
    rows: dict[str, PositionRow] = {}
    names = {"q": "qty", "h": "held", "c": "cost"}
    for key in h:
        kind, _, symbol = key.partition(":")
        if kind not in names or not symbol:
            raise Malformed(f"{where}: unexpected field {key!r}")
        row = rows.setdefault(symbol, PositionRow())
        setattr(row, names[kind], _int(h, key, where))
    return {sym: row for sym, row in rows.items() if row.qty != 0 or row.held != 0 or row.cost != 0}


def reservation_row(res_id: int, h: dict[str, str]) -> ReservationRow:
    """Return a reservation hash as a row (Malformed when a field is missing)."""
    where = f"reservation {res_id}"
    try:
        side, status, client, symbol = (
            Side(h["side"]),
            Status(h["status"]),
            h["client_id"],
            h["symbol"],
        )
    except (KeyError, ValueError):
        raise Malformed(f"{where}: side, status, client_id or symbol is missing or bad") from None
    return ReservationRow(
        id=res_id,
        sleeve=_int(h, "sleeve", where),
        client_id=client,
        symbol=symbol,
        side=side,
        qty=_int(h, "qty", where),
        limit=_int(h, "limit", where),
        amount=_int(h, "amount", where),
        remaining=_int(h, "remaining", where),
        filled=_int(h, "filled", where),
        status=status,
        seq=_int(h, "seq", where),
    )


@dataclass
class Dump:
    """What the Redis keys hold: the state, the projection's identity, and what is unreadable."""

    state: LedgerState
    epoch: str | None
    base_seq: int
    base_epoch: str
    malformed: list[str] = field(default_factory=list)


def state_from_dump(reply: Sequence[Any]) -> Dump:
    """Return the projection the DUMP script returned; unreadable keys are listed, not fatal."""
    meta, names, clients = pairs(reply[0]), pairs(reply[1]), pairs(reply[2])
    bad: list[str] = []
    state = LedgerState()
    for name in ("seq", "last_sleeve", "last_reservation", "cash", "reserved", "realized"):
        try:
            setattr(state, name, int(meta.get(name, 0)))
        except ValueError:
            bad.append(f"meta: field {name!r} is not an integer")
    state.epoch = meta.get("epoch", "")
    state.account = int(meta["account"]) if meta.get("account", "").lstrip("-").isdigit() else None
    state.names = {n: int(i) for n, i in names.items() if i.isdigit()}
    state.clients = {c: int(i) for c, i in clients.items() if i.isdigit()}
    _collect(bad, reply[3], lambda sid, h: state.sleeves.__setitem__(sid, sleeve_row(sid, h)))
    _collect(bad, reply[4], lambda sid, h: _positions(state, sid, h))
    _collect(
        bad, reply[5], lambda rid, h: state.reservations.__setitem__(rid, reservation_row(rid, h))
    )
    return Dump(
        state,
        meta.get("epoch"),
        int(meta.get("base_seq", 0) or 0),
        meta.get("base_epoch", ""),
        bad,
    )


def _positions(state: LedgerState, sid: int, h: dict[str, str]) -> None:
    for sym, row in position_rows(h, f"positions of sleeve {sid}").items():
        state.positions[(sid, sym)] = row


def _collect(
    bad: list[str], items: Sequence[Any], put: Callable[[int, dict[str, str]], None]
) -> None:
    for key, flat in items:
        try:
            put(int(text(key)), pairs(flat))
        except Malformed as exc:
            bad.append(str(exc))


def write_state(pipe: Any, base: str, state: LedgerState, epoch: str) -> None:
    """Queue the commands that store `state` under `base` as projection `epoch`."""
    meta: dict[str, Any] = {
        "epoch": epoch,
        "seq": state.seq,
        "base_seq": state.seq,
        "base_epoch": state.epoch,
        "last_sleeve": state.last_sleeve,
        "last_reservation": state.last_reservation,
        "cash": state.cash,
        "reserved": state.reserved,
        "realized": state.realized,
    }
    if state.account is not None:
        meta["account"] = state.account
    pipe.hset(f"{base}:meta", mapping=meta)
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
        "sleeve": r.sleeve,
        "client_id": r.client_id,
        "symbol": r.symbol,
        "side": r.side.value,
        "qty": r.qty,
        "limit": r.limit,
        "amount": r.amount,
        "remaining": r.remaining,
        "filled": r.filled,
        "status": r.status.value,
        "seq": r.seq,
        "fp": fingerprint(r.sleeve, r.symbol, r.side, r.qty, r.limit),
    }


def stream_event(entry_id: Any, fields: dict[Any, Any]) -> LedgerEvent:
    """Return the event a stream entry holds (its id is `<seq>-0`)."""
    f = {text(k): text(v) for k, v in fields.items()}
    seq = int(text(entry_id).split("-", 1)[0])
    at = dt.datetime.fromisoformat(f["at"])
    return LedgerEvent(
        seq,
        f["kind"],
        at,
        json.loads(f["data"]),
        f["data"],
        epoch=f.get("epoch", ""),
        prev_epoch=f.get("prev", ""),
    )


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
        "maintenance": (LedgerRebuilding, "the ledger is being rebuilt; retry shortly"),
    }
    cls, message = simple.get(code, (LedgerError, f"ledger script refused: {code}"))
    return cls(message, **context)
