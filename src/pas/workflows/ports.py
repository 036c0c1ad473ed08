"""Ports: the protocols the workflows need; adapters and fakes implement them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from types import TracebackType
from typing import Any, Protocol

import pandas as pd

from pas.core.records import ApiKeyInfo, EvaluationRunInfo, JobInfo, SecurityInfo


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


class EvaluationRepository(Protocol):
    def find(self, params_hash: str) -> EvaluationRunInfo | None: ...
    def get(self, run_id: int) -> EvaluationRunInfo | None: ...
    def latest(self) -> EvaluationRunInfo | None: ...
    def all(self) -> list[EvaluationRunInfo]: ...
    def create(self, params_hash: str, params: dict[str, Any]) -> EvaluationRunInfo: ...
    def append(
        self,
        run_id: int,
        method: str,
        daily: pd.DataFrame,
        weights: pd.DataFrame,
        fallbacks: Iterable[tuple[pd.Timestamp, str]],
        state: dict[str, Any] | None,
    ) -> None: ...
    def touch(self, run_id: int, last_date: dt.date | None) -> None: ...
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


class JobRepository(Protocol):
    def create(self, kind: str) -> JobInfo: ...
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
