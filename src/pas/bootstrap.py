"""The one composition root: builds every adapter from settings, lazily, once."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from pas.config import Settings, load_settings
from pas.core.strategies import Strategy
from pas.database.init_db import init_db
from pas.database.session import make_engine, make_session_factory
from pas.database.uow import SqlUnitOfWork
from pas.workflows.order_ports import Broker, OrderBook
from pas.workflows.orders import OrderDesk
from pas.workflows.ports import AccountCash, Ledger

log = logging.getLogger(__name__)


@dataclass
class Container:
    """Holds the adapters one process uses; nothing is built until first asked for."""

    settings: Settings
    _closers: list[Any] = field(default_factory=list)

    @cached_property
    def engine(self) -> Engine:
        """Return the database engine (built on first use)."""
        db = self.settings.database
        engine = make_engine(db.sqlalchemy_url(), echo=db.echo, pool_size=db.pool_size)
        self._closers.append(engine.dispose)
        return engine

    @cached_property
    def session_factory(self) -> sessionmaker[Session]:
        """Return the session factory bound to the engine."""
        return make_session_factory(self.engine)

    def init_schema(self) -> tuple[str | None, str]:
        """Upgrade the database schema to head; return (revision before, after)."""
        return init_db(self.engine)

    def uow(self) -> SqlUnitOfWork:
        """Return a new unit of work (one transaction)."""
        return SqlUnitOfWork(self.session_factory)

    @cached_property
    def redis(self) -> Any:
        """Return a Redis client, or None when redis.url is unset."""
        if self.settings.redis.url is None:
            return None
        import redis

        client = redis.Redis.from_url(
            self.settings.redis.url, socket_timeout=5, socket_connect_timeout=3
        )
        self._closers.append(client.close)
        return client

    @cached_property
    def broker(self) -> Broker:
        """Return the broker: the paper broker (default) or Alpaca, by broker.kind."""
        broker: Broker
        if self.settings.broker.kind == "alpaca":
            broker = self._alpaca_broker()
        else:
            from pas.brokers.paper import PaperBroker
            from pas.database.repositories.paper_broker import SqlPaperStore

            paper = self.settings.broker
            broker = PaperBroker(
                SqlPaperStore(self.engine),
                self.latest_closes,
                paper.paper_cash,
                slippage_bps=paper.paper_slippage_bps,
            )
        self._closers.append(broker.close)
        return broker

    def _alpaca_broker(self) -> Broker:
        from pas.brokers.alpaca import AlpacaBroker, make_trading_client
        from pas.brokers.alpaca_stream import TradeUpdates

        key, secret = self._alpaca_keys()
        alpaca = self.settings.alpaca
        client = make_trading_client(
            key,
            secret,
            paper=alpaca.paper,
            url_override=alpaca.url_override,
            timeout=alpaca.timeout_seconds,
        )
        stream = None
        if alpaca.stream_enabled:
            stream = TradeUpdates(
                key, secret, paper=alpaca.paper, url_override=alpaca.stream_url_override
            )
        return AlpacaBroker(client, stream=stream)

    def _alpaca_keys(self) -> tuple[str, str]:
        from pas.core.errors import ConfigError

        alpaca = self.settings.alpaca
        if alpaca.key_id is None or alpaca.secret_key is None:
            raise ConfigError(
                "Alpaca keys are not set (PAS_ALPACA__KEY_ID, PAS_ALPACA__SECRET_KEY)",
                keys=["alpaca.key_id", "alpaca.secret_key"],
            )
        return alpaca.key_id.get_secret_value(), alpaca.secret_key.get_secret_value()

    def latest_closes(self, symbols: Any) -> dict[str, Any]:
        """Return symbol -> latest stored close (Decimal, six places); the paper broker's prices."""
        from decimal import Decimal

        with self.uow() as uow:
            latest = uow.prices.latest(list(symbols))
        return {s: Decimal(str(round(p, 6))) for s, (_, p) in latest.items()}

    @cached_property
    def order_book(self) -> OrderBook:
        """Return the strategies-and-orders store on the database."""
        from pas.database.repositories.order_book import SqlOrderBook

        return SqlOrderBook(self.engine)

    def schemes(self) -> list[str]:
        """Return the names of the registered allocation schemes."""
        from pas.analytics.allocation.registry import SCHEMES

        return sorted(SCHEMES)

    def target_weights(self, strategy: Strategy) -> dict[str, float]:
        """Return a strategy's target weights from its scheme over the stored prices."""
        from pas.workflows.targets import strategy_targets

        return strategy_targets(self.uow(), strategy)

    @cached_property
    def account_cash(self) -> AccountCash:
        """Return the brokerage account's cash source: the broker (paper or Alpaca)."""
        return self.broker

    @cached_property
    def ledger(self) -> Ledger:
        """Return the ledger: Redis when redis.url is set, else the embedded backend."""
        settings = self.settings
        ledger: Ledger
        if settings.redis.url is not None:
            from pas.ledger.redis_ledger import RedisLedger

            ledger = RedisLedger(
                self.redis, self.engine, settings.redis.prefix, settings.ledger.fee_buffer_bps
            )
        else:
            from pas.ledger.embedded import EmbeddedLedger

            ledger = EmbeddedLedger(
                self.engine, settings.redis.prefix, settings.ledger.fee_buffer_bps
            )
        self._closers.append(ledger.close)
        return ledger

    @cached_property
    def order_desk(self) -> OrderDesk:
        """Return the order desk (ledger + broker + order book), following the broker's pushes."""
        desk = OrderDesk(self.ledger, self.broker, self.order_book)
        desk.listen()
        return desk

    def alpaca_data_client(self) -> Any:
        """Return alpaca-py's StockHistoricalDataClient built from settings."""
        from alpaca.data.historical import StockHistoricalDataClient

        from pas.core.errors import ConfigError

        alpaca = self.settings.alpaca
        if alpaca.key_id is None or alpaca.secret_key is None:
            raise ConfigError(
                "Alpaca keys are not set (PAS_ALPACA__KEY_ID, PAS_ALPACA__SECRET_KEY)",
                keys=["alpaca.key_id", "alpaca.secret_key"],
            )
        return StockHistoricalDataClient(
            alpaca.key_id.get_secret_value(),
            alpaca.secret_key.get_secret_value(),
            url_override=alpaca.data_url_override,
        )

    def close(self) -> None:
        """Release every connection this container opened."""
        while self._closers:
            closer = self._closers.pop()
            try:
                closer()
            except Exception:  # closing must never mask the real outcome
                log.exception("error while closing %r", closer)


def build(settings: Settings | None = None) -> Container:
    """Return a container for `settings` (loaded from file and environment when None)."""
    return Container(settings or load_settings())
