"""The pure ledger domain: units, rounding, replay, invariants."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pas.core.errors import InvalidAmount, LedgerError
from pas.core.ledger import LedgerEvent, Side, buy_reserve, fill_amount, fmt, money, parse, to_micro
from pas.core.ledger_checks import differences, violations
from pas.core.ledger_state import LedgerState, apply, replay

AT = dt.datetime(2026, 1, 2, tzinfo=dt.UTC)


def ev(seq: int, kind: str, **data: str) -> LedgerEvent:
    return LedgerEvent(seq, kind, AT, data)


@pytest.mark.parametrize(
    ("value", "micro"),
    [("1", 10**6), ("0.000001", 1), (Decimal("12.5"), 12_500_000), (3, 3 * 10**6)],
)
def test_to_micro_is_exact(value: object, micro: int) -> None:
    assert to_micro(value, "x") == micro


@pytest.mark.parametrize("bad", ["0", "-1", "nan", "-inf", "1e-7", "x", 0.5, True, "1e10"])
def test_to_micro_refuses(bad: object) -> None:
    with pytest.raises(InvalidAmount):
        to_micro(bad, "x")


@given(st.integers(-(10**15), 10**15))
def test_fmt_and_parse_round_trip(micro: int) -> None:
    assert parse(fmt(micro)) == micro
    assert Decimal(money(micro)) * 10**6 == micro


def test_rounding_never_favours_the_sleeve() -> None:
    # 3 x 0.333333 x 1.001 = 1.000998999 -> reserve rounds up to 1.000999
    assert buy_reserve(3_000_000, 333_333, Decimal(10)) == 1_000_999
    # buying costs round up, selling proceeds round down, fee always paid
    assert fill_amount(Side.buy, 1_500_000, 333_333, 10) == 500_000 + 10
    assert fill_amount(Side.sell, 1_500_000, 333_333, 10) == 499_999 - 10


BUY = {"sleeve": "1", "client_id": "c", "symbol": "KO", "side": "buy", "qty": "3.000000"}
SELL = {"sleeve": "1", "client_id": "d", "symbol": "KO", "side": "sell", "qty": "1.000000"}
FILL = {"fee": "0.000000"}


def _events() -> list[LedgerEvent]:
    return [
        ev(1, "sleeve_created", sleeve="1", name="a", cash="1000.000000"),
        ev(2, "reserved", reservation="1", limit_price="100.000000", amount="300.300000", **BUY),
        ev(
            3,
            "executed",
            reservation="1",
            qty="3.000000",
            price="99.000000",
            fee="1.000000",
            amount="298.000000",
        ),
        ev(4, "reserved", reservation="2", limit_price="120.000000", amount="1.000000", **SELL),
        ev(
            5,
            "executed",
            reservation="2",
            qty="1.000000",
            price="120.000000",
            amount="120.000000",
            **FILL,
        ),
    ]


def test_replay_computes_cash_position_and_realised_pnl() -> None:
    state = replay(_events())
    s, pos = state.sleeves[1], state.positions[(1, "KO")]
    # bought 3 for 298 (fee incl.), released 2.3; sold 1 for 120 against basis 298/3
    assert (s.cash, s.reserved) == (822_000_000, 0)
    assert (pos.qty, pos.cost) == (2_000_000, 298_000_000 - 99_333_333)
    assert s.realized == 120_000_000 - 99_333_333
    assert violations(state) == []


def test_apply_refuses_gaps_and_leaves_state_unchanged() -> None:
    state = replay(_events()[:2])
    with pytest.raises(LedgerError, match="gap"):
        apply(state, ev(4, "cancelled", reservation="1"))
    before = differences(state, replay(_events()[:2]))
    with pytest.raises(LedgerError):
        apply(
            state,
            ev(
                3,
                "executed",
                reservation="1",
                qty="4.000000",
                price="1.000000",
                amount="4.000000",
                **FILL,
            ),
        )
    assert before == [] and differences(state, replay(_events()[:2])) == []


def test_violations_and_differences_are_reported() -> None:
    state = replay(_events())
    other = replay(_events())
    state.sleeves[1].reserved = 2_000_000_000
    state.positions[(1, "KO")].held = 5_000_000
    found = violations(state)
    assert any("free float" in v for v in found)
    assert any("reserved to sell" in v for v in found)
    assert any("account reserved" in v for v in found)
    assert differences(state, other) == [
        "positions.1:KO.held: live 5000000 != journal 0",
        "sleeves.1.reserved: live 2000000000 != journal 0",
    ]
    assert differences(LedgerState(), LedgerState()) == []
