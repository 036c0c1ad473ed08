"""The sweep file: many evaluation runs in one YAML document, validated before any work starts.

    name: size-and-cost            # prefix of the stored run names
    defaults:                      # fields every run starts from (optional)
      methods: [max_sharpe, risk_parity]
      rebalance: M
    runs:                          # the runs (optional: one run of the defaults)
      - name: tech
        symbols: [AAPL, MSFT, IBM]
      - name: all
    grid:                          # every combination, for every run (optional)
      lookback: [252, 504]
      cost_bps: [5, 20]

A run is `<name>.<run>` (plus `.<key>-<value>` per grid key); its fields are
those of `pas evaluate`: methods, symbols (empty: the whole universe),
rebalance, lookback, cost_bps, expected_returns, covariance, params, and
start / end, the window its metrics cover (the run itself covers all data).
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from pas.analytics.comparison import ALL_METHODS, check_methods
from pas.analytics.sweep import SweepRun
from pas.core import limits
from pas.core.errors import InvalidInput

#: runs in one sweep (after the grid is expanded)
MAX_SWEEP_RUNS = 1_000
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]")
#: the fields a grid may vary (every field of a run but its name, params and window)
GRID_KEYS: tuple[str, ...] = (
    "methods",
    "symbols",
    "rebalance",
    "lookback",
    "cost_bps",
    "expected_returns",
    "covariance",
)


class RunFields(BaseModel):
    """The parameters of one run; unset fields come from `defaults`, then from `pas evaluate`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    methods: tuple[str, ...] | None = None
    symbols: tuple[str, ...] | None = None
    rebalance: str | None = None
    lookback: int | None = Field(default=None, ge=2, le=limits.MAX_LOOKBACK)
    cost_bps: float | None = Field(default=None, ge=0, lt=10_000, allow_inf_nan=False)
    expected_returns: str | None = None
    covariance: str | None = None
    params: dict[str, dict[str, Any]] | None = None
    start: dt.date | None = None
    end: dt.date | None = None

    @field_validator("methods", mode="before")
    @classmethod
    def _all(cls, value: Any) -> Any:
        return ALL_METHODS if isinstance(value, str) and value.lower() == "all" else value

    @field_validator("symbols")
    @classmethod
    def _upper(cls, value: tuple[str, ...] | None) -> tuple[str, ...] | None:
        return None if value is None else tuple(s.strip().upper() for s in value)


class RunEntry(RunFields):
    """One entry of `runs:`: a name and its own parameters."""

    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", max_length=64)


class SweepFile(BaseModel):
    """A whole sweep file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(default="sweep", pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", max_length=64)
    defaults: RunFields = RunFields()
    runs: tuple[RunEntry, ...] = ()
    grid: dict[str, list[Any]] = Field(default_factory=dict)

    @field_validator("grid")
    @classmethod
    def _grid(cls, value: dict[str, list[Any]]) -> dict[str, list[Any]]:
        unknown = sorted(set(value) - set(GRID_KEYS))
        if unknown:
            raise ValueError(f"unknown grid key(s) {unknown}; known: {list(GRID_KEYS)}")
        empty = sorted(k for k, v in value.items() if not v)
        if empty:
            raise ValueError(f"grid key(s) {empty} have no values")
        return value


def parse_sweep(source: str | Path | Mapping[str, Any]) -> SweepFile:
    """Return the sweep in a YAML file (a path), YAML text or a mapping; InvalidInput when bad."""
    data: Any = source
    if isinstance(source, Path):
        try:
            data = yaml.safe_load(source.read_text(encoding="utf-8"))
        except OSError as exc:
            raise InvalidInput(f"cannot read the sweep file {source}: {exc.strerror}") from None
        except yaml.YAMLError as exc:
            raise InvalidInput(f"the sweep file {source} is not YAML: {_first_line(exc)}") from None
    elif isinstance(source, str):
        try:
            data = yaml.safe_load(source)
        except yaml.YAMLError as exc:
            raise InvalidInput(f"the sweep is not YAML: {_first_line(exc)}") from None
    if not isinstance(data, Mapping):
        raise InvalidInput("a sweep is a mapping with runs:, defaults:, grid: and name:")
    try:
        return SweepFile.model_validate(data)
    except ValidationError as exc:
        problems = [f"{_where(e['loc'])}: {e['msg']}" for e in exc.errors()]
        raise InvalidInput("invalid sweep: " + "; ".join(problems), problems=problems) from None


def expand(sweep: SweepFile, universe: Sequence[str]) -> tuple[SweepRun, ...]:
    """Return every run of the sweep (grid expanded), checked; `universe` fills empty symbols."""
    entries = sweep.runs or (RunEntry(name="run"),)
    points = _grid_points(sweep.grid)
    count = len(entries) * len(points)
    if count > MAX_SWEEP_RUNS:
        raise InvalidInput(
            f"the sweep has {count:,} runs, above the limit of {MAX_SWEEP_RUNS:,}",
            limit=MAX_SWEEP_RUNS,
            given=count,
        )
    runs = [_run(sweep, entry, point, universe) for entry in entries for point in points]
    seen: set[str] = set()
    for run in runs:
        if run.name in seen:
            raise InvalidInput(f"two runs of the sweep are named {run.name!r}", name=run.name)
        seen.add(run.name)
    return tuple(runs)


def _grid_points(grid: Mapping[str, list[Any]]) -> list[dict[str, Any]]:
    keys = list(grid)
    return [dict(zip(keys, values, strict=True)) for values in itertools.product(*grid.values())]


def _run(
    sweep: SweepFile, entry: RunEntry, point: Mapping[str, Any], universe: Sequence[str]
) -> SweepRun:
    """Return one checked run: the entry over the defaults, with a grid point on top."""
    fields = sweep.defaults.model_dump(exclude_none=True)
    fields |= entry.model_dump(exclude_none=True, exclude={"name"})
    name = ".".join([sweep.name, entry.name, *(f"{k}-{_label(v)}" for k, v in point.items())])
    try:
        merged = RunFields.model_validate(fields | dict(point))
    except ValidationError as exc:
        problems = "; ".join(f"{_where(e['loc'])}: {e['msg']}" for e in exc.errors())
        raise InvalidInput(f"invalid sweep run {name!r}: {problems}", run=name) from None
    return _checked(name, merged, universe)


def _checked(name: str, f: RunFields, universe: Sequence[str]) -> SweepRun:
    if not _NAME.match(name):
        raise InvalidInput(
            f"sweep run name {name!r} is longer than 64 characters: shorten the sweep or run names",
            run=name,
        )
    symbols = tuple(dict.fromkeys(f.symbols or tuple(universe)))
    if not symbols:
        raise InvalidInput(f"sweep run {name!r} has no symbols", run=name)
    limits.check_symbols(len(symbols), f"sweep run {name!r}")
    methods = f.methods or ALL_METHODS
    limits.check_span(f.start, f.end)
    try:
        check_methods(methods)
        run = SweepRun(
            name=name,
            methods=tuple(methods),
            symbols=symbols,
            rebalance=f.rebalance or "M",
            lookback=f.lookback or 756,
            cost_bps=10.0 if f.cost_bps is None else f.cost_bps,
            expected_returns=f.expected_returns,
            covariance=f.covariance or "ledoit_wolf",
            params=f.params or {},
            start=f.start,
            end=f.end,
        )
        run.config().check()
        run.spec()
    except (InvalidInput, ValueError) as exc:
        raise InvalidInput(f"sweep run {name!r}: {exc}", run=name) from None
    return run


def _label(value: Any) -> str:
    text = "+".join(map(str, value)) if isinstance(value, list | tuple) else str(value)
    return _UNSAFE.sub("_", text)


def _where(loc: Sequence[int | str]) -> str:
    return ".".join(str(part) for part in loc) or "(sweep)"


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
