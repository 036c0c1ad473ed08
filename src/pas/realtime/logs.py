"""Log records as `logs` events, and the redaction every log line goes through.

Secrets never leave in a log line: API keys (`pas_...`), `token=` query
parameters, bearer tokens, passwords inside URLs, and the literal values of
the configured secrets (Alpaca keys, the database password) are replaced by
`[redacted]`.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import threading
from collections.abc import Callable, Iterable
from typing import Any

REDACTED = "[redacted]"
#: the hub's own records are not published through it (its failures would feed themselves)
OWN_LOGGERS = ("pas.realtime",)

_PATTERNS = (
    # token=... in a query string (the WebSocket's optional way to send a key)
    (re.compile(r"(?i)([?&;]token=)[^&\s\"'#]+"), r"\1" + REDACTED),
    # Authorization: Bearer ...
    (re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]+"), r"\1" + REDACTED),
    # PAS API keys wherever they appear
    (re.compile(r"pas_[A-Za-z0-9_-]{16,}"), REDACTED),
    # user:password@host in URLs
    (re.compile(r"(://[^:/@\s]+:)[^@\s]+@"), r"\1" + REDACTED + "@"),
)


class Redactor:
    """Replaces secrets in text: known patterns and the literal secret values given."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self.secrets = sorted({s for s in secrets if s and len(s) >= 4}, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        """Return `text` with every secret replaced."""
        for pattern, replacement in _PATTERNS:
            text = pattern.sub(replacement, text)
        for secret in self.secrets:
            text = text.replace(secret, REDACTED)
        return text


class RedactingFilter(logging.Filter):
    """A handler filter that redacts the message and its string arguments in place."""

    def __init__(self, redact: Callable[[str], str] | None = None) -> None:
        super().__init__()
        self.redact = redact or Redactor()

    def filter(self, record: logging.LogRecord) -> bool:
        """Redact `record` and let it through."""
        if isinstance(record.msg, str):
            record.msg = self.redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(self.redact(a) if isinstance(a, str) else a for a in record.args)
        elif isinstance(record.args, dict):
            record.args = {
                k: self.redact(v) if isinstance(v, str) else v for k, v in record.args.items()
            }
        return True


class HubLogHandler(logging.Handler):
    """Publishes each record of level INFO and up as a `logs` event."""

    def __init__(
        self,
        publish: Callable[[str, dict[str, Any]], None],
        redact: Callable[[str], str] | None = None,
        level: int = logging.INFO,
    ) -> None:
        super().__init__(level)
        self.publish = publish
        self.redact = redact or Redactor()
        self._local = threading.local()

    def emit(self, record: logging.LogRecord) -> None:
        """Publish the record (never raises; never recurses through the hub's own logging)."""
        if getattr(self._local, "busy", False) or record.name.startswith(OWN_LOGGERS):
            return
        self._local.busy = True
        try:
            message = record.getMessage()
            if record.exc_info and record.exc_info[0] is not None:
                message = f"{message} ({record.exc_info[0].__name__})"
            self.publish(
                "logs",
                {
                    "level": record.levelname,
                    "logger": record.name,
                    "message": self.redact(message),
                    "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(),
                },
            )
        except Exception:  # logging must never fail the code that logs
            pass
        finally:
            self._local.busy = False
