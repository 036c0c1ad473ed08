"""Data versions: a counter per kind of data that every write bumps in its own transaction.

A cache key or an ETag that embeds the versions it rests on can never serve
an answer older than the data: the write that changes the data changes the
key, in every process, with or without Redis.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from pas.database.models_versions import DataVersion

#: set in a session's info once it bumped a version: its reads must not be cached, for the
#: version it sees may yet roll back (and its number be used again by another write)
WROTE = "pas.wrote"


def bump_version(session: Session, name: str) -> None:
    """Add one to the version of `name` (created at 1 when unknown) in the session's transaction."""
    session.info[WROTE] = True
    done = session.execute(
        update(DataVersion).where(DataVersion.name == name).values(version=DataVersion.version + 1)
    )
    if done.rowcount == 0:  # type: ignore[attr-defined]
        session.add(DataVersion(name=name, version=1))
        session.flush()


class SqlVersionRepository:
    """The `data_versions` table."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, names: Sequence[str]) -> dict[str, int]:
        """Return name -> version for `names` (0 for a name never written)."""
        query = select(DataVersion.name, DataVersion.version).where(
            DataVersion.name.in_(list(names))
        )
        found = {n: int(v) for n, v in self.session.execute(query).all()}
        return {n: found.get(n, 0) for n in names}

    def bump(self, name: str) -> None:
        """Add one to the version of `name`."""
        bump_version(self.session, name)
