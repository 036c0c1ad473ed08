"""The one registry: scheme name -> scheme. Adding a scheme = one module + one line here."""

from __future__ import annotations

from pas.analytics.allocation.base import Scheme
from pas.analytics.allocation.dynamic import Dynamic
from pas.analytics.allocation.equal_weight import EqualWeight
from pas.analytics.allocation.hrp import HierarchicalRiskParity
from pas.analytics.allocation.inverse_volatility import InverseVolatility
from pas.analytics.allocation.max_sharpe import MaxSharpe
from pas.analytics.allocation.min_variance import MinVariance
from pas.analytics.allocation.risk_parity import RiskParity
from pas.analytics.allocation.strategic import Strategic
from pas.analytics.allocation.tactical import Tactical
from pas.core.errors import InvalidInput

SCHEMES: dict[str, Scheme] = {
    "max_sharpe": MaxSharpe(),
    "min_variance": MinVariance(),
    "risk_parity": RiskParity(),
    "strategic": Strategic(),
    "tactical": Tactical(),
    "dynamic": Dynamic(),
    "equal_weight": EqualWeight(),
    "inverse_volatility": InverseVolatility(),
    "hrp": HierarchicalRiskParity(),
}


def get_scheme(name: str) -> Scheme:
    """Return the scheme registered as `name`; InvalidInput lists the known names."""
    try:
        return SCHEMES[name]
    except KeyError:
        raise InvalidInput(
            f"unknown allocation method {name!r}; known: {sorted(SCHEMES)}"
        ) from None
