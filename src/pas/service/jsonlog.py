"""Log lines as JSON objects (`logging.json: true`), with the request id of the line's request."""

from __future__ import annotations

import datetime as dt
import json
import logging
from contextvars import ContextVar

from pas.realtime.logs import Redactor

#: the id of the request being served (set by the edge middleware)
REQUEST_ID: ContextVar[str | None] = ContextVar("pas_request_id", default=None)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request_id (when any).

    The message is redacted once more after formatting, so a secret inside
    an exception's text or an argument that was not a string never leaves.
    """

    def __init__(self, redact: Redactor | None = None) -> None:
        super().__init__()
        self.redact = redact or Redactor()

    def format(self, record: logging.LogRecord) -> str:
        """Return the record as one line of JSON."""
        line: dict[str, object] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": self.redact(record.getMessage()),
        }
        request_id = REQUEST_ID.get()
        if request_id is not None:
            line["request_id"] = request_id
        if record.exc_info:
            line["exception"] = self.redact(self.formatException(record.exc_info))
        return json.dumps(line, ensure_ascii=False)
