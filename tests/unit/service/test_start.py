"""`pas serve` start-up: which settings allow several workers, and the worker header."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from pas.bootstrap import Container
from pas.core.errors import ConfigError
from pas.service.start import WorkerHeader, _asgi, check_workers
from tests.conftest import make_settings

MARIADB = "mysql+pymysql://pas@db:3306/pas"
REDIS = {"url": "redis://redis:6379/0"}


def test_one_worker_runs_on_anything(tmp_path: Path) -> None:
    check_workers(Container(make_settings(f"sqlite:///{tmp_path}/a.db", tmp_path)), 1)


def test_several_workers_run_on_mariadb_and_redis(tmp_path: Path) -> None:
    check_workers(Container(make_settings(MARIADB, tmp_path, redis=REDIS)), 4)


@pytest.mark.parametrize(
    ("url", "extra", "needs"),
    [
        ("sqlite:///x.db", {"redis": REDIS}, "need MariaDB"),
        (MARIADB, {}, "need Redis"),
        (MARIADB, {"redis": REDIS, "updater": {"in_serve": "on"}}, "cannot each run the updater"),
    ],
)
def test_several_workers_are_refused_where_their_state_would_diverge(
    tmp_path: Path, url: str, extra: dict[str, object], needs: str
) -> None:
    container = Container(make_settings(url, tmp_path, **extra))
    with pytest.raises(ConfigError, match=needs):
        check_workers(container, 2)


def test_the_worker_header_names_this_process_only_when_asked(container: Container) -> None:
    with TestClient(_asgi(container, None)) as plain:
        assert "x-pas-worker" not in plain.get("/health").headers
    container.settings.server.worker_header = True
    app = _asgi(container, None)
    assert isinstance(app, WorkerHeader)
    with TestClient(app) as named:
        assert named.get("/health").headers["x-pas-worker"] == str(os.getpid())
        assert named.get("/nowhere").headers["x-pas-worker"] == str(os.getpid())
