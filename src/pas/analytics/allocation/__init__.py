"""Allocation schemes, one module each, behind one registry (`registry.SCHEMES`).

`allocate` (in `api`) is the entry point; `Allocation` the frozen result.
"""

from pas.analytics.allocation.api import allocate
from pas.analytics.allocation.registry import SCHEMES, get_scheme
from pas.analytics.allocation.result import CASH, Allocation, SolverInfo

__all__ = ["CASH", "SCHEMES", "Allocation", "SolverInfo", "allocate", "get_scheme"]
