"""JSON log lines (`logging.json: true`) with the request id; secrets never logged."""

from __future__ import annotations

import io
import json
import logging
import logging.config
from collections.abc import Iterator
from pathlib import Path

import pytest

from pas.config import load_settings
from pas.service.jsonlog import REQUEST_ID, JsonFormatter
from pas.service.start import log_config
from tests.unit.service.edge_app import edge_app, edge_client

KEY = "pas_" + "k" * 40


def _record(message: str, *args: object, exc: bool = False) -> logging.LogRecord:
    info = None
    if exc:
        try:
            raise ValueError(f"bad key {KEY}")
        except ValueError:
            import sys

            info = sys.exc_info()
    return logging.LogRecord("pas.test", logging.WARNING, __file__, 1, message, args, info)


def test_a_line_is_one_json_object_with_the_request_id() -> None:
    formatter = JsonFormatter()
    token = REQUEST_ID.set("req-42")
    try:
        line = formatter.format(_record("reserved %s shares", "10"))
    finally:
        REQUEST_ID.reset(token)
    parsed = json.loads(line)
    assert parsed["level"] == "WARNING" and parsed["logger"] == "pas.test"
    assert parsed["message"] == "reserved 10 shares" and parsed["request_id"] == "req-42"
    assert parsed["time"].endswith("+00:00")
    assert "\n" not in line
    assert "request_id" not in json.loads(formatter.format(_record("outside a request")))


def test_keys_and_tokens_never_appear() -> None:
    formatter = JsonFormatter()
    lines = [
        formatter.format(_record('"GET /ws?token=%s HTTP/1.1" 101', KEY)),
        formatter.format(_record("Authorization: Bearer %s", KEY)),
        formatter.format(_record("failed", exc=True)),
        formatter.format(_record("GET /api/v1/x?a=1&token=secret-value&b=2")),
    ]
    for line in lines:
        assert KEY not in line and "secret-value" not in line
        assert "[redacted]" in line


def test_the_setting_switches_uvicorn_and_pas_lines_to_json() -> None:
    assert load_settings().logging.json_lines is False
    assert load_settings(logging={"json": True}).logging.json_lines is True
    config = log_config(json_lines=True)
    assert config["formatters"]["default"]["()"] == "pas.service.jsonlog.JsonFormatter"
    assert config["formatters"]["access"]["()"] == "pas.service.jsonlog.JsonFormatter"
    assert config["root"]["handlers"] == ["default"]
    assert "root" not in log_config()


def test_the_environment_variable_sets_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAS_LOGGING__JSON", "true")
    assert load_settings().logging.json_lines is True


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    """Return what PAS's loggers write, as JSON lines."""
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("pas.edge-test")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield out
    logger.removeHandler(handler)


def test_a_line_logged_while_serving_carries_that_request_id(
    tmp_path: Path, captured: io.StringIO
) -> None:
    app, _ = edge_app(tmp_path)

    @app.get("/logs-something")
    def logs_something() -> dict[str, str]:
        logging.getLogger("pas.edge-test").info("inside the route")
        return {}

    client = edge_client(app)
    answer = client.get("/logs-something", headers={"X-Request-ID": "abc-123"})
    assert answer.headers["x-request-id"] == "abc-123"
    generated = client.get("/logs-something")
    lines = [json.loads(line) for line in captured.getvalue().splitlines()]
    assert [line["request_id"] for line in lines] == ["abc-123", generated.headers["x-request-id"]]
    assert len(generated.headers["x-request-id"]) == 32
    # an id that could forge log lines is replaced
    forged = client.get("/logs-something", headers={"X-Request-ID": 'x"\n{"level": "ERROR"}'})
    assert forged.headers["x-request-id"] != 'x"\n{"level": "ERROR"}'
