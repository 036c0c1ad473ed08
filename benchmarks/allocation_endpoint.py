"""POST /api/v1/allocations on the demo database: p50/p95 beside /health (TestClient, warm).

    PYTHONPATH=src python benchmarks/allocation_endpoint.py [--database URL] [--requests 30]

Loads the demo prices and factors into a fresh database (SQLite in a
temporary directory unless `--database` names an empty one), then times the
default allocation over every stored symbol with a sector (20 stocks).
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
import warnings
from collections.abc import Callable


def percentiles(call: Callable[[], object], n: int) -> tuple[float, float]:
    """Return (p50, p95) in milliseconds of `n` calls."""
    times = []
    for _ in range(n):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    times.sort()
    return times[len(times) // 2] * 1e3, times[int(len(times) * 0.95)] * 1e3


def main() -> None:
    """Load the demo data, then time the route and /health."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database", default=None)
    parser.add_argument("--requests", type=int, default=30)
    args = parser.parse_args()
    folder = tempfile.mkdtemp()
    os.environ["PAS_DATABASE__URL"] = args.database or f"sqlite:///{folder}/pas.db"
    os.environ["PAS_AUTH__ENABLED"] = "false"
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

    from pas.bootstrap import Container
    from pas.config import load_settings
    from pas.data.demo import demo_factors, demo_prices
    from pas.service.app import create_app
    from pas.workflows.data import import_factors, import_prices

    container = Container(load_settings())
    container.init_schema()
    import_prices(container.uow(), demo_prices())
    for batch in demo_factors():
        import_factors(container.uow(), batch)
    client = TestClient(create_app(container))
    for _ in range(2):
        client.post("/api/v1/allocations", json={})
    post = percentiles(lambda: client.post("/api/v1/allocations", json={}), args.requests)
    health = percentiles(lambda: client.get("/health"), args.requests)
    print(
        f"POST /api/v1/allocations (20 demo stocks): p50 {post[0]:.1f} ms, p95 {post[1]:.1f} ms; "
        f"/health p50 {health[0]:.1f} ms"
    )


if __name__ == "__main__":
    main()
