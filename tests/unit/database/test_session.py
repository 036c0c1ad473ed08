"""Engine options: MariaDB on this machine without TLS set-up, TLS kept where the URL asks."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from sqlalchemy import Engine, event

from pas.database.session import make_engine


class _Stop(Exception):
    """Raised by the connect hook once it has seen the driver's arguments."""


def _driver_args(engine: Engine) -> dict[str, Any]:
    """Return the keyword arguments the engine passes to PyMySQL's connect (nothing connects)."""
    seen: dict[str, Any] = {}

    def grab(_dialect: Any, _record: Any, _cargs: Any, cparams: dict[str, Any]) -> None:
        seen.update(cparams)
        raise _Stop

    event.listen(engine, "do_connect", grab)
    with pytest.raises(_Stop):
        engine.connect()
    return seen


@pytest.mark.parametrize(
    ("url", "plain"),
    [
        ("mysql+pymysql://root@127.0.0.1:3306/test", True),
        ("mysql+pymysql://root@localhost/test", True),
        ("mysql+pymysql://root@/test?unix_socket=/run/mysqld/mysqld.sock", True),
        ("mysql+pymysql://root@db.example.com:3306/test", False),
        ("mysql+pymysql://root@127.0.0.1:3306/test?ssl_ca=/etc/ca.pem", False),
    ],
)
def test_tls_is_skipped_only_on_this_machine_and_unless_asked(url: str, plain: bool) -> None:
    engine = make_engine(url)
    try:
        args = _driver_args(engine)
    finally:
        engine.dispose()
    assert args.get("ssl_disabled", False) is plain
    assert args["charset"] == "utf8mb4" and args["local_infile"] is True


def test_a_connection_the_pool_cannot_reset_is_one_warning_line_not_a_traceback(
    tmp_path: Any, caplog: pytest.LogCaptureFixture
) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'pool.db'}")

    def dropped(*_: Any) -> None:  # as PyMySQL's rollback on a connection the server reset
        raise ConnectionResetError(104, "Connection reset by peer")

    event.listen(engine.pool, "reset", dropped)
    with (
        caplog.at_level(logging.WARNING, logger="sqlalchemy.pool"),
        engine.connect() as connection,
    ):
        connection.exec_driver_sql("select 1")
    engine.dispose()
    [record] = [line for line in caplog.records if line.name.startswith("sqlalchemy.pool")]
    assert record.levelno == logging.WARNING and record.exc_info is None
    assert record.getMessage() == (
        "Exception during reset or similar: ConnectionResetError (the connection was discarded)"
    )
    assert "Traceback" not in caplog.text
