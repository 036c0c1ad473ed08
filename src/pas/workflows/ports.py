"""Ports: the protocols the workflows need; adapters and fakes implement them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from types import TracebackType
from typing import Protocol

import pandas as pd

from pas.analytics.allocation.result import Allocation
from pas.core.allocations import StoredAllocation
from pas.core.records import ApiKeyInfo, SecurityInfo


class SecurityRepository(Protocol):
    def upsert(self, securities: Iterable[SecurityInfo]) -> int: ...
    def list(self) -> list[SecurityInfo]: ...
    def sectors(self) -> dict[str, str]: ...


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
    def spans(self) -> dict[str, tuple[dt.date, dt.date]]: ...
    def latest(self, symbols: Sequence[str]) -> dict[str, tuple[dt.date, float]]: ...
    def count(self) -> int: ...


class FactorRepository(Protocol):
    def upsert(self, frame: pd.DataFrame, frequency: str) -> int: ...
    def load(
        self, frequency: str = "daily", start: dt.date | None = None, end: dt.date | None = None
    ) -> pd.DataFrame: ...


class ApiKeyRepository(Protocol):
    def add(self, name: str, role: str, key_hash: str, key_prefix: str) -> ApiKeyInfo: ...
    def by_hash(self, key_hash: str) -> ApiKeyInfo | None: ...
    def list(self) -> list[ApiKeyInfo]: ...
    def revoke(self, key_id: int) -> ApiKeyInfo: ...


class AllocationRepository(Protocol):
    def add(self, allocation: Allocation) -> StoredAllocation: ...
    def get(self, allocation_id: int) -> StoredAllocation: ...
    def list(self, method: str | None = None, limit: int = 50) -> list[StoredAllocation]: ...


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
    def allocations(self) -> AllocationRepository: ...

    def __enter__(self) -> UnitOfWork: ...
    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...
    def commit(self) -> None: ...
    def rollback(self) -> None: ...


#: Reports progress: (done, total or None, what is being done).
Progress = Callable[[int, int | None, str], None]


def no_progress(done: int, total: int | None, what: str) -> None:
    """A Progress that reports nothing."""
