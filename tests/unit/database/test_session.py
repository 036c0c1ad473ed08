"""Engine options: MariaDB on this machine without TLS set-up, TLS kept where the URL asks."""

from __future__ import annotations

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
