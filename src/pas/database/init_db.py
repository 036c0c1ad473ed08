"""Create or upgrade the schema to the newest migration: `python -m pas.database.init_db`."""

from __future__ import annotations

import sys
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config() -> Config:
    """Return an Alembic config pointing at the packaged migrations."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def head_revision() -> str:
    """Return the newest migration's revision id."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    """Return the revision the database is at (None when it has no schema)."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def init_db(engine: Engine) -> tuple[str | None, str]:
    """Upgrade the database to head; return (revision before, revision after)."""
    before = current_revision(engine)
    if before != head_revision():
        cfg = alembic_config()
        with engine.connect() as conn:
            sqlite = conn.dialect.name == "sqlite"
            if sqlite:  # batch mode copies tables: SQLite must not check keys mid-copy
                conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
                conn.commit()  # the driver opens no transaction for a PRAGMA
            with conn.begin():
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, "head")
                if sqlite and conn.exec_driver_sql("PRAGMA foreign_key_check").first():
                    raise RuntimeError("the migrated SQLite database breaks a foreign key")
            if sqlite:
                conn.exec_driver_sql("PRAGMA foreign_keys=ON")
                conn.commit()
    return before, head_revision()


def main() -> int:
    """Entry point of `python -m pas.database.init_db`; returns the exit code."""
    from pas.config import load_settings
    from pas.core.errors import ConfigError
    from pas.database.session import make_engine

    try:
        settings = load_settings()
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    engine = make_engine(settings.database.sqlalchemy_url())
    before, after = init_db(engine)
    engine.dispose()
    print(f"schema at {after}" + ("" if before == after else f" (was {before or 'empty'})"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
