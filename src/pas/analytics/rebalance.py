"""The rebalance planner: target weights and a sleeve's book -> orders at latest prices.

Pure: no clock, no I/O; money and quantities are Decimal. The plan has two
waves. Wave 1 is every sell plus the buys the sleeve's free float pays for now;
wave 2 (`deferred`) is the buys that need the sells' proceeds, planned for real
only once the sells have filled (re-run the planner on the new book). So the
planner never spends cash the sleeve does not have.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal

from pas.core.errors import InvalidInput, MissingPrice, Unfunded
from pas.core.orders import OrderSide, OrderType, quantize_limit

ZERO = Decimal(0)
BPS = Decimal(10_000)
_CENT = Decimal("0.01")
#: the finest fractional quantity PAS trades (the ledger keeps six places)
FRACTION_STEP = Decimal("0.0001")


@dataclass(frozen=True)
class OrderSettings:
    """How a strategy trades: lots, minimum size, cash buffer, order type, cost estimates."""

    fractional: bool = False
    lot: Decimal = Decimal(1)
    min_trade_value: Decimal = Decimal(0)  # smallest order, in money
    min_trade_weight: Decimal = Decimal(0)  # smallest order, as a fraction of the sleeve's equity
    cash_buffer: Decimal = Decimal(0)  # fraction of equity kept as cash
    order_type: OrderType = OrderType.market
    limit_offset_bps: Decimal = Decimal(10)  # limit = price x (1 +/- offset)
    market_buffer_bps: Decimal = Decimal(50)  # market buys reserve price x (1 + buffer)
    cost_bps: Decimal = Decimal(5)  # expected slippage and fees per trade
    fee_buffer_bps: Decimal = Decimal(10)  # the ledger's fee buffer on buy reservations

    def __post_init__(self) -> None:
        if not ZERO <= self.cash_buffer < 1:
            raise InvalidInput(f"cash_buffer must be in [0, 1), got {self.cash_buffer}")
        if self.lot <= 0 or self.min_trade_value < 0:
            raise InvalidInput("lot must be positive and min_trade_value not negative")
        if not ZERO <= self.min_trade_weight < 1:
            raise InvalidInput(f"min_trade_weight must be in [0, 1), got {self.min_trade_weight}")

    @property
    def step(self) -> Decimal:
        """Return the quantity step orders are rounded to."""
        return FRACTION_STEP if self.fractional else self.lot

    def min_trade(self, equity: Decimal) -> Decimal:
        """Return the smallest order notional for a sleeve of this equity (value or weight)."""
        return max(self.min_trade_value, self.min_trade_weight * equity)


@dataclass(frozen=True)
class Book:
    """What a sleeve holds: cash, free float, shares held, free to sell, and open buys.

    Open orders count as if they will fill: shares reserved by an open sell are
    already gone, and `pending_buy` shares already bought, so planning again
    while orders are working never trades the same difference twice.
    """

    cash: Decimal
    free_float: Decimal
    held: Mapping[str, Decimal] = field(default_factory=dict)
    free: Mapping[str, Decimal] = field(default_factory=dict)
    pending_buy: Mapping[str, Decimal] = field(default_factory=dict)

    def free_qty(self, symbol: str) -> Decimal:
        """Return the shares of `symbol` not reserved by an open sell."""
        return self.free.get(symbol, self.held.get(symbol, ZERO))

    def position(self, symbol: str) -> Decimal:
        """Return the shares the sleeve will hold once its open orders fill."""
        return self.free_qty(symbol) + self.pending_buy.get(symbol, ZERO)


@dataclass(frozen=True)
class PlannedOrder:
    """One order of a plan; `reserve_price` is what the ledger reserves a buy at."""

    symbol: str
    side: OrderSide
    qty: Decimal
    price: Decimal  # latest close the plan was made at
    type: OrderType
    limit_price: Decimal | None
    reserve_price: Decimal
    notional: Decimal  # qty x price
    expected_cost: Decimal  # notional x cost_bps
    wave: int = 1


@dataclass(frozen=True)
class Plan:
    """A rebalance plan: wave-1 orders, deferred buys, and what the sleeve looks like after."""

    orders: tuple[PlannedOrder, ...]
    deferred: tuple[PlannedOrder, ...]
    equity: Decimal
    free_float: Decimal
    weights_before: dict[str, float]
    weights_after: dict[str, float]
    cash_after: Decimal
    expected_costs: Decimal
    skipped: tuple[tuple[str, str], ...] = ()

    @property
    def sells(self) -> tuple[PlannedOrder, ...]:
        """Return the plan's sells."""
        return tuple(o for o in self.orders if o.side is OrderSide.sell)

    @property
    def buys(self) -> tuple[PlannedOrder, ...]:
        """Return the wave-1 buys."""
        return tuple(o for o in self.orders if o.side is OrderSide.buy)


def _round(qty: Decimal, step: Decimal) -> Decimal:
    """Return `qty` rounded down to a multiple of `step`."""
    return (qty / step).to_integral_value(rounding=ROUND_DOWN) * step


def check_prices(symbols: list[str], prices: Mapping[str, Decimal]) -> None:
    """Raise MissingPrice naming every symbol without a positive latest price."""
    missing = sorted(s for s in symbols if s not in prices or not prices[s] > 0)
    if missing:
        raise MissingPrice(f"no latest price for {', '.join(missing)}", symbols=missing)


def _weights(
    held: Mapping[str, Decimal], cash: Decimal, prices: Mapping[str, Decimal]
) -> dict[str, float]:
    values = {s: q * prices[s] for s, q in held.items() if q}
    equity = cash + sum(values.values(), ZERO)
    if equity <= 0:
        return {}
    return {s: float(v / equity) for s, v in sorted(values.items())}


def _order(
    symbol: str, side: OrderSide, qty: Decimal, price: Decimal, s: OrderSettings, wave: int = 1
) -> PlannedOrder:
    limit = None
    if s.order_type is OrderType.limit:
        sign = 1 if side is OrderSide.buy else -1
        limit = quantize_limit(price * (1 + sign * s.limit_offset_bps / BPS), side)
    if side is OrderSide.buy:
        reserve = limit if limit is not None else price * (1 + s.market_buffer_bps / BPS)
    else:
        reserve = limit if limit is not None else price
    reserve = reserve.quantize(Decimal("0.000001"))
    notional = qty * price
    cost = (notional * s.cost_bps / BPS).quantize(_CENT)
    return PlannedOrder(
        symbol, side, qty, price, s.order_type, limit, reserve, notional, cost, wave
    )


def buy_cash(order: PlannedOrder, s: OrderSettings) -> Decimal:
    """Return the cash the ledger reserves for a buy: qty x reserve price x (1 + fee buffer)."""
    return order.qty * order.reserve_price * (1 + s.fee_buffer_bps / BPS)


def _check_funded(
    equity: Decimal, targets: Mapping[str, float], prices: Mapping[str, Decimal], s: OrderSettings
) -> None:
    """Raise Unfunded when the equity cannot buy one step of any target at its weight."""
    needs = [s.step * prices[sym] / Decimal(str(w)) for sym, w in targets.items() if w > 0]
    if not needs:
        return
    needed = (min(needs) / (1 - s.cash_buffer)).quantize(_CENT)
    if equity < needed:
        raise Unfunded(
            f"the sleeve's equity {equity.quantize(_CENT)} is below the {needed} its targets need",
            needed=str(needed),
            available=str(equity.quantize(_CENT)),
            shortfall=str((needed - equity).quantize(_CENT)),
        )


def plan_rebalance(
    book: Book,
    targets: Mapping[str, float],
    prices: Mapping[str, Decimal],
    settings: OrderSettings,
) -> Plan:
    """Return the orders moving `book` to `targets` (weights of equity; the rest is cash).

    Sells come first; wave-1 buys are scaled down to the free float the sleeve
    has now; buys that need sell proceeds are `deferred` to wave 2.
    """
    targets = {s: float(w) for s, w in targets.items() if s.upper() != "CASH"}
    if any(w < 0 for w in targets.values()) or sum(targets.values()) > 1 + 1e-9:
        raise InvalidInput("target weights must be non-negative and sum to at most 1")
    symbols = sorted(set(targets) | {s for s, q in book.held.items() if q} | set(book.pending_buy))
    check_prices(symbols, prices)
    equity = book.cash + sum((q * prices[s] for s, q in book.held.items()), ZERO)
    _check_funded(equity, targets, prices, settings)
    investable = equity * (1 - settings.cash_buffer)
    smallest = settings.min_trade(equity)
    sells, wants, skipped = [], [], []
    for sym in symbols:
        price, held = prices[sym], book.position(sym)
        goal = investable * Decimal(str(targets.get(sym, 0.0))) / price
        if goal < held:
            free = book.free_qty(sym)
            qty = free if sym not in targets else min(_round(held - goal, settings.step), free)
            if qty <= 0:
                continue
            if qty * price < smallest:
                skipped.append((sym, _too_small("sell", qty, price, smallest)))
                continue
            sells.append(_order(sym, OrderSide.sell, qty, price, settings))
        elif goal > held:
            qty = _round(goal - held, settings.step)
            if qty > 0:
                wants.append(_order(sym, OrderSide.buy, qty, price, settings))
    proceeds = sum((o.notional - o.expected_cost for o in sells), ZERO)
    now, later, more_skips = _split_buys(wants, book.free_float, proceeds, settings, smallest)
    return _finish(book, prices, equity, sells + now, later, skipped + more_skips)


def _too_small(side: str, qty: Decimal, price: Decimal, smallest: Decimal) -> str:
    """Return the reason an order under the minimum trade size is not placed."""
    notional = (qty * price).quantize(_CENT)
    return f"{side} {qty} ({notional}) is under the minimum trade size {smallest.quantize(_CENT)}"


def _scaled(
    wants: list[PlannedOrder], budget: Decimal, s: OrderSettings, wave: int, smallest: Decimal
) -> tuple[list[PlannedOrder], list[tuple[str, str]], Decimal]:
    """Return the buys scaled down so their reserved cash fits `budget`, the skips, the scale."""
    need = sum((buy_cash(o, s) for o in wants), ZERO)
    scale = ZERO if need <= 0 or budget <= 0 else min(Decimal(1), budget / need)
    out, skipped = [], []
    for o in wants:
        qty = _round(o.qty * scale, s.step)
        if qty <= 0:
            skipped.append((o.symbol, f"buy {o.qty}: no free float left for it"))
            continue
        if qty * o.price < smallest:
            skipped.append((o.symbol, _too_small("buy", qty, o.price, smallest)))
            continue
        out.append(_order(o.symbol, OrderSide.buy, qty, o.price, s, wave))
    return out, skipped, scale


def _split_buys(
    wants: list[PlannedOrder],
    free_float: Decimal,
    proceeds: Decimal,
    s: OrderSettings,
    smallest: Decimal,
) -> tuple[list[PlannedOrder], list[PlannedOrder], list[tuple[str, str]]]:
    """Return (wave-1 buys within the free float, wave-2 buys within the proceeds, skips).

    A skip is a wanted buy of which no share is planned in either wave; a buy
    scaled down to what the cash pays for is an order, not a skip.
    """
    now, skipped, scale = _scaled(wants, free_float, s, 1, smallest)
    if scale >= 1 or not wants:
        return now, [], skipped
    later: list[PlannedOrder] = []
    more: list[tuple[str, str]] = []
    if proceeds > 0:
        bought = {o.symbol: o.qty for o in now}
        rest = [
            _order(o.symbol, OrderSide.buy, o.qty - bought.get(o.symbol, ZERO), o.price, s, 2)
            for o in wants
            if o.qty > bought.get(o.symbol, ZERO)
        ]
        left = free_float - sum((buy_cash(o, s) for o in now), ZERO) + proceeds
        later, more, _ = _scaled(rest, left, s, 2, smallest)
    planned = {o.symbol for o in (*now, *later)}
    return now, later, [sk for sk in (*skipped, *more) if sk[0] not in planned]


def _finish(
    book: Book,
    prices: Mapping[str, Decimal],
    equity: Decimal,
    orders: list[PlannedOrder],
    deferred: list[PlannedOrder],
    skipped: list[tuple[str, str]],
) -> Plan:
    held = dict(book.held)
    cash = book.cash
    for o in (*orders, *deferred):
        sign = 1 if o.side is OrderSide.buy else -1
        held[o.symbol] = held.get(o.symbol, ZERO) + sign * o.qty
        cash -= sign * o.notional + o.expected_cost
    costs = sum((o.expected_cost for o in (*orders, *deferred)), ZERO)
    return Plan(
        orders=tuple(orders),
        deferred=tuple(deferred),
        equity=equity,
        free_float=book.free_float,
        weights_before=_weights(book.held, book.cash, prices),
        weights_after=_weights(held, cash, prices),
        cash_after=cash,
        expected_costs=costs,
        skipped=tuple(skipped),
    )
