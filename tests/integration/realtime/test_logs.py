"""Log records become `logs` events (INFO and up); secrets never appear in them or in access logs."""

from __future__ import annotations

import logging
from pathlib import Path

from pas.bootstrap import Container
from pas.core.events import Event
from pas.realtime.logs import REDACTED, HubLogHandler, RedactingFilter, Redactor
from pas.service.start import log_config
from tests.conftest import make_settings

KEY = "pas_" + "A1b2C3d4" * 5


def test_the_redactor_knows_keys_tokens_passwords_and_configured_secrets() -> None:
    redact = Redactor(["SECRETALPACA123"])
    line = (
        f'127.0.0.1:5 - "WebSocket /ws?topic=x&token={KEY}" [accepted] '
        f"Authorization: Bearer {KEY} mysql+pymysql://pas:hunter2@db/pas alpaca=SECRETALPACA123 {KEY}"
    )
    out = redact(line)
    for secret in (KEY, "hunter2", "SECRETALPACA123"):
        assert secret not in out
    assert "token=" + REDACTED in out and "/ws?topic=x&" in out and "pas:" + REDACTED + "@db" in out


def test_info_and_up_are_published_redacted_debug_is_not() -> None:
    published: list[tuple[str, dict[str, object]]] = []
    handler = HubLogHandler(lambda topic, data: published.append((topic, data)))
    logger = logging.getLogger("pas.test.logs")
    logger.setLevel(logging.DEBUG)
    logger.addHandler(handler)
    try:
        logger.debug("too chatty")
        logger.info("order %s placed with key %s", 12, KEY)
        try:
            raise ValueError("boom")
        except ValueError:
            logger.exception("job failed")
    finally:
        logger.removeHandler(handler)
    assert [p[0] for p in published] == ["logs", "logs"]
    first, second = (p[1] for p in published)
    assert first["level"] == "INFO" and first["logger"] == "pas.test.logs"
    assert first["message"] == f"order 12 placed with key {REDACTED}"
    assert str(first["time"]).endswith("+00:00")
    assert second["level"] == "ERROR" and second["message"] == "job failed (ValueError)"


def test_a_failing_publish_never_breaks_logging() -> None:
    def broken(topic: str, data: dict[str, object]) -> None:
        raise RuntimeError("hub down")

    record = logging.LogRecord("pas.x", logging.WARNING, __file__, 1, "fine", (), None)
    HubLogHandler(broken).emit(record)  # no exception


def test_uvicorn_log_lines_are_redacted() -> None:
    config = log_config()
    assert all("redact" in h["filters"] for h in config["handlers"].values())
    record = logging.LogRecord(
        "uvicorn.error", logging.INFO, __file__, 1, '%s - "WebSocket %s" [accepted]',
        ("127.0.0.1:5", f"/ws?token={KEY}"), None,
    )  # fmt: skip
    RedactingFilter().filter(record)
    assert KEY not in record.getMessage() and REDACTED in record.getMessage()


def test_the_container_forwards_logs_of_the_process_to_the_hub(
    sqlite_url: str, tmp_path: Path
) -> None:
    c = Container(make_settings(sqlite_url, tmp_path))
    seen: list[Event] = []
    c.hub.add_listener(seen.append)
    undo = c.forward_logs()
    try:
        logging.getLogger("pas.anything").info("hello %s", KEY)
    finally:
        undo()
    logging.getLogger("pas.anything").warning("after undo")
    messages = [e.data["message"] for e in seen if e.topic == "logs"]
    assert messages == [f"hello {REDACTED}"]
    c.close()
