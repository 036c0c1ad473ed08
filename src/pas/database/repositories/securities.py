"""Securities: symbol, name, GICS sector and industry."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from pas.core.records import SecurityInfo
from pas.database.models import Security
from pas.database.repositories.bulk import bulk_upsert
from pas.database.repositories.prices import SqlPriceRepository
from pas.database.repositories.versions import bump_version


class SqlSecurityRepository:
    """Securities in the `securities` table."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def upsert(self, securities: Iterable[SecurityInfo]) -> int:
        """Insert or update securities; a None field keeps what is stored."""
        rows = list(securities)
        known = {s.symbol: s for s in self.session.scalars(select(Security))}
        merged = []
        for sec in rows:
            old = known.get(sec.symbol)
            merged.append(
                (
                    sec.symbol,
                    sec.name if sec.name is not None else (old.name if old else None),
                    sec.sector if sec.sector is not None else (old.sector if old else None),
                    sec.industry if sec.industry is not None else (old.industry if old else None),
                )
            )
        bump_version(self.session, "securities")
        return bulk_upsert(
            self.session,
            "securities",
            ("symbol", "name", "sector", "industry"),
            ("symbol",),
            merged,
        )

    def list(self) -> list[SecurityInfo]:
        """Return every security with the span of its prices, ordered by symbol."""
        spans = SqlPriceRepository(self.session).spans()
        out = []
        for sec in self.session.scalars(select(Security).order_by(Security.symbol)):
            first, last = spans.get(sec.symbol, (None, None))
            out.append(SecurityInfo(sec.symbol, sec.name, sec.sector, sec.industry, first, last))
        return out

    def sectors(self) -> dict[str, str]:
        """Return symbol -> sector for securities whose sector is known."""
        query = select(Security.symbol, Security.sector).where(Security.sector.is_not(None))
        return {sym: str(sector) for sym, sector in self.session.execute(query).all()}

    def missing(self, symbols: Iterable[str]) -> tuple[str, ...]:
        """Return the symbols among `symbols` that are not stored, sorted."""
        wanted = set(symbols)
        if not wanted:
            return ()
        query = select(Security.symbol).where(Security.symbol.in_(sorted(wanted)))
        return tuple(sorted(wanted - set(self.session.scalars(query))))
