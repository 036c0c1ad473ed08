"""The Redis client of a process: bounded timeouts, and one log line per outage.

Every command fails after `timeout_s` instead of hanging; a dropped connection
is retried once at once (a restarted Redis), a timeout is not (it would only
double the wait). Each connection that opens reports to the process's one
`Outage`, so the end of an outage is logged once, without polling.
"""

from __future__ import annotations

import logging
from typing import Any

import redis
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from redis.retry import Retry

from pas.core.errors import RedisUnavailable
from pas.core.outage import Outage, outage

log = logging.getLogger(__name__)


def redis_outage() -> Outage:
    """Return the process's one Outage of Redis."""
    return outage("Redis", log)


def is_outage(exc: BaseException) -> bool:
    """Return True when `exc` means Redis is out of reach or too slow."""
    return isinstance(exc, RedisConnectionError | RedisTimeoutError)


def unavailable(exc: BaseException) -> RedisUnavailable:
    """Return the 503 a Redis outage answers with; the driver's text stays out of it."""
    redis_outage().failed(type(exc).__name__)
    return RedisUnavailable("Redis cannot be reached or did not answer in time")


class _Watched:
    """Reports each connection that opens: Redis answers again.

    redis-py 6+ sets a new connection up in `on_connect_check_health` (its
    `on_connect` calls it); older versions only in `on_connect`.
    """

    def on_connect(self) -> None:
        """Set the new connection up, then record that Redis answers."""
        super().on_connect()  # type: ignore[misc]
        redis_outage().ok()

    def on_connect_check_health(self, check_health: bool = True) -> None:
        """Set the new connection up (the handshake), then record that Redis answers."""
        super().on_connect_check_health(check_health)  # type: ignore[misc]
        redis_outage().ok()


class _Tcp(_Watched, redis.Connection):
    pass


class _Tls(_Watched, redis.SSLConnection):
    pass


class _Unix(_Watched, redis.UnixDomainSocketConnection):
    pass


def make_redis(url: str, *, connect_timeout_s: float, timeout_s: float) -> Any:
    """Return a Redis client for `url` whose every call is bounded by the timeouts."""
    scheme = url.split("://", 1)[0]
    connection = {"rediss": _Tls, "unix": _Unix}.get(scheme, _Tcp)
    return redis.Redis.from_url(
        url,
        socket_timeout=timeout_s,
        socket_connect_timeout=connect_timeout_s,
        retry=Retry(NoBackoff(), 1, supported_errors=(RedisConnectionError,)),
        connection_class=connection,
    )
