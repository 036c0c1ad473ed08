"""Back up a PAS database to one file and restore it into an empty database.

MariaDB: `mariadb-dump --single-transaction` (one consistent InnoDB snapshot, taken
without locking writers out) to a SQL file, and the `mariadb` client to load it.
SQLite: the sqlite3 online backup API, file to file, so a running service may keep
writing. The journal is in the database, so a backup holds every ledger write
acknowledged before the snapshot; Redis is rebuilt from it after a restore.
"""

from __future__ import annotations

import contextlib
import shutil
import sqlite3
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, inspect, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import OperationalError

from pas.core.errors import ConfigError, Conflict, DataError, Unavailable

SQLITE_MAGIC = b"SQLite format 3\x00"
#: a line near the top of a dump written by mariadb-dump or mysqldump (newer mariadb-dump
#: writes a "sandbox mode" comment first)
DUMP_HEADERS = (b"-- MariaDB dump", b"-- MySQL dump")


@dataclass(frozen=True)
class BackupSummary:
    """What a backup or restore did: the file, its size, the schema and journal it holds."""

    file: str
    backend: str
    bytes: int
    tables: int
    revision: str | None
    #: journal events in the file (of a MariaDB backup: at least these, the journal when the
    #: snapshot began; writes during the dump may be in it too)
    ledger_events: int
    #: the ledgers the journal holds (each is a `redis.prefix`): the settings must name one
    ledgers: tuple[str, ...]
    seconds: float


def backup(engine: Engine, target: Path) -> BackupSummary:
    """Write a consistent copy of the database behind `engine` to `target`; return a summary."""
    start = time.perf_counter()
    partial = target.with_name(target.name + ".partial")
    sqlite = engine.dialect.name == "sqlite"
    journaled = 0 if sqlite else _reachable(engine)[2]  # all in the snapshot, which starts later
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        if sqlite:
            _sqlite_copy(_existing(Path(_sqlite_path(engine.url))), partial)
        else:
            _dump(engine.url, partial)
        partial.replace(target)  # a backup file is whole or absent
    except OSError as exc:
        raise DataError(f"cannot write the backup: {exc.strerror}", file=str(target)) from None
    finally:
        with contextlib.suppress(OSError):
            partial.unlink(missing_ok=True)
    done = _summary(engine, target, time.perf_counter() - start)
    if sqlite:  # the copy is exact: count what it holds
        return done
    # a dump runs beside the service's writes: what is certainly in the file
    return replace(done, ledger_events=journaled)


def restore(engine: Engine, source: Path, *, force: bool = False) -> BackupSummary:
    """Load the backup `source` into the (empty, unless `force`) database behind `engine`."""
    start = time.perf_counter()
    sqlite = engine.dialect.name == "sqlite"
    head = _head(source)
    if sqlite and not head.startswith(SQLITE_MAGIC):
        raise DataError("not a SQLite database backup", file=str(source))
    if not sqlite and not any(line.startswith(DUMP_HEADERS) for line in head.splitlines()[:3]):
        raise DataError("not a MariaDB/MySQL dump (made by `pas db backup`?)", file=str(source))
    tables = inspect(engine).get_table_names()
    if tables and not force:
        raise Conflict(
            f"the database to restore into is not empty ({len(tables)} tables); restore into "
            "a new database, or pass --force to replace its tables",
            tables=len(tables),
        )
    if sqlite:
        engine.dispose()  # no pooled connection may hold the old file open
        _sqlite_copy(source, Path(_sqlite_path(engine.url)))
    else:
        if tables:
            _drop_tables(engine, tables)
        _load(engine.url, source)
    engine.dispose()
    return _summary(engine, source, time.perf_counter() - start)


def _head(source: Path) -> bytes:
    try:
        with source.open("rb") as fh:
            return fh.read(512)
    except OSError as exc:
        raise DataError(f"cannot read the backup: {exc.strerror}", file=str(source)) from None


def _sqlite_path(url: URL) -> str:
    database = url.database
    if not database or database == ":memory:":
        raise ConfigError("an in-memory SQLite database has nothing to back up or restore into")
    return database


def _existing(database: Path) -> Path:
    if not database.is_file():  # sqlite3 would create it, and back up an empty database
        raise DataError("no SQLite database here to back up", file=str(database))
    return database


def _sqlite_copy(source: Path, target: Path) -> None:
    """Copy one SQLite database into another with the online backup API."""
    src = sqlite3.connect(source)
    try:
        dst = sqlite3.connect(target)
        try:
            src.backup(dst)
        finally:
            dst.close()
    except sqlite3.Error as exc:
        raise DataError(f"SQLite backup failed: {exc}", file=str(source)) from None
    finally:
        src.close()


def _drop_tables(engine: Engine, tables: list[str]) -> None:
    with engine.begin() as conn:
        conn.exec_driver_sql("SET FOREIGN_KEY_CHECKS=0")
        for table in tables:
            conn.exec_driver_sql(f"DROP TABLE `{table}`")
        conn.exec_driver_sql("SET FOREIGN_KEY_CHECKS=1")


def _dump(url: URL, target: Path) -> None:
    tool = _tool("mariadb-dump", "mysqldump")
    options = ["--single-transaction", "--quick", "--hex-blob", "--skip-lock-tables"]
    with _client_options(url) as connect, target.open("wb") as out:
        _run([tool, *connect, *options, url.database or ""], url, stdout=out)


def _load(url: URL, source: Path) -> None:
    tool = _tool("mariadb", "mysql")
    with _client_options(url) as connect, source.open("rb") as dump:
        _run([tool, *connect, "--batch", url.database or ""], url, stdin=dump)


def _tool(*names: str) -> str:
    for name in names:
        found = shutil.which(name)
        if found:
            return found
    raise ConfigError(f"`{names[0]}` is not on PATH: install the MariaDB client tools")


@contextmanager
def _client_options(url: URL) -> Iterator[list[str]]:
    """Yield the client's connection options; the password goes in a private options file."""
    if not url.database:
        raise ConfigError("database.url names no database")
    with tempfile.TemporaryDirectory(prefix="pas-db-") as folder:
        options = Path(folder) / "client.cnf"
        options.touch(mode=0o600)
        options.write_text(f"[client]\npassword={_quoted(url.password or '')}\n")
        args = [f"--defaults-extra-file={options}", f"--user={url.username or 'root'}"]
        socket = url.query.get("unix_socket")
        if socket:
            args.append(f"--socket={socket}")
        else:
            args += [f"--host={url.host or '127.0.0.1'}", f"--port={url.port or 3306}"]
            args.append("--protocol=TCP")
        yield args


def _quoted(password: str) -> str:
    return '"' + password.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _run(command: list[str], url: URL, **streams: Any) -> None:
    done = subprocess.run(command, stderr=subprocess.PIPE, check=False, **streams)
    if done.returncode != 0:
        lines = done.stderr.decode(errors="replace").strip().splitlines() or ["(no message)"]
        where = f"{url.host or 'localhost'}/{url.database}"
        raise Unavailable(f"{Path(command[0]).name} failed on {where}: {lines[-1]}")


def _contents(engine: Engine) -> tuple[int, str | None, int, tuple[str, ...]]:
    """Return (tables, schema revision, journal events, the journal's ledgers)."""
    names = inspect(engine).get_table_names()
    revision, events = None, 0
    ledgers: tuple[str, ...] = ()
    with engine.connect() as conn:
        if "alembic_version" in names:
            revision = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
        if "ledger_events" in names:
            counts = conn.execute(
                text("SELECT account, COUNT(*) FROM ledger_events GROUP BY account")
            ).all()
            events = sum(int(n) for _, n in counts)
            ledgers = tuple(sorted(str(account) for account, _ in counts))
    engine.dispose()
    return len(names), revision, events, ledgers


def _reachable(engine: Engine) -> tuple[int, str | None, int, tuple[str, ...]]:
    """Return `_contents`; an unreachable server is one clear error."""
    try:
        return _contents(engine)
    except OperationalError as exc:
        detail = str(exc.orig or exc).splitlines()[0]
        where = f"{engine.url.host or 'localhost'}/{engine.url.database}"
        raise Unavailable(f"cannot reach the database {where}: {detail}") from None


def _summary(engine: Engine, file: Path, seconds: float) -> BackupSummary:
    tables, revision, events, ledgers = _contents(engine)
    return BackupSummary(
        file=str(file),
        backend=engine.dialect.name,
        bytes=file.stat().st_size,
        tables=tables,
        revision=revision,
        ledger_events=events,
        ledgers=ledgers,
        seconds=round(seconds, 3),
    )


def summary_json(summary: BackupSummary) -> dict[str, Any]:
    """Return the summary as a JSON-ready dict."""
    return asdict(summary)
