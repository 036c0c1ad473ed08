"""Engine and session factories, built from a URL by the composition root."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from pas.database.outage import watch

#: hosts where TLS only costs: without TLS options PyMySQL 2 tries TLS ("preferred") and
#: builds a new SSL context for every connection, about 17 ms of CPU each, even when the
#: server offers none; on these hosts it is switched off unless the URL asks for TLS
LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})
_TLS_OPTIONS = (
    "ssl",
    "ssl_ca",
    "ssl_capath",
    "ssl_cert",
    "ssl_key",
    "ssl_verify_cert",
    "ssl_verify_identity",
    "ssl_disabled",
)


@dataclass(frozen=True)
class Timeouts:
    """How long a database call may take before it fails (seconds), so none hangs forever."""

    connect_s: float = 5.0
    read_s: float = 10.0
    write_s: float = 10.0
    pool_s: float = 5.0
    busy_s: float = 30.0


def make_engine(
    url: str, *, echo: bool = False, pool_size: int = 10, timeouts: Timeouts | None = None
) -> Engine:
    """Return an engine for `url`; SQLite files get their folder, WAL and FK checks; MariaDB
    on this machine (loopback or a socket) is reached without TLS unless the URL asks for it.

    Every call is bounded by `timeouts`; a connection the server dropped is
    noticed before use (pre-ping) and replaced, so the engine recovers by itself.
    """
    limits = timeouts or Timeouts()
    parsed = make_url(url)
    kwargs: dict[str, Any] = {"echo": echo, "future": True}
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": limits.busy_s}
    else:
        kwargs.update(
            pool_size=pool_size,
            max_overflow=pool_size,
            pool_pre_ping=True,
            pool_recycle=3600,
            pool_timeout=limits.pool_s,
        )
        if parsed.get_backend_name() == "mysql":
            kwargs["connect_args"] = _mysql_connect_args(parsed, limits)
    engine = create_engine(url, **kwargs)
    if parsed.get_backend_name() == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    watch(engine)
    return engine


def _mysql_connect_args(parsed: Any, limits: Timeouts) -> dict[str, Any]:
    connect: dict[str, Any] = {"local_infile": True, "charset": "utf8mb4"}
    if _plain_local(parsed):
        connect["ssl_disabled"] = True
    if parsed.get_driver_name() == "pymysql":
        connect["connect_timeout"] = limits.connect_s
        connect["read_timeout"] = limits.read_s
        connect["write_timeout"] = limits.write_s
    return connect


def _plain_local(parsed: Any) -> bool:
    """Return True for a PyMySQL URL to this machine that sets no TLS option."""
    local = parsed.host is None or parsed.host in LOOPBACK
    asked = any(key in parsed.query for key in _TLS_OPTIONS)
    return parsed.get_driver_name() == "pymysql" and local and not asked


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Return a session factory bound to `engine` (expire_on_commit off for hand-offs)."""
    return sessionmaker(bind=engine, expire_on_commit=False, future=True)
