"""The allocation spec: every setting of one allocation, frozen, with the one set of defaults.

`pas.allocate`, `pas allocate` and `POST /api/v1/allocations` all start from
`AllocationSpec()`; a surface only overrides what its caller gave. Data are
not settings: prices, factors, sectors, the decision date and today's
weights are passed beside the spec.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from functools import lru_cache
from types import MappingProxyType
from typing import Any

from pas.analytics.allocation.constraints import Bounds, pair
from pas.analytics.allocation.params import check_params
from pas.analytics.allocation.registry import get_scheme
from pas.analytics.estimators import COVARIANCES, EXPECTED_RETURNS
from pas.core.errors import InvalidInput
from pas.core.limits import check_finite, check_lookback

#: trading days of returns the estimators see: three years
DEFAULT_LOOKBACK = 756


@dataclass(frozen=True)
class AllocationSpec:
    """How to allocate: scheme, estimators, window, constraints and the scheme's own parameters.

    `lookback` counts daily returns (None: all history); `expected_returns`
    None means ff3 when factors are given, historical otherwise; `risk_free`
    is annual; `bounds` is a global (lo, hi) or per-symbol mapping ("*" =
    default); `sector_caps` maps a sector to a max or (min, max); `costs` is
    the linear cost per unit of weight traded; `cash` the cash allowance (max
    or (min, max)); `params` are the scheme's own (see docs/allocation.md).
    """

    method: str = "max_sharpe"
    lookback: int | None = DEFAULT_LOOKBACK
    expected_returns: str | None = None
    covariance: str = "ledoit_wolf"
    risk_free: float = 0.0
    bounds: Bounds | Mapping[str, Bounds] = (0.0, 1.0)
    sector_caps: Mapping[str, float | Bounds] | None = None
    max_turnover: float | None = None
    costs: float | Mapping[str, float] | None = None
    cash: float | Bounds | None = None
    params: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        scheme = get_scheme(self.method)
        _check_lookback(self.lookback)
        _check_name(self.expected_returns, EXPECTED_RETURNS, "expected-returns", optional=True)
        _check_name(self.covariance, COVARIANCES, "covariance")
        if not (isinstance(self.risk_free, int | float) and math.isfinite(self.risk_free)):
            raise InvalidInput(f"risk_free must be a finite number, got {self.risk_free!r}")
        if abs(self.risk_free) > 1:
            raise InvalidInput(f"risk_free is an annual decimal (0.04 = 4%), got {self.risk_free}")
        if (
            self.max_turnover is not None
            and not check_finite(self.max_turnover, "max_turnover") >= 0
        ):
            raise InvalidInput(f"max_turnover must be >= 0, got {self.max_turnover}")
        unknown = sorted(set(self.params) - scheme.params)
        if unknown:
            raise InvalidInput(
                f"{self.method} does not take {unknown}; it takes {sorted(scheme.params)}",
                params=unknown,
            )
        check_params(self.method, self.params)
        self._freeze()

    def _freeze(self) -> None:
        """Store copies of the mappings, read-only, so the spec cannot change after checks."""
        set_ = object.__setattr__
        set_(self, "risk_free", float(self.risk_free))
        set_(self, "params", MappingProxyType(dict(self.params)))
        if isinstance(self.bounds, Mapping):
            set_(
                self,
                "bounds",
                MappingProxyType(
                    {str(k): pair(v, f"bounds of {k}") for k, v in self.bounds.items()}
                ),
            )
        else:
            set_(self, "bounds", pair(self.bounds, "bounds"))
        for name in ("sector_caps", "costs"):
            value = getattr(self, name)
            if isinstance(value, Mapping):
                set_(self, name, MappingProxyType(dict(value)))
        if self.cash is not None and not isinstance(self.cash, int | float):
            set_(self, "cash", pair(self.cash, "cash"))

    @classmethod
    def of(cls, spec: AllocationSpec | None = None, **options: Any) -> AllocationSpec:
        """Return `spec` (default: the defaults) with `options` applied.

        Options named like a field set it; `max_weight=x` is `bounds=(0, x)`;
        any other is a scheme parameter.
        """
        base = spec or _default()
        options = dict(options)
        max_weight = options.pop("max_weight", None)
        if max_weight is not None:
            if "bounds" in options:
                raise InvalidInput("give bounds or max_weight, not both")
            if not 0 < check_finite(max_weight, "max_weight") <= 1:
                raise InvalidInput(f"max_weight must be in (0, 1], got {max_weight}")
            options["bounds"] = (0.0, float(max_weight))
        names = {f.name for f in fields(cls)}
        changes = {k: v for k, v in options.items() if k in names}
        extra = {k: v for k, v in options.items() if k not in names}
        if extra:
            changes["params"] = {**dict(changes.get("params", base.params)), **extra}
        return replace(base, **changes) if changes else base

    def to_dict(self) -> dict[str, Any]:
        """Return the spec as a JSON-ready dict (data frames among the params by fingerprint)."""
        from pas.analytics.allocation.summary import fingerprint

        raw = {f.name: getattr(self, f.name) for f in fields(self)}
        out: dict[str, Any] = fingerprint(raw)
        return out

    def fields_dict(self) -> dict[str, Any]:
        """Return the fields as plain Python values (mappings as dicts)."""
        return {f.name: _plain(getattr(self, f.name)) for f in fields(self)}


@lru_cache(maxsize=1)
def _default() -> AllocationSpec:
    """Return `AllocationSpec()` (built once: it is frozen)."""
    return AllocationSpec()


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _check_lookback(lookback: Any) -> None:
    if lookback is None:
        return
    if isinstance(lookback, bool) or not isinstance(lookback, int) or lookback < 2:
        raise InvalidInput(f"lookback must be an integer >= 2 days (or None), got {lookback!r}")
    check_lookback(lookback)


def _check_name(
    value: str | None, known: Mapping[str, Any], what: str, optional: bool = False
) -> None:
    if value is None and optional:
        return
    if value not in known:
        raise InvalidInput(f"unknown {what} estimator {value!r}; known: {sorted(known)}")
