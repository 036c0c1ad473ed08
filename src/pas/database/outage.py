"""Which database failures are an outage (503, retry later), and one log line per outage.

An engine built by `make_engine` reports each failed call that means "the
database is out of reach" to the process's one `Outage`, and each statement
that succeeds after it, so an outage logs one line when it starts and one
when the database is back, however many requests fail in between.
"""

from __future__ import annotations

import logging
import sqlite3
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy import exc as sa_exc

from pas.core.errors import DatabaseUnavailable
from pas.core.outage import Outage, outage

log = logging.getLogger(__name__)

#: SQLite result codes that mean "not now" rather than "wrong statement":
#: BUSY, LOCKED, IOERR, FULL, CANTOPEN
_SQLITE_TRANSIENT = frozenset({5, 6, 10, 13, 14})


def database_outage() -> Outage:
    """Return the process's one Outage of the database."""
    return outage("the database", log)


def is_outage(exc: BaseException) -> bool:
    """Return True when `exc` means the database is out of reach or too slow, not a bad query."""
    if isinstance(exc, sa_exc.TimeoutError):  # no pooled connection came free in time
        return True
    if not isinstance(exc, sa_exc.DBAPIError):
        return False
    if exc.connection_invalidated or isinstance(exc, sa_exc.InterfaceError):
        return True
    if isinstance(exc.orig, sqlite3.Error):
        code = getattr(exc.orig, "sqlite_errorcode", 0) & 0xFF
        return code in _SQLITE_TRANSIENT
    return isinstance(exc, sa_exc.OperationalError)


def unavailable(exc: BaseException) -> DatabaseUnavailable:
    """Return the 503 a database outage answers with; the driver's text stays in the log."""
    database_outage().failed(type(exc.__cause__ or exc).__name__)
    return DatabaseUnavailable("the database cannot be reached or did not answer in time")


def watch(engine: Engine) -> None:
    """Report `engine`'s outages and recoveries to the process's database Outage, and keep
    its pool's tracebacks out of the log."""
    event.listen(engine, "handle_error", _failed)
    event.listen(engine, "after_cursor_execute", _succeeded)
    pool_log = engine.pool.logger
    if isinstance(pool_log, logging.Logger) and not any(
        isinstance(known, PoolTracebacks) for known in pool_log.filters
    ):
        pool_log.addFilter(PoolTracebacks())


class PoolTracebacks(logging.Filter):
    """Turn the pool's traceback for a connection it could not reset or close into one line.

    When the database drops a connection, the pool fails to roll it back on
    return, logs that at ERROR with the driver's traceback, and discards the
    connection; the outage itself is already reported once by the Outage.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        """Keep the record, as one WARNING line naming the exception."""
        error = record.exc_info[1] if record.exc_info else None
        if error is not None:
            record.args = (record.getMessage(), type(error).__name__)
            record.msg = "%s: %s (the connection was discarded)"
            record.exc_info = None
            record.exc_text = None
            record.levelno = logging.WARNING
            record.levelname = logging.getLevelName(logging.WARNING)
        return True


def _failed(context: Any) -> None:
    error = context.sqlalchemy_exception or context.original_exception
    if context.is_disconnect or (error is not None and is_outage(error)):
        database_outage().failed(type(context.original_exception).__name__)


def _succeeded(*_: Any) -> None:
    database_outage().ok()
