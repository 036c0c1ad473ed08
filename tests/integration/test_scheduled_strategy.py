"""`pas serve` without Redis runs the updater: a strategy scheduled every minute rebalances on
the paper broker without anyone asking, and its orders arrive on the `orders` topic."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest

from tests.integration.processes import pas_env, serve
from tests.integration.test_realtime_cluster import UNIVERSE, prepare, subscribe, until

pytestmark = pytest.mark.slow


def test_a_strategy_scheduled_every_minute_trades_by_itself(tmp_path: Path) -> None:
    env = pas_env(tmp_path, database__url=f"sqlite:///{tmp_path / 'pas.db'}")
    key = prepare(env, tmp_path)
    with serve(env, tmp_path, tmp_path / "serve.log") as url:
        headers = {"Authorization": f"Bearer {key}"}

        async def scenario() -> None:
            ws = await subscribe(url, key, ["orders", "jobs"])
            spec = {
                "name": "every-minute", "universe": UNIVERSE, "scheme": "risk_parity",
                "schedule": "* * * * *", "cash": "250000", "order": {"min_trade_value": "100"},
            }  # fmt: skip
            async with httpx.AsyncClient(base_url=url, headers=headers, timeout=60) as http:
                created = await http.post("/api/v1/strategies", json=spec)
                assert created.status_code == 201, created.text
                strategy = created.json()["id"]
                # nobody asks for a rebalance: within about a minute the schedule places orders
                fill = await until(
                    ws, lambda m: m["topic"] == "orders" and m["data"]["event"] == "fill", 200
                )
                assert fill["data"]["order"]["strategy_id"] == strategy
                job = await until(
                    ws,
                    lambda m: (
                        m["topic"] == "jobs"
                        and m["data"]["job"] == "strategies"
                        and m["data"]["status"] == "done"
                    ),
                    200,
                )
                fired = job["data"]["result"]["fired"]
                assert fired and fired[0]["strategy"] == "every-minute" and fired[0]["orders"] >= 3
                orders = (await http.get("/api/v1/orders", params={"strategy": strategy})).json()
                assert len(orders) >= 3 and {o["strategy_id"] for o in orders} == {strategy}
                listed = (await http.get("/api/v1/jobs")).json()
                last = {j["name"]: j for j in listed["jobs"]}["strategies"]["last_run"]
                assert last is not None and last["status"] in ("done", "running")
            await ws.close()

        asyncio.run(scenario())
    assert "Traceback" not in (tmp_path / "serve.log").read_text()
