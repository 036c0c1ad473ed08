"""The one composition root: builds every adapter from settings, lazily, once."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from pas.config import Settings, load_settings
from pas.database.init_db import init_db
from pas.database.session import make_engine, make_session_factory
from pas.database.uow import SqlUnitOfWork
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
    def account_cash(self) -> AccountCash:
        """Return the brokerage account's cash source (the paper account for now)."""
        from pas.brokers.account_cash import FixedAccountCash

        return FixedAccountCash(self.settings.broker.paper_cash)

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
