"""Allocation schemes, one module each, behind one registry (`registry.SCHEMES`).

`allocate` (in `api`) is the entry point, `AllocationSpec` its settings and
`Allocation` the frozen result.
"""

from pas.analytics.allocation.api import allocate
from pas.analytics.allocation.registry import SCHEMES, get_scheme
from pas.analytics.allocation.result import CASH, Allocation, SolverInfo
from pas.analytics.allocation.spec import DEFAULT_LOOKBACK, AllocationSpec

__all__ = [
    "CASH",
    "DEFAULT_LOOKBACK",
    "SCHEMES",
    "Allocation",
    "AllocationSpec",
    "SolverInfo",
    "allocate",
    "get_scheme",
]
