"""The SQLAlchemy unit of work: one session, one transaction, every repository."""

from __future__ import annotations

from types import TracebackType

from sqlalchemy.orm import Session, sessionmaker

from pas.database.outage import is_outage, unavailable
from pas.database.repositories import (
    SqlAllocationRepository,
    SqlApiKeyRepository,
    SqlFactorRepository,
    SqlPriceRepository,
    SqlSecurityRepository,
)
from pas.database.repositories.audit import SqlAuditLog
from pas.database.repositories.evaluations import SqlEvaluationRepository
from pas.database.repositories.frames import FrameCache
from pas.database.repositories.jobs import SqlJobRepository
from pas.database.repositories.versions import SqlVersionRepository


class SqlUnitOfWork:
    """`with uow:` opens a transaction; `commit()` keeps it, leaving without one rolls back."""

    def __init__(
        self, session_factory: sessionmaker[Session], frames: FrameCache | None = None
    ) -> None:
        self.session_factory = session_factory
        self.frames = frames

    def __enter__(self) -> SqlUnitOfWork:
        self.session = self.session_factory()
        self.securities = SqlSecurityRepository(self.session)
        self.prices = SqlPriceRepository(self.session, self.frames)
        self.factors = SqlFactorRepository(self.session, self.frames)
        self.api_keys = SqlApiKeyRepository(self.session)
        self.evaluations = SqlEvaluationRepository(self.session, self.frames)
        self.jobs = SqlJobRepository(self.session)
        self.allocations = SqlAllocationRepository(self.session)
        self.versions = SqlVersionRepository(self.session)
        self.audit = SqlAuditLog(self.session)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            self.session.rollback()
            self.session.close()
        except Exception as failed:  # the connection is gone: report the first failure
            if exc is None:
                raise unavailable(failed) if is_outage(failed) else failed from None
        if exc is not None and is_outage(exc):
            raise unavailable(exc) from None

    def commit(self) -> None:
        """Commit everything done in this unit of work."""
        self.session.commit()

    def rollback(self) -> None:
        """Discard everything done in this unit of work."""
        self.session.rollback()
