"""Today's demo allocation per scheme, pinned (regenerate only with golden/regenerate.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pas.analytics.allocation import SCHEMES
from tests.unit.analytics.allocation.golden.regenerate import golden, record

HERE = Path(__file__).parent / "golden"


@pytest.mark.parametrize("method", sorted(SCHEMES))
def test_demo_allocation_is_pinned(method: str) -> None:
    path = HERE / f"{method}.json"
    assert path.exists(), f"missing {path}: run the regenerate script on purpose"
    want = json.loads(path.read_text())
    got = record(golden(method))
    assert got["method"] == want["method"] == method
    assert got["as_of"] == want["as_of"] and got["estimators"] == want["estimators"]
    assert got["weights"].keys() == want["weights"].keys()
    for sym, w in want["weights"].items():
        assert got["weights"][sym] == pytest.approx(w, abs=1e-8), sym
    for key in ("expected_return", "volatility", "sharpe"):
        assert got[key] == pytest.approx(want[key], rel=1e-7)
    assert got["fallback"] == want["fallback"] and got["inputs_hash"] == want["inputs_hash"]


@pytest.mark.parametrize("method", sorted(SCHEMES))
def test_every_scheme_is_valid_on_the_demo(method: str) -> None:
    a = golden(method)
    assert a.method == method and a.fallback is None
    assert abs(a.weights.sum() - 1.0) < 1e-12 and (a.weights >= -1e-12).all()
    assert len(a.weights.drop("CASH", errors="ignore")) == 20
    assert a.volatility > 0 and a.factor_betas is not None and a.sector_weights is not None
