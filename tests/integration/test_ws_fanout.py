"""`pas serve` on Redis: 50 clients, one stops reading and is closed with 4408 while the
other 49 receive every event in order; resume after a reconnect; reset after Redis loses it."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from websockets.asyncio.client import connect

from pas.realtime.redis_hub import RedisHub
from tests.integration.processes import pas_env, serve
from tests.integration.test_realtime_cluster import admin_key
from tests.stalled_client import StalledClient

pytestmark = [pytest.mark.redis, pytest.mark.slow]

EVENTS = 1200
PAD = "x" * 8000  # 8 KB per event: loopback buffers absorb megabytes before a sender blocks


@pytest.fixture
def server(
    tmp_path: Path, redis_url: str, redis_prefix: str
) -> Iterator[tuple[str, str, RedisHub, Any]]:
    env = pas_env(
        tmp_path,
        database__url=f"sqlite:///{tmp_path / 'pas.db'}",
        redis__url=redis_url,
        redis__prefix=redis_prefix,
        realtime__client_queue="256",
        realtime__history_size="100",
    )
    key = admin_key(env, tmp_path)
    client = redis.Redis.from_url(redis_url, socket_timeout=10)
    hub = RedisHub(client, redis_prefix, 100)  # publishes as the updater or another worker would
    with serve(env, tmp_path, tmp_path / "serve.log") as url:
        yield url.replace("http", "ws") + "/ws", key, hub, client
    hub.close()
    client.close()


async def _open(url: str, key: str, topics: list[str], **kw: Any) -> Any:
    ws = await connect(url, **kw)
    await ws.send(json.dumps({"op": "auth", "token": key}))
    await ws.send(json.dumps({"op": "subscribe", "topics": topics}))
    while (json.loads(await asyncio.wait_for(ws.recv(), 60)))["op"] != "subscribed":
        pass
    return ws


async def _drain(ws: Any, count: int) -> list[dict[str, Any]]:
    got: list[dict[str, Any]] = []
    while len(got) < count:
        message = json.loads(await asyncio.wait_for(ws.recv(), 120))
        if "topic" in message:
            got.append(message)
    return got


def test_a_client_that_stops_reading_is_dropped_and_the_others_get_everything(server: Any) -> None:
    url, key, hub, _ = server

    async def scenario() -> None:
        fast = [await _open(url, key, ["metrics"]) for _ in range(49)]
        slow = StalledClient(url)  # never reads until told to
        slow.send({"op": "auth", "token": key})
        slow.send({"op": "subscribe", "topics": ["metrics"]})
        slow.read_until("subscribed")  # then it stops reading
        readers = [asyncio.create_task(_drain(ws, EVENTS)) for ws in fast]
        for i in range(EVENTS):
            hub.publish("metrics", {"i": i, "pad": PAD})
            if i % 10 == 9:
                await asyncio.sleep(
                    0.05
                )  # about 200 events/s: the server keeps up, the readers read
        received = await asyncio.gather(*readers)
        for got in received:
            assert [m["data"]["i"] for m in got] == list(range(EVENTS))
            first = got[0]["offset"]
            assert [m["offset"] for m in got] == list(range(first, first + EVENTS))
        # the stalled one now reads: what was buffered, then the 4408 close (never every event)
        code = await asyncio.to_thread(slow.read_until_closed)
        events = [m for m in slow.messages if "topic" in m]
        assert code == 4408
        assert 0 < len(events) < EVENTS
        assert [m["data"]["i"] for m in events] == list(
            range(len(events))
        )  # in order up to the drop
        for ws in fast:
            await ws.close()

    asyncio.run(scenario())


def test_resume_after_a_reconnect_and_reset_after_redis_loses_the_stream(
    server: Any, redis_prefix: str
) -> None:
    url, key, hub, client = server

    async def scenario() -> None:
        ws = await connect(url)
        await ws.send(json.dumps({"op": "auth", "token": key}))
        await ws.send(json.dumps({"op": "subscribe", "topics": ["ledger"]}))
        ack = json.loads(await ws.recv())
        while ack["op"] != "subscribed":
            ack = json.loads(await ws.recv())
        epoch = ack["epoch"]["ledger"]
        hub.publish("ledger", {"seq": 1})
        (first,) = await _drain(ws, 1)
        await ws.close()
        for seq in (2, 3, 4):
            hub.publish("ledger", {"seq": seq})
        hub.flush()
        ws = await connect(url)
        await ws.send(json.dumps({"op": "auth", "token": key}))
        resume = {
            "op": "subscribe",
            "topics": ["ledger"],
            "since": {"ledger": first["offset"]},
            "epoch": {"ledger": epoch},
        }
        await ws.send(json.dumps(resume))
        missed = await _drain(ws, 3)
        assert [m["data"]["seq"] for m in missed] == [2, 3, 4]
        assert [m["offset"] for m in missed] == [
            first["offset"] + 1,
            first["offset"] + 2,
            first["offset"] + 3,
        ]
        await ws.close()
        for name in client.scan_iter(f"{redis_prefix}:rt:ledger*"):
            client.delete(name)  # Redis lost the stream
        ws = await connect(url)
        await ws.send(json.dumps({"op": "auth", "token": key}))
        resume["since"] = {"ledger": missed[-1]["offset"]}
        await ws.send(json.dumps(resume))
        messages = [json.loads(await asyncio.wait_for(ws.recv(), 60)) for _ in range(3)]
        assert messages[-1]["op"] == "reset" and messages[-1]["topic"] == "ledger"
        assert messages[-1]["epoch"] != epoch
        await ws.close()

    asyncio.run(scenario())
