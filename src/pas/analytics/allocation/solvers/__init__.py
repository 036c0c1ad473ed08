"""The solver package: one function per problem class (problems.py) over two solvers.

`boxqp` is the exact active-set solver for box-constrained QPs with one
equality (the long-only common case); `clarabel` the general conic solver
with exact polishing; `newton` the risk-budgeting iteration. Schemes call
the problem functions only. docs/allocation.md says why each solver exists.
"""

from pas.analytics.allocation.solvers.newton import risk_contributions
from pas.analytics.allocation.solvers.problems import (
    NO_EXCESS,
    Solution,
    max_sharpe,
    max_sharpe_conic,
    min_variance,
    min_variance_conic,
    nearest,
    risk_budget,
    risk_budget_conic,
)

__all__ = [
    "NO_EXCESS",
    "Solution",
    "max_sharpe",
    "max_sharpe_conic",
    "min_variance",
    "min_variance_conic",
    "nearest",
    "risk_budget",
    "risk_budget_conic",
    "risk_contributions",
]
