"""/ws against a real uvicorn server with the real `websockets` client: auth, protocol, resume."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from pas.bootstrap import Container
from pas.service.app import create_app
from pas.workflows.keys import create_key, revoke_key
from tests.live_server import live_server

TIMEOUT = 20.0


@pytest.fixture
def served(container: Container) -> Iterator[tuple[str, Container, dict[str, str]]]:
    keys = {role: create_key(container.uow(), role)[0] for role in ("viewer", "admin")}
    with live_server(create_app(container)) as url:
        yield url.replace("http", "ws") + "/ws", container, keys


async def recv(ws: Any) -> dict[str, Any]:
    return json.loads(await asyncio.wait_for(ws.recv(), TIMEOUT))


async def closed_with(ws: Any) -> int:
    """Read until the server closes; return its close code (no event may arrive before)."""
    try:
        while True:
            message = json.loads(await asyncio.wait_for(ws.recv(), TIMEOUT))
            assert "topic" not in message, f"an event reached a refused client: {message}"
    except ConnectionClosed as exc:
        assert exc.rcvd is not None
        return exc.rcvd.code


async def login(url: str, key: str) -> Any:
    ws = await connect(url)
    await ws.send(json.dumps({"op": "auth", "token": key}))
    assert (await recv(ws))["op"] == "authenticated"
    return ws


def test_no_key_a_bad_key_and_a_revoked_key_are_refused_with_4401(served: Any) -> None:
    url, container, _ = served
    doomed, info = create_key(container.uow(), "viewer")
    revoke_key(container.uow(), info.id)

    async def scenario() -> None:
        async with connect(url) as ws:  # first message is not auth
            await ws.send(json.dumps({"op": "subscribe", "topics": ["ledger"]}))
            assert await closed_with(ws) == 4401
        for token in ("pas_not_a_key_at_all_0123456789", doomed):
            async with connect(url) as ws:
                await ws.send(json.dumps({"op": "auth", "token": token}))
                container.publish("ledger", {"secret": "must not arrive"})
                assert await closed_with(ws) == 4401
        async with connect(f"{url}?token={doomed}") as ws:
            assert await closed_with(ws) == 4401

    asyncio.run(scenario())


def test_a_viewer_may_not_read_the_logs_topic(served: Any) -> None:
    url, _, keys = served

    async def scenario() -> None:
        ws = await login(url, keys["viewer"])
        await ws.send(json.dumps({"op": "subscribe", "topics": ["ledger", "logs"]}))
        assert await closed_with(ws) == 4403
        ws = await login(url, keys["admin"])
        await ws.send(json.dumps({"op": "subscribe", "topics": ["logs"]}))
        assert (await recv(ws))["op"] == "subscribed"
        await ws.close()

    asyncio.run(scenario())


def test_subscribe_then_events_in_the_documented_shape(served: Any) -> None:
    url, container, keys = served

    async def scenario() -> None:
        async with connect(f"{url}?token={keys['viewer']}") as ws:
            assert await recv(ws) == {"op": "authenticated", "role": "viewer"}
            await ws.send(json.dumps({"op": "subscribe", "topics": ["ledger", "orders"]}))
            ack = await recv(ws)
            assert ack["op"] == "subscribed" and ack["topics"] == ["ledger", "orders"]
            assert set(ack["epoch"]) == {"ledger", "orders"}
            container.publish("ledger", {"seq": 7, "kind": "executed"})
            container.publish("metrics", {"not": "subscribed"})
            container.publish("orders", {"event": "fill"})
            first, second = await recv(ws), await recv(ws)
            assert set(first) == {"topic", "offset", "epoch", "ts", "data"}
            assert (first["topic"], first["offset"], first["data"]) == (
                "ledger",
                1,
                {"seq": 7, "kind": "executed"},
            )
            assert first["epoch"] == ack["epoch"]["ledger"] and isinstance(first["ts"], float)
            assert (second["topic"], second["offset"]) == ("orders", 1)
            await ws.send(json.dumps({"op": "unsubscribe", "topics": ["ledger"]}))
            assert (await recv(ws))["op"] == "unsubscribed"
            container.publish("ledger", {"seq": 8})
            container.publish("orders", {"event": "status"})
            assert (await recv(ws))["topic"] == "orders"  # nothing more on ledger
            await ws.send(json.dumps({"op": "subscribe", "topics": ["nope"]}))
            error = await recv(ws)
            assert error["op"] == "error" and "unknown topic" in error["message"]
            await ws.send("not json")
            assert (await recv(ws))["op"] == "error"
            await ws.send(json.dumps({"op": "ping"}))
            assert await recv(ws) == {"op": "pong"}

    asyncio.run(scenario())


def test_resume_with_since_receives_exactly_the_missed_events(served: Any) -> None:
    url, container, keys = served

    async def scenario() -> None:
        ws = await login(url, keys["viewer"])
        await ws.send(json.dumps({"op": "subscribe", "topics": ["jobs"]}))
        epoch = (await recv(ws))["epoch"]["jobs"]
        for i in range(3):
            container.publish("jobs", {"i": i})
        got = [await recv(ws) for _ in range(3)]
        assert [m["offset"] for m in got] == [1, 2, 3]
        await ws.close()
        for i in range(3, 6):  # missed while away
            container.publish("jobs", {"i": i})
        ws = await login(url, keys["viewer"])
        since = {
            "op": "subscribe",
            "topics": ["jobs"],
            "since": {"jobs": 3},
            "epoch": {"jobs": epoch},
        }
        await ws.send(json.dumps(since))
        assert (await recv(ws))["epoch"] == {"jobs": epoch}
        container.publish("jobs", {"i": 6})
        resumed = [await recv(ws) for _ in range(4)]
        assert [(m["offset"], m["data"]["i"]) for m in resumed] == [(4, 3), (5, 4), (6, 5), (7, 6)]
        await ws.close()
        # another epoch (history lost) and an offset the history no longer reaches: reset
        for stale in (
            {"since": {"jobs": 3}, "epoch": {"jobs": "0000"}},
            {"since": {"jobs": 99}, "epoch": {"jobs": epoch}},
        ):
            ws = await login(url, keys["viewer"])
            await ws.send(json.dumps({"op": "subscribe", "topics": ["jobs"], **stale}))
            assert (await recv(ws))["op"] == "subscribed"
            assert await recv(ws) == {"op": "reset", "topic": "jobs", "epoch": epoch}
            container.publish("jobs", {"i": "live"})
            assert (await recv(ws))["data"] == {"i": "live"}
            await ws.close()

    asyncio.run(scenario())


def _resume_after(
    container: Container, topic: str, missed: int, since: int
) -> list[dict[str, Any]]:
    """Subscribe, leave, miss `missed` events, resume from `since`, publish one live event;
    return the messages after the ack."""
    key = create_key(container.uow(), "viewer")[0]
    with live_server(create_app(container)) as url:
        ws_url = url.replace("http", "ws") + "/ws"

        async def scenario() -> list[dict[str, Any]]:
            ws = await login(ws_url, key)
            await ws.send(json.dumps({"op": "subscribe", "topics": [topic]}))
            epoch = (await recv(ws))["epoch"][topic]
            await ws.close()
            for i in range(missed):
                container.publish(topic, {"i": i})
            ws = await login(ws_url, key)
            message = {
                "op": "subscribe",
                "topics": [topic],
                "since": {topic: since},
                "epoch": {topic: epoch},
            }
            await ws.send(json.dumps(message))
            await recv(ws)
            first = await recv(ws)
            container.publish(topic, {"i": "live"})
            got = [first, await recv(ws)]
            await ws.close()
            return [{**m, "expected_epoch": epoch} for m in got]

        return asyncio.run(scenario())


def test_history_that_no_longer_reaches_back_means_reset(container: Container) -> None:
    container.settings.realtime.history_size = 10
    reset, live = _resume_after(container, "metrics", 30, since=5)
    assert reset == {
        "op": "reset",
        "topic": "metrics",
        "epoch": reset["expected_epoch"],
        "expected_epoch": reset["expected_epoch"],
    }
    assert live["offset"] == 31


def test_a_catch_up_bigger_than_the_client_queue_is_a_reset(container: Container) -> None:
    container.settings.realtime.client_queue = 16
    reset, live = _resume_after(container, "orders", 40, since=0)
    assert (reset["op"], reset["topic"], reset["epoch"]) == (
        "reset",
        "orders",
        reset["expected_epoch"],
    )
    assert live["offset"] == 41


def test_an_unreachable_hub_is_an_error_then_1011(sqlite_url: str, tmp_path: Path) -> None:
    from tests.conftest import make_settings

    settings = make_settings(
        sqlite_url, tmp_path, redis={"url": "redis://127.0.0.1:1/0"}, auth={"enabled": False}
    )
    c = Container(settings)
    c.init_schema()
    with live_server(create_app(c)) as url:

        async def scenario() -> None:
            async with connect(url.replace("http", "ws") + "/ws") as ws:
                assert (await recv(ws))["op"] == "authenticated"
                await ws.send(json.dumps({"op": "subscribe", "topics": ["jobs"]}))
                error = await recv(ws)
                assert (error["op"], error["code"]) == ("error", "unavailable")
                assert await closed_with(ws) == 1011

        asyncio.run(scenario())
