"""`pas db backup` and `pas db restore` on MariaDB + Redis and on SQLite, as processes.

A database with sleeves, reservations, fills, cancellations and their journal is
dumped while the ledger is live, restored into a fresh database, and the Redis
projection is rebuilt from the restored journal: `pas ledger verify` passes and
sleeves, positions, cash and reservations are those of the moment of the backup.
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from pas.bootstrap import Container
from pas.config import Settings
from tests.fakes.prices import store_prices

pytestmark = [pytest.mark.mysql, pytest.mark.redis, pytest.mark.slow]

PAS = [sys.executable, "-m", "pas"]
PRICES = {"AAA": 50.0, "BBB": 20.0}


@pytest.fixture
def databases(mysql_server_url: str) -> Iterator[tuple[str, str]]:
    """Two fresh MariaDB databases (`t_ops_...`): the original and the one to restore into."""
    names = [f"t_ops_bk_{uuid.uuid4().hex[:8]}_{end}" for end in ("src", "dst")]
    admin = sa.create_engine(mysql_server_url)
    with admin.begin() as conn:
        for name in names:
            conn.exec_driver_sql(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4")
    url = make_url(mysql_server_url)
    try:
        src, dst = (url.set(database=n).render_as_string(hide_password=False) for n in names)
        yield src, dst
    finally:
        with admin.begin() as conn:
            for name in names:
                conn.exec_driver_sql(f"DROP DATABASE IF EXISTS `{name}`")
        admin.dispose()


def _env(tmp_path: Path, db_url: str, **more: str) -> dict[str, str]:
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith("PAS_")}
    env.update(PAS_DATABASE__URL=db_url, PAS_VAR_DIR=str(tmp_path / "var"), PAS_CONFIG="")
    env.update(more)
    return env


def _pas(env: dict[str, str], *args: str, code: int = 0) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([*PAS, *args], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == code, f"pas {' '.join(args)}: {done.stdout}{done.stderr}"
    return done


def _trade(c: Container) -> None:
    """Sleeves, buys filled in parts, a sell, a cancellation, an open reservation."""
    c.init_schema()
    store_prices(c, PRICES)
    cash = c.account_cash.cash()
    alpha = c.ledger.create_sleeve("alpha", "100000", cash, actor="cli")
    beta = c.ledger.create_sleeve("beta", "50000", cash, actor="cli")
    c.ledger.transfer(alpha.id, beta.id, "2500.5", cash, actor="cli")
    buy, _ = c.ledger.reserve(alpha.id, "b1", "AAA", "buy", "100", "51", actor="cli")
    c.ledger.execute(buy.id, "60", "50.25", "1.5", actor="broker:paper")
    c.ledger.execute(buy.id, "40", "50.75", "1", actor="broker:paper")
    sell, _ = c.ledger.reserve(alpha.id, "s1", "AAA", "sell", "30", "49", actor="cli")
    c.ledger.execute(sell.id, "30", "52.125", "0.75", actor="broker:paper")
    dropped, _ = c.ledger.reserve(beta.id, "b2", "BBB", "buy", "200", "21", actor="cli")
    c.ledger.cancel(dropped.id, actor="cli")
    c.ledger.reserve(beta.id, "b3", "BBB", "buy", "10", "20.5", actor="cli")  # left open


def _state(env: dict[str, str]) -> tuple[Any, Any]:
    sleeves = json.loads(_pas(env, "ledger", "sleeves", "--json").stdout)
    account = sleeves["account"]
    account.pop("seq")  # a rebuild journals its fence event
    reservations = json.loads(_pas(env, "ledger", "reservations", "--json").stdout)
    return sleeves, reservations


def _events(env: dict[str, str]) -> list[dict[str, Any]]:
    return json.loads(_pas(env, "ledger", "events", "--json", "--limit", "10000").stdout)


def _row_counts(url: str) -> dict[str, int]:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        tables = sa.inspect(conn).get_table_names()
        counts = {
            t: conn.execute(sa.text(f"SELECT COUNT(*) FROM `{t}`")).scalar_one() for t in tables
        }
    engine.dispose()
    return counts


@pytest.fixture
def other_redis(tmp_path: Path) -> Iterator[str]:
    """A redis-server of this test's own (ports 6450-6459): the new machine's Redis."""
    exe = shutil.which("redis-server") or "/usr/bin/redis-server"
    for port in range(6450, 6460):
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                continue
        folder = tmp_path / f"redis-{port}"
        folder.mkdir()
        proc = subprocess.Popen(
            [exe, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--dir", str(folder)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while proc.poll() is None and time.monotonic() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.05)
        if proc.poll() is None:
            try:
                yield f"redis://127.0.0.1:{port}/0"
            finally:
                proc.terminate()
                proc.wait(10)
            return
    pytest.fail("no free port for a redis-server in 6450-6459")


def test_mariadb_backup_restores_the_ledger_into_a_fresh_database(
    databases: tuple[str, str], redis_url: str, redis_prefix: str, other_redis: str, tmp_path: Path
) -> None:
    src, dst = databases
    live = Settings(
        database={"url": src},  # type: ignore[arg-type]
        redis={"url": redis_url, "prefix": redis_prefix},  # type: ignore[arg-type]
        var_dir=tmp_path / "var",
    )
    c = Container(live)
    _trade(c)
    env_src = _env(tmp_path, src, PAS_REDIS__URL=redis_url, PAS_REDIS__PREFIX=redis_prefix)
    backup = tmp_path / "pas.sql"
    done = json.loads(_pas(env_src, "db", "backup", str(backup), "--json").stdout)
    # taken while the ledger is live: one consistent snapshot, the whole journal in it
    at_backup, events_at_backup = _state(env_src), _events(env_src)
    c.ledger.reserve(1, "after", "AAA", "buy", "1", "50", actor="cli")  # not in the backup
    c.close()
    n = len(events_at_backup)
    assert done["backend"] == "mysql" and done["ledger_events"] == n >= 10
    assert done["ledgers"] == [redis_prefix]
    assert backup.stat().st_size == done["bytes"] > 0
    assert not list(tmp_path.glob("*.partial"))

    # the database is lost; a new one and a new Redis, with the same settings otherwise
    env_dst = _env(tmp_path, dst, PAS_REDIS__URL=other_redis, PAS_REDIS__PREFIX=redis_prefix)
    restored = json.loads(_pas(env_dst, "db", "restore", str(backup), "--json").stdout)
    assert restored["revision"] == done["revision"] and restored["tables"] == done["tables"]
    assert restored["next"] == [
        "run `pas ledger rebuild` (Redis holds no ledger, or another one than the restored journal)"
    ]
    assert _row_counts(dst) == {**_row_counts(src), "ledger_events": n}
    _pas(env_dst, "ledger", "rebuild", "--json")
    _pas(env_dst, "ledger", "verify", "--json")
    assert _state(env_dst) == at_backup  # positions, cash, PnL, reservations
    events = _events(env_dst)
    assert events[:n] == events_at_backup
    assert {e["kind"] for e in events[n:]} == {"rebuilt"}  # the fence, nothing else

    # restored under another prefix, the journal is not that ledger's: the restore says so
    env_other = _env(tmp_path, src, PAS_REDIS__PREFIX="elsewhere")
    _pas(env_other, "db", "restore", str(backup), "--force")  # src is spare now
    hint = json.loads(_pas(env_other, "db", "restore", str(backup), "--force", "--json").stdout)
    assert hint["next"] == [f"set redis.prefix to {redis_prefix} (the journal is that ledger's)"]


def test_restore_refuses_a_database_with_tables_unless_forced(
    databases: tuple[str, str], tmp_path: Path
) -> None:
    src, dst = databases
    env_src, env_dst = _env(tmp_path, src), _env(tmp_path, dst)
    _pas(env_src, "init-db")
    _pas(env_src, "ledger", "create", "alpha", "--cash", "1000")
    backup = tmp_path / "pas.sql"
    _pas(env_src, "db", "backup", str(backup))
    _pas(env_dst, "init-db")
    _pas(env_dst, "ledger", "create", "other", "--cash", "5")
    refused = _pas(env_dst, "db", "restore", str(backup), code=1)
    assert refused.stderr.startswith("error: the database to restore into is not empty")
    assert len(refused.stderr.strip().splitlines()) == 1
    forced = _pas(env_dst, "db", "restore", str(backup), "--force")
    assert "restored" in forced.stdout
    names = [
        s["name"]
        for s in json.loads(_pas(env_dst, "ledger", "sleeves", "--json").stdout)["sleeves"]
    ]
    assert names == ["alpha"]
    _pas(env_dst, "ledger", "verify")


def test_bad_input_and_an_unreachable_server_are_one_line_errors(
    databases: tuple[str, str], tmp_path: Path
) -> None:
    src, _ = databases
    not_a_dump = tmp_path / "notes.txt"
    not_a_dump.write_text("hello\n")
    for args, message in (
        (["restore", str(not_a_dump)], "not a MariaDB/MySQL dump"),
        (["restore", str(tmp_path / "missing.sql")], "cannot read the backup"),
        (["backup", str(not_a_dump / "x.sql")], "cannot write the backup"),
    ):
        failed = _pas(_env(tmp_path, src), "db", *args, code=1)
        assert message in failed.stderr and len(failed.stderr.strip().splitlines()) == 1
    nowhere = make_url(src).set(port=1).render_as_string(hide_password=False)
    target = tmp_path / "never.sql"
    failed = _pas(_env(tmp_path, nowhere), "db", "backup", str(target), code=1)
    assert failed.stderr.startswith("error: cannot reach the database 127.0.0.1/t_ops_bk_")
    assert len(failed.stderr.strip().splitlines()) == 1
    assert not target.exists() and not list(tmp_path.glob("*.partial"))


def test_sqlite_backup_and_restore(tmp_path: Path) -> None:
    env_src = _env(tmp_path, f"sqlite:///{tmp_path / 'live.db'}")
    env_dst = _env(tmp_path, f"sqlite:///{tmp_path / 'restored.db'}")
    _pas(env_src, "init-db")
    _pas(env_src, "ledger", "create", "alpha", "--cash", "1000")
    _pas(env_src, "ledger", "transfer", "250", "--from", "1")
    backup = tmp_path / "pas.sqlite"
    done = json.loads(_pas(env_src, "db", "backup", str(backup), "--json").stdout)
    assert done["backend"] == "sqlite" and done["ledger_events"] == 2
    assert backup.read_bytes().startswith(b"SQLite format 3\x00")
    restored = json.loads(_pas(env_dst, "db", "restore", str(backup), "--json").stdout)
    assert restored["next"] == [] and restored["ledger_events"] == 2
    _pas(env_dst, "ledger", "verify")
    assert _state(env_dst) == _state(env_src)
    nothing = _pas(_env(tmp_path, f"sqlite:///{tmp_path / 'none.db'}"), "db", "backup", "b", code=1)
    assert "no SQLite database here to back up" in nothing.stderr
    sql_dump = tmp_path / "pas.sql"
    sql_dump.write_text("-- MariaDB dump 10.19\n")
    wrong = _pas(
        _env(tmp_path, f"sqlite:///{tmp_path / 'other.db'}"), "db", "restore", str(sql_dump), code=1
    )
    assert "not a SQLite database backup" in wrong.stderr


def test_restore_beside_the_old_redis_journals_the_writes_made_after_the_backup(
    redis_url: str, redis_prefix: str, tmp_path: Path
) -> None:
    """Redis's stream still holds writes acknowledged after the backup: the rebuild keeps them."""
    redis = {"PAS_REDIS__URL": redis_url, "PAS_REDIS__PREFIX": redis_prefix}
    env_src = _env(tmp_path, f"sqlite:///{tmp_path / 'live.db'}", **redis)
    env_dst = _env(tmp_path, f"sqlite:///{tmp_path / 'restored.db'}", **redis)
    _pas(env_src, "ledger", "create", "alpha", "--cash", "1000")
    backup = tmp_path / "pas.sqlite"
    _pas(env_src, "db", "backup", str(backup))
    _pas(env_src, "ledger", "transfer", "100", "--from", "1")  # acknowledged: in the stream
    at_loss = _state(env_src)
    _pas(env_dst, "db", "restore", str(backup))
    _pas(env_dst, "ledger", "rebuild")
    _pas(env_dst, "ledger", "verify")
    assert _state(env_dst) == at_loss
    kinds = [e["kind"] for e in _events(env_dst)]
    assert kinds[:2] == ["sleeve_created", "transferred"] and set(kinds[2:]) == {"rebuilt"}


def test_a_backup_under_concurrent_writes_is_a_gapless_prefix_of_the_journal(
    databases: tuple[str, str], redis_url: str, redis_prefix: str, other_redis: str, tmp_path: Path
) -> None:
    src, dst = databases
    redis = {"PAS_REDIS__URL": redis_url, "PAS_REDIS__PREFIX": redis_prefix}
    live = Settings(
        database={"url": src},  # type: ignore[arg-type]
        redis={"url": redis_url, "prefix": redis_prefix},  # type: ignore[arg-type]
        var_dir=tmp_path / "var",
    )
    c = Container(live)
    _trade(c)
    stop, acknowledged, failed = threading.Event(), [], []

    def writer() -> None:
        while not stop.is_set():
            cid = f"bg-{len(acknowledged)}"
            try:
                made = c.ledger.reserve(1, cid, "AAA", "buy", "1", "0.5", actor="cli")
            except Exception as exc:  # the test fails on it below, not in a thread
                failed.append(exc)
                return
            acknowledged.append(made[0])

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        time.sleep(0.5)
        before = len(acknowledged)
        backup = tmp_path / "pas.sql"
        done = json.loads(
            _pas(_env(tmp_path, src, **redis), "db", "backup", str(backup), "--json").stdout
        )
        after = len(acknowledged)
    finally:
        stop.set()
        thread.join(30)
    everything = _events(_env(tmp_path, src, **redis))
    c.close()
    assert failed == []
    assert before > 0 and after > before  # the writer was busy before and during the dump
    env_dst = _env(tmp_path, dst, PAS_REDIS__URL=other_redis, PAS_REDIS__PREFIX=redis_prefix)
    _pas(env_dst, "db", "restore", str(backup))
    n = _row_counts(dst)["ledger_events"]  # what the dump holds
    assert n >= done["ledger_events"] > 0  # the backup's count is what it certainly holds
    _pas(env_dst, "ledger", "rebuild")
    _pas(env_dst, "ledger", "verify")
    restored = _events(env_dst)
    assert restored[:n] == everything[:n]  # the journal up to one point, no hole in it
    assert [e["seq"] for e in restored] == list(range(1, len(restored) + 1))
    open_ids = {
        r["client_id"] for r in json.loads(_pas(env_dst, "ledger", "reservations", "--json").stdout)
    }
    assert sum(cid.startswith("bg-") for cid in open_ids) >= before  # what was acknowledged before
