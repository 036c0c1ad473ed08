"""Failed authentication per client address: 429 with Retry-After, without a key lookup."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

import pas.workflows.keys as keys_module
from pas.service.middleware.addresses import ClientAddress
from pas.service.middleware.throttle import FailureWindows
from pas.workflows.keys import create_key
from tests.unit.service.conftest import auth
from tests.unit.service.edge_app import edge_app, edge_client

LIMITS = {"max_failures": 5, "failure_window_seconds": 10.0}


@pytest.fixture
def lookups(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Return the key hashes looked up in the database, in order."""
    seen: list[str] = []
    real = keys_module._lookup

    def counting(uow, key_hash):  # type: ignore[no-untyped-def]
        seen.append(key_hash)
        return real(uow, key_hash)

    monkeypatch.setattr(keys_module, "_lookup", counting)
    return seen


def test_beyond_the_limit_an_address_gets_429_without_a_lookup(
    tmp_path: Path, lookups: list[str]
) -> None:
    app, _ = edge_app(tmp_path, auth=LIMITS)
    client = edge_client(app, "203.0.113.7")
    for i in range(5):
        assert client.get("/api/v1/keys", headers=auth(f"pas_wrong{i}")).status_code == 401
    assert len(lookups) == 5
    for i in range(50):
        answer = client.get("/api/v1/keys", headers=auth(f"pas_guess{i}"))
        assert answer.status_code == 429
    assert len(lookups) == 5  # the 50 guesses cost nothing
    body = answer.json()["error"]
    assert body["code"] == "too_many_failures"
    assert 1 <= int(answer.headers["retry-after"]) <= 10
    assert body["details"] == {"retry_after_s": int(answer.headers["retry-after"])}


def test_other_addresses_and_health_probes_are_not_throttled(tmp_path: Path) -> None:
    app, _ = edge_app(tmp_path, auth=LIMITS)
    attacker, neighbour = edge_client(app, "203.0.113.7"), edge_client(app, "203.0.113.8")
    for i in range(6):
        attacker.get("/api/v1/keys", headers=auth(f"pas_wrong{i}"))
    assert attacker.get("/api/v1/keys").status_code == 429
    assert attacker.get("/health").status_code == 200
    assert neighbour.get("/api/v1/keys").status_code == 401


def test_a_key_that_authenticated_passes_while_its_address_is_throttled(tmp_path: Path) -> None:
    app, container = edge_app(tmp_path, auth=LIMITS)
    key, _ = create_key(container.uow(), "admin")
    client = edge_client(app, "203.0.113.7")
    assert client.get("/api/v1/keys", headers=auth(key)).status_code == 200
    for i in range(20):
        client.get("/api/v1/keys", headers=auth(f"pas_wrong{i}"))
    assert client.get("/api/v1/keys", headers=auth("pas_wrong")).status_code == 429
    assert client.get("/api/v1/keys", headers=auth(key)).status_code == 200
    assert client.get("/api/v1/keys", headers={"X-API-Key": key}).status_code == 200


def test_a_revoked_key_loses_its_pass(tmp_path: Path) -> None:
    app, container = edge_app(tmp_path, auth=LIMITS)
    admin, _ = create_key(container.uow(), "admin")
    doomed, info = create_key(container.uow(), "viewer")
    client = edge_client(app, "203.0.113.7")
    assert client.get("/api/v1/securities", headers=auth(doomed)).status_code == 200
    for i in range(5):
        client.get("/api/v1/keys", headers=auth(f"pas_wrong{i}"))
    assert edge_client(app).delete(f"/api/v1/keys/{info.id}", headers=auth(admin)).is_success
    assert client.get("/api/v1/securities", headers=auth(doomed)).status_code == 401
    assert client.get("/api/v1/securities", headers=auth(doomed)).status_code == 429


def test_the_window_slides(tmp_path: Path) -> None:
    app, _ = edge_app(tmp_path, auth={"max_failures": 3, "failure_window_seconds": 0.5})
    client = edge_client(app, "203.0.113.7")
    for i in range(3):
        client.get("/api/v1/keys", headers=auth(f"pas_wrong{i}"))
    assert client.get("/api/v1/keys").status_code == 429
    time.sleep(0.6)
    assert client.get("/api/v1/keys").status_code == 401


def test_forwarded_for_is_ignored_unless_the_peer_is_a_trusted_proxy(tmp_path: Path) -> None:
    app, _ = edge_app(tmp_path, auth=LIMITS)
    client = edge_client(app, "203.0.113.7")
    for i in range(5):  # a different forged X-Forwarded-For each time: still one address
        forged = {**auth(f"pas_wrong{i}"), "X-Forwarded-For": f"198.51.100.{i}"}
        assert client.get("/api/v1/keys", headers=forged).status_code == 401
    assert client.get("/api/v1/keys", headers={"X-Forwarded-For": "1.2.3.4"}).status_code == 429


def test_behind_a_trusted_proxy_each_forwarded_client_is_counted_apart(tmp_path: Path) -> None:
    app, _ = edge_app(tmp_path, auth=LIMITS, server={"trusted_proxies": ["10.0.0.0/8"]})
    proxy = edge_client(app, "10.0.0.2")
    attacker = {"X-Forwarded-For": "198.51.100.9"}
    for i in range(5):
        proxy.get("/api/v1/keys", headers={**auth(f"pas_wrong{i}"), **attacker})
    assert proxy.get("/api/v1/keys", headers=attacker).status_code == 429
    other = proxy.get("/api/v1/keys", headers={"X-Forwarded-For": "198.51.100.10"})
    assert other.status_code == 401


def test_the_client_address_reads_forwarded_for_from_the_right() -> None:
    resolve = ClientAddress(["10.0.0.0/8", "192.168.1.1"])

    def scope(peer: str, forwarded: str | None = None) -> dict[str, object]:
        headers = [] if forwarded is None else [(b"x-forwarded-for", forwarded.encode())]
        return {"client": (peer, 1), "headers": headers}

    assert resolve(scope("203.0.113.1", "1.1.1.1")) == "203.0.113.1"
    assert resolve(scope("10.1.1.1")) == "10.1.1.1"
    # the client may prepend anything: only the hop the trusted proxy appended counts
    assert resolve(scope("10.1.1.1", "6.6.6.6, 198.51.100.5")) == "198.51.100.5"
    assert resolve(scope("10.1.1.1", "198.51.100.5, 192.168.1.1, 10.2.2.2")) == "198.51.100.5"
    assert resolve(scope("10.1.1.1", "not-an-ip")) == "10.1.1.1"
    assert ClientAddress.is_loopback("127.0.0.1") and ClientAddress.is_loopback("::1")
    assert not ClientAddress.is_loopback("10.0.0.1") and not ClientAddress.is_loopback("unknown")


def test_failure_windows_keep_only_the_last_failures() -> None:
    windows = FailureWindows(max_failures=3, window_seconds=10)
    for t in (0.0, 1.0, 2.0, 3.0):
        windows.record("a", t)
    assert windows.retry_after("a", 3.0) == pytest.approx(8.0)  # oldest kept: t=1
    assert windows.retry_after("a", 11.5) == 0.0
    assert windows.retry_after("b", 3.0) == 0.0


def test_invalid_trusted_proxies_are_refused() -> None:
    from pas.config import load_settings
    from pas.core.errors import ConfigError

    with pytest.raises(ConfigError, match=r"server\.trusted_proxies"):
        load_settings(server={"trusted_proxies": ["a proxy"]})


def test_websocket_auth_failures_count_and_a_throttled_address_cannot_connect(
    tmp_path: Path, lookups: list[str]
) -> None:
    from starlette.websockets import WebSocketDisconnect

    app, container = edge_app(tmp_path, auth=LIMITS)
    key, _ = create_key(container.uow(), "viewer")
    with edge_client(app, "203.0.113.7") as client:
        for i in range(5):
            with client.websocket_connect("/ws") as ws:
                ws.send_json({"op": "auth", "token": f"pas_wrong{i}"})
                with pytest.raises(WebSocketDisconnect) as closed:
                    ws.receive_json()
                assert closed.value.code == 4401
        assert len(lookups) == 5
        with pytest.raises(WebSocketDisconnect) as refused, client.websocket_connect("/ws"):
            pass
        assert refused.value.code == 1008 and len(lookups) == 5
        assert client.get("/api/v1/securities").status_code == 429
        # a valid key this app has not verified yet waits like the rest...
        assert client.get("/api/v1/securities", headers=auth(key)).status_code == 429
    with edge_client(app, "198.51.100.1") as other:
        assert other.get("/api/v1/securities", headers=auth(key)).status_code == 200
    # ...and once verified (from anywhere) it passes, as `token` of a WebSocket too
    with edge_client(app, "203.0.113.7") as client:
        assert client.get("/api/v1/securities", headers=auth(key)).status_code == 200
        with client.websocket_connect(f"/ws?token={key}") as ws:
            assert ws.receive_json()["op"] == "authenticated"


def test_failures_are_counted_per_ipv4_address_and_per_ipv6_64() -> None:
    from pas.service.middleware.throttle import bucket

    assert bucket("203.0.113.7") == "203.0.113.7"
    assert bucket("2001:db8:1:2::1") == bucket("2001:db8:1:2:ffff::9") == "2001:db8:1:2::/64"
    assert bucket("2001:db8:1:3::1") != bucket("2001:db8:1:2::1")
    assert bucket("::ffff:203.0.113.7") == "203.0.113.7"
    assert bucket("unknown") == "unknown"


def test_one_ipv6_host_cannot_rotate_addresses_around_the_limit(tmp_path: Path) -> None:
    app, _ = edge_app(tmp_path, auth=LIMITS)
    for i in range(5):
        edge_client(app, f"2001:db8::{i + 1:x}").get("/api/v1/keys", headers=auth("pas_wrong"))
    assert edge_client(app, "2001:db8::ff").get("/api/v1/keys").status_code == 429
    assert edge_client(app, "2001:db8:0:1::1").get("/api/v1/keys").status_code == 401
