"""The one registry: scheme name -> scheme. Adding a scheme = one module + one line here.

Every list of schemes is derived from it by the schemes' own flags (see
`base.Scheme`): no other module keeps a list of names.
"""

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

#: the scheme every evaluation includes as the benchmark of tracking error and information ratio
BENCHMARK = "equal_weight"


def get_scheme(name: str) -> Scheme:
    """Return the scheme registered as `name`; InvalidInput lists the known names."""
    try:
        return SCHEMES[name]
    except KeyError:
        raise InvalidInput(
            f"unknown allocation method {name!r}; known: {sorted(SCHEMES)}"
        ) from None


def all_schemes() -> tuple[str, ...]:
    """Return every scheme: the seed schemes first, then the benchmarks (registry order)."""
    return (*seed_schemes(), *benchmarks())


def seed_schemes() -> tuple[str, ...]:
    """Return the schemes offered as strategies (one demo strategy each), in registry order."""
    return tuple(n for n, s in SCHEMES.items() if not s.benchmark)


def benchmarks() -> tuple[str, ...]:
    """Return the benchmark schemes, in registry order."""
    return tuple(n for n, s in SCHEMES.items() if s.benchmark)


def blenders() -> tuple[str, ...]:
    """Return the schemes that read the others' return histories (walked after them)."""
    return tuple(n for n, s in SCHEMES.items() if s.blends)


def components_of() -> tuple[str, ...]:
    """Return the schemes a blender combines by default: risk-based schemes that do not blend."""
    return tuple(n for n, s in SCHEMES.items() if s.risk_based and not s.blends)
