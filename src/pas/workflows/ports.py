"""Ports: the protocols the workflows need; adapters and fakes implement them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Any, Protocol

from pas.core.ports import AccountCash, Ledger
from pas.core.records import ApiKeyInfo, AuditEntry, EvaluationRunInfo, JobInfo, SecurityInfo

__all__ = ["AccountCash", "Ledger"]  # ports of the adapters, defined in pas.core.ports

if TYPE_CHECKING:  # annotations only: importing a port must not load pandas or the engine
    import pandas as pd

    from pas.analytics.allocation.result import Allocation
    from pas.core.allocations import StoredAllocation


class SecurityRepository(Protocol):
    def upsert(self, securities: Iterable[SecurityInfo]) -> int: ...
    def list(self) -> list[SecurityInfo]: ...
    def sectors(self) -> dict[str, str]: ...
    def missing(self, symbols: Iterable[str]) -> tuple[str, ...]: ...


class PriceRepository(Protocol):
    def upsert(
        self, frame: pd.DataFrame, *, on_batch: Callable[[int], None] | None = None
    ) -> int: ...
    def wide(
        self,
        symbols: Sequence[str] | None = None,
        start: dt.date | None = None,
        end: dt.date | None = None,
        field: str = "adj_close",
    ) -> pd.DataFrame: ...
    def long(
        self,
        symbols: Sequence[str] | None = None,
        start: dt.date | None = None,
        end: dt.date | None = None,
        fields: Sequence[str] = ...,
    ) -> pd.DataFrame: ...
    def page(
        self,
        symbols: Sequence[str] | None,
        start: dt.date | None,
        end: dt.date | None,
        after: tuple[str, dt.date] | None,
        limit: int,
    ) -> pd.DataFrame: ...
    def spans(self, symbols: Sequence[str] | None = None) -> dict[str, tuple[dt.date, dt.date]]: ...
    def latest(self, symbols: Sequence[str]) -> dict[str, tuple[dt.date, float]]: ...
    def stamp(self, symbols: Sequence[str], start: dt.date, end: dt.date) -> tuple[Any, ...]: ...
    def count(self) -> int: ...


class FactorRepository(Protocol):
    def upsert(self, frame: pd.DataFrame, frequency: str) -> int: ...
    def load(
        self, frequency: str = "daily", start: dt.date | None = None, end: dt.date | None = None
    ) -> pd.DataFrame: ...
    def stamp(self, frequency: str, end: dt.date | None = None) -> tuple[Any, ...]: ...


class ApiKeyRepository(Protocol):
    def add(self, name: str, role: str, key_hash: str, key_prefix: str) -> ApiKeyInfo: ...
    def by_hash(self, key_hash: str) -> ApiKeyInfo | None: ...
    def list(self) -> list[ApiKeyInfo]: ...
    def revoke(self, key_id: int) -> ApiKeyInfo: ...


class EvaluationRepository(Protocol):
    def find(self, params_hash: str) -> EvaluationRunInfo | None: ...
    def get(self, run_id: int) -> EvaluationRunInfo | None: ...
    def by_name(self, name: str) -> EvaluationRunInfo | None: ...
    def latest(self) -> EvaluationRunInfo | None: ...
    def all(self) -> list[EvaluationRunInfo]: ...
    def create(
        self, params_hash: str, params: dict[str, Any], name: str = ...
    ) -> EvaluationRunInfo: ...
    def append(
        self,
        run_id: int,
        method: str,
        daily: pd.DataFrame,
        weights: pd.DataFrame,
        fallbacks: Iterable[tuple[pd.Timestamp, str]],
        state: dict[str, Any] | None,
    ) -> None: ...
    def touch(
        self,
        run_id: int,
        last_date: dt.date | None,
        metrics: dict[str, dict[str, float | None]] | None = None,
    ) -> None: ...
    def returns(
        self,
        run_id: int,
        method: str | None = None,
        start: dt.date | None = None,
        end: dt.date | None = None,
    ) -> pd.DataFrame: ...
    def weights(self, run_id: int, method: str) -> pd.DataFrame: ...
    def fallbacks(
        self, run_id: int, method: str | None = None
    ) -> list[tuple[str, dt.date, str]]: ...
    def states(self, run_id: int) -> dict[str, dict[str, Any]]: ...
    def methods(self, run_id: int) -> list[str]: ...


class VersionRepository(Protocol):
    """One counter per kind of stored data; every write bumps it in its own transaction."""

    def get(self, names: Sequence[str]) -> dict[str, int]: ...
    def bump(self, name: str) -> None: ...


class JobRepository(Protocol):
    def create(self, kind: str) -> JobInfo: ...
    def active(self, kind: str, since: dt.datetime) -> int: ...
    def get(self, job_id: str) -> JobInfo: ...
    def update(
        self,
        job_id: str,
        *,
        status: str | None = None,
        done: int | None = None,
        total: int | None = None,
        message: str | None = None,
        result: dict[str, Any] | None = None,
    ) -> None: ...


class AllocationRepository(Protocol):
    def add(self, allocation: Allocation) -> StoredAllocation: ...
    def get(self, allocation_id: int) -> StoredAllocation: ...
    def list(self, method: str | None = None, limit: int = 50) -> list[StoredAllocation]: ...


class AuditLog(Protocol):
    def add(self, entry: AuditEntry) -> AuditEntry: ...
    def page(
        self, limit: int, before: int | None = None, actor: str | None = None
    ) -> list[AuditEntry]: ...


class UnitOfWork(Protocol):
    """One transaction over every repository; leaving without commit() rolls back."""

    @property
    def securities(self) -> SecurityRepository: ...
    @property
    def prices(self) -> PriceRepository: ...
    @property
    def factors(self) -> FactorRepository: ...
    @property
    def api_keys(self) -> ApiKeyRepository: ...
    @property
    def evaluations(self) -> EvaluationRepository: ...
    @property
    def jobs(self) -> JobRepository: ...
    @property
    def allocations(self) -> AllocationRepository: ...
    @property
    def versions(self) -> VersionRepository: ...
    @property
    def audit(self) -> AuditLog: ...

    def __enter__(self) -> UnitOfWork: ...
    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...
    def commit(self) -> None: ...
    def rollback(self) -> None: ...


class Cache(Protocol):
    """Encoded answers shared by requests (in-process LRU, or Redis when configured).

    Keys embed the data versions an answer rests on, so a write (which bumps
    its version) makes every entry built on the old data unreachable at once;
    entries also expire after their TTL.
    """

    def get(self, key: str) -> bytes | None: ...
    def set(self, key: str, value: bytes, ttl_seconds: float) -> None: ...
    def clear(self) -> None: ...


#: Reports progress: (done, total or None, what is being done).
Progress = Callable[[int, int | None, str], None]


def no_progress(done: int, total: int | None, what: str) -> None:
    """A Progress that reports nothing."""
