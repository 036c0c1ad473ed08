"""Two `pas serve` processes on one Redis: what happens through one reaches clients of the other."""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Iterator, Mapping
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import connect

from tests.integration.processes import pas_env, run_pas, serve

UNIVERSE = ["AAPL", "JPM", "XOM", "PG"]


def admin_key(env: Mapping[str, str], tmp_path: Path) -> str:
    """Create the schema and an admin key in the environment's database; return the key."""
    from pas.bootstrap import Container
    from pas.config import load_settings
    from pas.workflows.keys import create_key

    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)
    try:
        settings = load_settings()
    finally:
        os.environ.clear()
        os.environ.update(saved)
    c = Container(settings)
    c.init_schema()
    key = create_key(c.uow(), "admin")[0]
    c.close()
    return key


def prepare(env: dict[str, str], tmp_path: Path) -> str:
    """Create the schema, load the demo data; return an admin key."""
    key = admin_key(env, tmp_path)
    run_pas(env, tmp_path, "data", "load-demo", "--json")
    return key


async def subscribe(base: str, key: str, topics: list[str]) -> Any:
    ws = await connect(base.replace("http", "ws") + "/ws")
    await ws.send(json.dumps({"op": "auth", "token": key}))
    await ws.send(json.dumps({"op": "subscribe", "topics": topics}))
    while json.loads(await asyncio.wait_for(ws.recv(), 60))["op"] != "subscribed":
        pass
    return ws


async def until(ws: Any, match: Any, timeout: float = 120) -> dict[str, Any]:
    """Return the first event for which `match(message)` holds."""

    async def read() -> dict[str, Any]:
        while True:
            message = json.loads(await ws.recv())
            if "topic" in message and match(message):
                return message

    return await asyncio.wait_for(read(), timeout)


@pytest.fixture
def cluster(
    tmp_path: Path, redis_url: str, redis_prefix: str
) -> Iterator[tuple[str, str, str, dict[str, str]]]:
    env = pas_env(
        tmp_path,
        database__url=f"sqlite:///{tmp_path / 'pas.db'}",
        redis__url=redis_url,
        redis__prefix=redis_prefix,
    )
    key = prepare(env, tmp_path)
    with ExitStack() as stack:
        a = stack.enter_context(serve(env, tmp_path, tmp_path / "a.log"))
        b = stack.enter_context(serve(env, tmp_path, tmp_path / "b.log"))
        yield a, b, key, env


@pytest.mark.redis
@pytest.mark.slow
def test_events_caused_through_one_server_reach_clients_of_the_other(
    cluster: Any, tmp_path: Path
) -> None:
    a, b, key, env = cluster
    headers = {"Authorization": f"Bearer {key}"}

    async def scenario() -> None:
        on_b = await subscribe(b, key, ["ledger", "orders", "jobs"])
        on_a = await subscribe(a, key, ["jobs"])
        async with httpx.AsyncClient(base_url=a, headers=headers, timeout=120) as http:
            created = await http.post(
                "/api/v1/strategies",
                json={
                    "name": "cluster",
                    "universe": UNIVERSE,
                    "scheme": "min_variance",
                    "cash": "100000",
                    "order": {"min_trade_value": "100"},
                },
            )
            assert created.status_code == 201, created.text
            event = await until(on_b, lambda m: m["topic"] == "ledger")
            assert (
                event["data"]["kind"] == "sleeve_created"
                and event["data"]["data"]["name"] == "cluster"
            )
            assert isinstance(event["data"]["seq"], int)
            done = await http.post(f"/api/v1/strategies/{created.json()['id']}/rebalance")
            assert done.status_code == 200, done.text
        fill = await until(on_b, lambda m: m["topic"] == "orders" and m["data"]["event"] == "fill")
        assert fill["data"]["order"]["symbol"] in UNIVERSE
        # the updater (another process) publishes: both servers' clients see it
        await asyncio.to_thread(run_pas, env, tmp_path, "updater", "--once", "stale_data")
        for ws in (on_a, on_b):
            job = await until(ws, lambda m: m["topic"] == "jobs" and m["data"]["status"] == "done")
            assert job["data"]["job"] == "stale_data"
            await ws.close()

    asyncio.run(scenario())
