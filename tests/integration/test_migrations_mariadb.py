"""Every migration upgrades a MariaDB database that holds data, and steps back down.

For each revision (found in the migrations folder, so a new one is covered the
day it lands): a fresh database is upgraded to the revision before it, one row
is written in every table (values chosen from each column's type; foreign keys
point at the rows already written), the revision is applied, and every value
written must read back the same. Then one step down keeps the earlier tables'
rows, and up again. At head, the schema is exactly what the models describe.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection, Engine, make_url

from pas.database.init_db import alembic_config, current_revision
from pas.database.session import make_engine

pytestmark = [pytest.mark.mysql, pytest.mark.slow]

Rows = dict[str, list[dict[str, Any]]]


def _revisions() -> list[str]:
    """Return every revision id, oldest first (the chain must be linear)."""
    script = ScriptDirectory.from_config(alembic_config())
    assert len(script.get_heads()) == 1, f"more than one head: {script.get_heads()}"
    return [r.revision for r in reversed(list(script.walk_revisions()))]


REVISIONS = _revisions()
STEPS = list(zip([None, *REVISIONS[:-1]], REVISIONS, strict=True))


@pytest.fixture
def engine(mysql_server_url: str) -> Iterator[Engine]:
    """An engine on a fresh MariaDB database of this helper's own (`t_ops_...`), dropped after."""
    name = f"t_ops_mig_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(mysql_server_url)
    with admin.begin() as conn:
        conn.exec_driver_sql(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4")
    url = make_url(mysql_server_url).set(database=name).render_as_string(hide_password=False)
    built = make_engine(url, pool_size=1)
    try:
        yield built
    finally:
        built.dispose()
        with admin.begin() as conn:
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS `{name}`")
        admin.dispose()


def _migrate(engine: Engine, step: Callable[..., None], revision: str) -> None:
    cfg = alembic_config()
    with engine.connect() as conn, conn.begin():
        cfg.attributes["connection"] = conn
        step(cfg, revision)


def _value(column: sa.Column[Any], serial: int) -> Any:
    """A value of the column's type that fits it; Text holds JSON (migrations may parse it)."""
    kind = column.type
    if isinstance(kind, sa.Enum):
        return kind.enums[serial % len(kind.enums)]
    if isinstance(kind, sa.JSON):
        return {"k": serial}
    if isinstance(kind, sa.LargeBinary):
        return bytes([serial % 256, 1, 2])
    if isinstance(kind, sa.Time):
        return dt.time(1, 2, serial % 60)
    if isinstance(kind, sa.Boolean):
        return True
    if isinstance(kind, sa.Integer):  # BIGINT, INTEGER, TINYINT(1)
        return serial
    if isinstance(kind, sa.Numeric) and not isinstance(kind, sa.Float):
        scale = kind.scale or 0
        return Decimal(serial * 1000 + 1).scaleb(-scale) if scale else Decimal(serial)
    if isinstance(kind, sa.Float):
        return 0.125 * serial
    if isinstance(kind, sa.DateTime):
        return dt.datetime(2024, 1, 2, 3, 4, 5)
    if isinstance(kind, sa.Date):
        return dt.date(2024, 1, 2) + dt.timedelta(days=serial)
    if isinstance(kind, sa.Text) and not getattr(kind, "length", None):
        return '{"k": 1}'
    if isinstance(kind, sa.String):
        text = f"{column.name}-{serial}"
        return text[-kind.length :] if kind.length else text
    raise AssertionError(f"no sample value for {column.table.name}.{column.name} ({kind!r})")


def _seed(conn: Connection, serial: int) -> Rows:
    """Write one row in every table (parents first); return what was written."""
    meta = sa.MetaData()
    meta.reflect(conn)
    written: Rows = {}
    for table in meta.sorted_tables:
        if table.name == "alembic_version":
            continue
        row: dict[str, Any] = {}
        for column in table.columns:
            parents = [k.column for k in column.foreign_keys if k.column.table is not table]
            if parents:
                row[column.name] = written[parents[0].table.name][0][parents[0].name]
            elif column.foreign_keys and column.nullable:  # a link to its own table: none yet
                row[column.name] = None
            else:
                row[column.name] = _value(column, serial)
        conn.execute(table.insert().values(**row))
        written[table.name] = [row]
    return written


def _read(conn: Connection) -> Rows:
    meta = sa.MetaData()
    meta.reflect(conn)
    return {
        t.name: [dict(r._mapping) for r in conn.execute(sa.select(t))]
        for t in meta.sorted_tables
        if t.name != "alembic_version"
    }


def _assert_kept(before: Rows, after: Rows, what: str) -> None:
    """Every row and value in `before` is in `after` (new columns and tables may appear)."""
    for table, rows in before.items():
        assert table in after, f"{what}: table {table} is gone"
        for row in rows:
            matches = [
                r for r in after[table] if all(r.get(k, object()) == v for k, v in row.items())
            ]
            assert matches, f"{what}: {table} lost or changed {row}; now {after[table]}"


@pytest.mark.parametrize("previous,revision", STEPS, ids=[r for _, r in STEPS])
def test_migration_keeps_the_data_and_steps_back(
    engine: Engine, previous: str | None, revision: str
) -> None:
    if previous is not None:
        _migrate(engine, command.upgrade, previous)
    with engine.begin() as conn:
        present = {t: len(rows) for t, rows in _read(conn).items()}  # rows a migration wrote
        seeded = _seed(conn, 1)
        before = _read(conn)
    assert all(len(before[t]) == present[t] + 1 for t in seeded)  # each table got its row
    _migrate(engine, command.upgrade, revision)
    assert current_revision(engine) == revision
    with engine.connect() as conn:
        after = _read(conn)
    _assert_kept(before, after, f"upgrade {previous} -> {revision}")
    CHECKS.get(revision, lambda *_: None)(before, after)

    _migrate(engine, command.downgrade, previous or "base")
    assert current_revision(engine) == previous
    with engine.connect() as conn:
        down = _read(conn)
    _assert_kept(before, down, f"downgrade {revision} -> {previous}")
    assert set(down) == set(before)  # what the revision added is gone again
    _migrate(engine, command.upgrade, revision)
    with engine.begin() as conn:
        again = _read(conn)
        _seed(conn, 2)  # the upgraded schema takes new rows in every table
    _assert_kept(before, again, f"upgrade again {previous} -> {revision}")


def _ledger_history(before: Rows, after: Rows) -> None:
    """0006: journal rows written before keep an empty epoch and no predecessor link."""
    (event,) = after["ledger_events"]
    assert (event["epoch"], event["prev_seq"], event["prev_epoch"]) == ("", None, None)


def _named_runs(before: Rows, after: Rows) -> None:
    """0008: a run that is not the default one is named run-<id>; data versions start at 1."""
    (run,) = after["evaluation_runs"]
    assert run["name"] == f"run-{run['id']}"
    assert {r["name"]: r["version"] for r in after["data_versions"]} == {
        n: 1 for n in ("securities", "prices", "factors", "evaluations", "allocations")
    }


#: revision -> what its data migration must have done, beyond keeping every value
CHECKS: dict[str, Callable[[Rows, Rows], None]] = {
    "0006": _ledger_history,
    "0008": _named_runs,
}


def test_head_matches_the_models_after_upgrading_with_data(engine: Engine) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from pas.database.models import Base

    for revision in REVISIONS:  # one step at a time, with rows in every table on the way
        _migrate(engine, command.upgrade, revision)
        with engine.begin() as conn:
            _seed(conn, REVISIONS.index(revision) + 10)
    with engine.connect() as conn:
        diff = compare_metadata(
            MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata
        )
    assert diff == [], "\n".join(map(str, diff))
    assert current_revision(engine) == REVISIONS[-1]
