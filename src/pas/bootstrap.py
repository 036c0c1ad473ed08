"""The one composition root: builds every adapter from settings, lazily, once."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from pas.config import Settings, load_settings, parse_executor
from pas.core.ports import AccountCash, Broker, Ledger
from pas.core.strategies import Strategy
from pas.database.init_db import init_db
from pas.database.repositories.frames import FrameCache
from pas.database.session import Timeouts, make_engine, make_session_factory
from pas.database.uow import SqlUnitOfWork
from pas.workflows.order_ports import OrderBook
from pas.workflows.orders import OrderDesk
from pas.workflows.ports import Cache
from pas.workflows.updater_ports import (
    EventHub,
    JobRuns,
    Leader,
    Marks,
    MetricsCache,
    MetricsStore,
)

if TYPE_CHECKING:
    from pas.workflows.allocation import InputCache
    from pas.workflows.sweep import Executor

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
        timeouts = Timeouts(
            connect_s=db.connect_timeout_seconds,
            read_s=db.read_timeout_seconds,
            write_s=db.write_timeout_seconds,
            pool_s=db.pool_timeout_seconds,
            busy_s=db.busy_timeout_seconds,
        )
        engine = make_engine(
            db.sqlalchemy_url(), echo=db.echo, pool_size=db.pool_size, timeouts=timeouts
        )
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
        return SqlUnitOfWork(self.session_factory, self.frames)

    @cached_property
    def frames(self) -> FrameCache | None:
        """Return this process's cache of price panels (None when cache.max_mb is 0)."""
        size = self.settings.cache.max_mb << 20
        return FrameCache(size) if size else None

    @cached_property
    def redis(self) -> Any:
        """Return a Redis client, or None when redis.url is unset."""
        settings = self.settings.redis
        if settings.url is None:
            return None
        from pas.realtime.redis_client import make_redis

        client = make_redis(
            settings.url,
            connect_timeout_s=settings.connect_timeout_seconds,
            timeout_s=settings.timeout_seconds,
        )
        self._closers.append(client.close)
        return client

    def announce_revocation(self, key_id: int) -> None:
        """Tell every API worker that key `key_id` was revoked (over Redis, when configured)."""
        if self.redis is not None:
            from pas.realtime.revocations import announce

            announce(self.redis, self.settings.redis.prefix, key_id)

    def revocation_listener(self, forget: Any) -> Any:
        """Return a listener calling `forget()` on each announced revocation (None without Redis)."""
        if self.redis is None:
            return None
        from pas.realtime.revocations import RevocationListener

        return RevocationListener(self.redis, self.settings.redis.prefix, forget)

    @cached_property
    def cache(self) -> Cache:
        """Return the answer cache: in-process, in front of Redis when redis.url is set."""
        from pas.realtime.answer_cache import LruCache, RedisCache, TieredCache

        near = LruCache(self.settings.cache.max_mb << 20)
        if self.settings.redis.url is None:
            return near
        return TieredCache(near, RedisCache(self.redis, self.settings.redis.prefix))

    @cached_property
    def allocation_cache(self) -> InputCache:
        """Return this process's cache of allocation inputs (price panels, factors, estimates)."""
        from pas.workflows.allocation import InputCache

        return InputCache()

    @cached_property
    def broker(self) -> Broker:
        """Return the broker: the paper broker (default) or Alpaca, by broker.kind."""
        broker: Broker
        if self.settings.broker.kind == "alpaca":
            from pas.brokers.alpaca_setup import alpaca_broker

            broker = alpaca_broker(self.settings.alpaca)
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

        return strategy_targets(self.uow(), strategy, self.allocation_cache)

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
        from pas.workflows.ledger import subscribe

        subscribe(ledger, self.publish)  # acknowledged events, after their journal commit
        from pas.realtime.telemetry import count_ledger_event

        ledger.add_listener(count_ledger_event)
        return ledger

    @cached_property
    def order_desk(self) -> OrderDesk:
        """Return the order desk (ledger + broker + order book), following the broker's pushes."""
        desk = OrderDesk(self.ledger, self.broker, self.order_book, publish=self.publish)
        desk.listen()
        return desk

    def alpaca_data_client(self) -> Any:
        """Return alpaca-py's StockHistoricalDataClient built from settings."""
        from pas.brokers.alpaca_setup import alpaca_data_client

        return alpaca_data_client(self.settings.alpaca)

    # --- the real-time hub and the updater ---------------------------------

    @cached_property
    def hub(self) -> EventHub:
        """Return the event hub: Redis streams when redis.url is set, else in-process."""
        realtime = self.settings.realtime
        hub: EventHub
        if self.settings.redis.url is not None:
            from pas.realtime.redis_hub import RedisHub

            hub = RedisHub(self.redis, self.settings.redis.prefix, realtime.history_size)
        else:
            from pas.realtime.memory import MemoryHub

            hub = MemoryHub(realtime.history_size)
        self._closers.append(hub.close)
        return hub

    def publish(self, topic: str, data: dict[str, Any]) -> None:
        """Publish one event on the hub (best effort: a failure is logged, never raised)."""
        try:
            self.hub.publish(topic, data)
        except Exception:
            log.exception("could not publish a %s event", topic)

    def redactor(self) -> Any:
        """Return the redactor of log lines, knowing the configured secrets' values."""
        from pas.realtime.logs import Redactor

        secrets = [
            s.get_secret_value()
            for s in (
                self.settings.alpaca.key_id,
                self.settings.alpaca.secret_key,
                self.settings.database.password,
            )
            if s is not None
        ]
        return Redactor(secrets)

    def forward_logs(self) -> Any:
        """Publish log records (INFO and up, redacted) as `logs` events; return the undo.

        The `pas` loggers log at `log_level`; a process without a handler of
        its own also gets one on stderr (the hub's would silence Python's
        last-resort printing of warnings).
        """
        from pas.realtime.logs import HubLogHandler, RedactingFilter

        root = logging.getLogger()
        added: list[logging.Handler] = []
        if not root.handlers:
            stderr = logging.StreamHandler()
            stderr.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
            stderr.addFilter(RedactingFilter(self.redactor()))
            stderr.setLevel(logging.WARNING)
            added.append(stderr)
        redact = RedactingFilter(self.redactor())
        existing = list(root.handlers)
        for handler in existing:
            handler.addFilter(redact)
        added.append(HubLogHandler(self.publish, self.redactor()))
        for handler in added:
            root.addHandler(handler)
        pas_logger = logging.getLogger("pas")
        level = pas_logger.level
        if level == logging.NOTSET:
            pas_logger.setLevel(self.settings.log_level)

        def undo() -> None:
            pas_logger.setLevel(level)
            for handler in added:
                root.removeHandler(handler)
            for handler in existing:
                handler.removeFilter(redact)

        return undo

    @cached_property
    def metrics_store(self) -> MetricsStore:
        """Return the daily metrics table."""
        from pas.database.repositories.metrics import SqlMetricsStore

        return SqlMetricsStore(self.engine)

    @cached_property
    def job_runs(self) -> JobRuns:
        """Return the updater's job runs (in the jobs table)."""
        from pas.database.repositories.metrics import SqlJobRuns

        beat = self.settings.updater.run_heartbeat_seconds
        return SqlJobRuns(self.engine, stale_after_s=4 * beat)

    @cached_property
    def marks(self) -> Marks:
        """Return the updater's schedule marks."""
        from pas.database.repositories.metrics import SqlMarks

        return SqlMarks(self.engine)

    @cached_property
    def metrics_cache(self) -> MetricsCache:
        """Return the read cache: Redis when configured, else this process's memory."""
        if self.settings.redis.url is not None:
            from pas.realtime.cache import RedisCache

            return RedisCache(self.redis, self.settings.redis.prefix)
        from pas.realtime.cache import MemoryCache

        return MemoryCache()

    def leader(self) -> Leader:
        """Return a new leader lock for the updater (always leader without Redis)."""
        if self.settings.redis.url is None:
            from pas.realtime.leader import LocalLeader

            return LocalLeader()
        from pas.realtime.leader import RedisLeaderLock

        key = f"{self.settings.redis.prefix}:updater:leader"
        return RedisLeaderLock(self.redis, key, self.settings.updater.lock_ttl_seconds)

    def updater_in_serve(self) -> bool:
        """Return True when `pas serve` runs the updater (by default: when there is no Redis)."""
        mode = self.settings.updater.in_serve
        return mode == "on" or (mode == "auto" and self.settings.redis.url is None)

    def executor(self, address: str | None = None) -> Executor:
        """Return the executor at `address`, else the one `evaluation.executor` names."""
        evaluation = self.settings.evaluation
        return open_executor(address or evaluation.executor, evaluation.connect_timeout_seconds)

    def close(self) -> None:
        """Release every connection this container opened."""
        while self._closers:
            closer = self._closers.pop()
            try:
                closer()
            except Exception:  # closing must never mask the real outcome
                log.exception("error while closing %r", closer)


def open_executor(address: str = "local", timeout_s: float = 10.0) -> Executor:
    """Return the executor at `address`: local, processes[:N] or dask://HOST:PORT.

    Nothing connects here: a Dask executor reaches its scheduler (within
    `timeout_s`) when it is given work.
    """
    where = parse_executor(address)
    if where.kind == "processes":
        from pas.compute.processes import ProcessExecutor

        return ProcessExecutor(where.workers)
    if where.kind == "dask":
        from pas.compute.dask_cluster import DaskExecutor

        assert where.scheduler is not None
        return DaskExecutor(where.scheduler, timeout_s)
    from pas.workflows.sweep import LocalExecutor

    return LocalExecutor()


def build(settings: Settings | None = None) -> Container:
    """Return a container for `settings` (loaded from file and environment when None)."""
    return Container(settings or load_settings())
