"""The SQLAlchemy unit of work: one session, one transaction, every repository."""

from __future__ import annotations

from types import TracebackType

from sqlalchemy.orm import Session, sessionmaker

from pas.database.repositories import (
    SqlAllocationRepository,
    SqlApiKeyRepository,
    SqlFactorRepository,
    SqlPriceRepository,
    SqlSecurityRepository,
)
from pas.database.repositories.evaluations import SqlEvaluationRepository
from pas.database.repositories.jobs import SqlJobRepository


class SqlUnitOfWork:
    """`with uow:` opens a transaction; `commit()` keeps it, leaving without one rolls back."""

    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        self.session_factory = session_factory

    def __enter__(self) -> SqlUnitOfWork:
        self.session = self.session_factory()
        self.securities = SqlSecurityRepository(self.session)
        self.prices = SqlPriceRepository(self.session)
        self.factors = SqlFactorRepository(self.session)
        self.api_keys = SqlApiKeyRepository(self.session)
        self.evaluations = SqlEvaluationRepository(self.session)
        self.jobs = SqlJobRepository(self.session)
        self.allocations = SqlAllocationRepository(self.session)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.session.rollback()
        self.session.close()

    def commit(self) -> None:
        """Commit everything done in this unit of work."""
        self.session.commit()

    def rollback(self) -> None:
        """Discard everything done in this unit of work."""
        self.session.rollback()
