"""A scheme's own parameters, checked against the one schema it declares: its `solve` signature.

Each scheme lists the names it takes (`Scheme.params`) and types them in
`solve`; a value of the wrong type ("abc" for an integer, NaN for a float, a
string for a mapping) is refused here with InvalidInput when a spec is made,
never found by the solver at the first rebalance.
"""

from __future__ import annotations

import typing
from collections.abc import Mapping
from functools import cache
from typing import Any

from pydantic import ConfigDict, TypeAdapter, ValidationError

from pas.analytics.allocation.registry import get_scheme
from pas.core.errors import InvalidInput

# strict: no "5" for 5 or "yes" for True; finite numbers only; frames pass as themselves
_CONFIG = ConfigDict(strict=True, allow_inf_nan=False, arbitrary_types_allowed=True)


@cache
def _adapters(method: str) -> dict[str, TypeAdapter[Any]]:
    """Return parameter name -> validator, from the type hints of the scheme's `solve`."""
    scheme = get_scheme(method)
    hints = typing.get_type_hints(type(scheme).solve)
    return {name: TypeAdapter(hints.get(name, Any), config=_CONFIG) for name in scheme.params}


def check_params(method: str, params: Mapping[str, Any]) -> None:
    """Raise InvalidInput naming each parameter whose value `method`'s `solve` does not accept."""
    adapters = _adapters(method)
    problems: dict[str, str] = {}
    for name, value in params.items():
        adapter = adapters.get(name)
        if adapter is None:
            continue  # unknown names are refused by the spec with the list of known ones
        try:
            adapter.validate_python(value)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first.get("loc", ()))
            problems[name] = f"{first['msg']}{f' (at {where})' if where else ''}"
    if problems:
        listed = "; ".join(f"{k}: {v}" for k, v in sorted(problems.items()))
        raise InvalidInput(f"bad {method} parameters: {listed}", params=problems)
