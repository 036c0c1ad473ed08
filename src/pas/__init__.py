"""PAS, the Portfolio Allocation System: the public Python API.

Names are imported lazily so `import pas` stays cheap and builds nothing.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__version__ = "0.1.0"

#: public name -> module that defines it
_PUBLIC: dict[str, str] = {
    "Settings": "pas.config",
    "load_settings": "pas.config",
    "DataError": "pas.core.errors",
    "OptimizationError": "pas.core.errors",
    "LedgerError": "pas.core.errors",
    "InsufficientFreeFloat": "pas.core.errors",
    "InsufficientPosition": "pas.core.errors",
    "Sleeve": "pas.core.ledger",
    "Reservation": "pas.core.ledger",
    "LedgerEvent": "pas.core.ledger",
    "read_prices_csv": "pas.data.csv_prices",
    "read_ken_french": "pas.data.ken_french",
    "demo_prices": "pas.data.demo",
    "demo_factors": "pas.data.demo",
    "simple_returns": "pas.analytics.returns",
    "excess_returns": "pas.analytics.returns",
    "align": "pas.analytics.returns",
    "Aligned": "pas.analytics.returns",
    "factor_model": "pas.analytics.factors",
    "FactorModelResult": "pas.analytics.factors",
    "rolling_betas": "pas.analytics.factors",
    "factor_premia": "pas.analytics.factors",
    "estimate_return_model": "pas.analytics.estimators",
    "ReturnModel": "pas.analytics.estimators",
    "portfolio_betas": "pas.analytics.portfolio",
    "portfolio_regression": "pas.analytics.portfolio",
    "attribution": "pas.analytics.portfolio",
    "Attribution": "pas.analytics.portfolio",
    "allocate": "pas.analytics.allocation.api",
    "Allocation": "pas.analytics.allocation.result",
    "AllocationSpec": "pas.analytics.allocation.spec",
    "evaluate": "pas.analytics.comparison",
    "Evaluation": "pas.analytics.comparison",
    "sweep": "pas.workflows.sweep",
    "open_executor": "pas.bootstrap",
    "plan_rebalance": "pas.analytics.rebalance",
    "Book": "pas.analytics.rebalance",
    "OrderSettings": "pas.analytics.rebalance",
    "Plan": "pas.analytics.rebalance",
    "BrokerError": "pas.core.errors",
}

__all__ = ["__version__", *_PUBLIC]


def __getattr__(name: str) -> Any:
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module 'pas' has no attribute {name!r}")
    return getattr(import_module(module), name)
