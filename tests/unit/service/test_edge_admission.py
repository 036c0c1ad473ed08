"""Load shedding: past `server.max_in_flight` requests in progress, 503 `overloaded` at once."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from pas.realtime.telemetry import HTTP_SHED
from pas.service.middleware.admission import Admission
from tests.unit.service.edge_app import edge_app


def _held_app(release: asyncio.Event, entered: list[str]) -> Starlette:
    """An app whose /work requests wait for `release`; /health answers at once."""

    async def work(request: Request) -> PlainTextResponse:
        entered.append(request.url.path)
        await release.wait()
        return PlainTextResponse("done")

    async def health(_: Request) -> PlainTextResponse:
        return PlainTextResponse("ok")

    return Starlette(routes=[Route("/work", work), Route("/health", health)])


def _client(app: Admission) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://pas")


async def _until(entered: list[str], count: int) -> None:
    while len(entered) < count:
        await asyncio.sleep(0)


def test_past_the_limit_a_request_is_refused_at_once_and_the_next_one_after_is_served() -> None:
    async def scenario() -> None:
        release, entered = asyncio.Event(), []
        admission = Admission(_held_app(release, entered), limit=2)
        shed_before = HTTP_SHED._value.get()
        async with _client(admission) as client:
            held = [asyncio.create_task(client.get("/work")) for _ in range(2)]
            await _until(entered, 2)
            refused = await client.get("/work")
            assert refused.status_code == 503
            assert refused.headers["retry-after"] == "1"
            assert refused.json() == {
                "error": {
                    "code": "overloaded",
                    "message": "the server has 2 requests in progress, its limit: retry shortly",
                    "details": {"max_in_flight": 2},
                }
            }
            assert len(entered) == 2  # the refused one never reached the app
            assert (await client.get("/health")).status_code == 200  # probes are not counted
            release.set()
            assert [(await task).status_code for task in held] == [200, 200]
            assert admission.in_flight == 0
            assert (await client.get("/work")).status_code == 200
        assert HTTP_SHED._value.get() == shed_before + 1

    asyncio.run(scenario())


def test_a_request_that_fails_gives_its_place_back() -> None:
    async def broken(_: Request) -> PlainTextResponse:
        raise RuntimeError("boom")

    async def scenario() -> None:
        admission = Admission(Starlette(routes=[Route("/work", broken)]), limit=1)
        transport = httpx.ASGITransport(app=admission, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://pas") as client:
            assert [(await client.get("/work")).status_code for _ in range(3)] == [500] * 3
        assert admission.in_flight == 0

    asyncio.run(scenario())


def test_limit_zero_admits_everything() -> None:
    async def scenario() -> None:
        release, entered = asyncio.Event(), []
        admission = Admission(_held_app(release, entered), limit=0)
        async with _client(admission) as client:
            held = [asyncio.create_task(client.get("/work")) for _ in range(50)]
            await _until(entered, 50)
            release.set()
            assert {(await task).status_code for task in held} == {200}

    asyncio.run(scenario())


def test_the_app_sheds_at_its_configured_limit(tmp_path: Path) -> None:
    app, _ = edge_app(tmp_path, server={"max_in_flight": 3})
    [admission] = [m for m in app.user_middleware if m.cls is Admission]
    assert admission.kwargs == {"limit": 3}
