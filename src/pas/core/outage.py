"""Outages of a dependency, reported once: one line when it fails, one when it is back."""

from __future__ import annotations

import logging
import threading

#: set on every outage line: a one-shot CLI command leaves them to its one error line
OUTAGE_RECORD = {"pas_outage": True}


class Outage:
    """Logs one WARNING when a dependency fails and one when it is back (not one per request)."""

    def __init__(self, what: str, logger: logging.Logger) -> None:
        self.what = what
        self._log = logger
        self._down = False
        self._lock = threading.Lock()

    @property
    def down(self) -> bool:
        """Return True while the dependency is failing."""
        return self._down

    def failed(self, reason: str) -> None:
        """Record a failure; log it if it starts an outage."""
        with self._lock:
            if self._down:
                return
            self._down = True
        self._log.warning("%s is unavailable: %s", self.what, reason, extra=OUTAGE_RECORD)

    def ok(self) -> None:
        """Record a success; log the end of an outage."""
        if not self._down:
            return
        with self._lock:
            if not self._down:
                return
            self._down = False
        self._log.warning("%s is available again", self.what, extra=OUTAGE_RECORD)


_OUTAGES: dict[str, Outage] = {}
_OUTAGES_LOCK = threading.Lock()


def outage(what: str, logger: logging.Logger) -> Outage:
    """Return the process's one Outage for `what`, so a dependency that stays down is
    reported once even when every request builds its adapter anew."""
    with _OUTAGES_LOCK:
        if what not in _OUTAGES:
            _OUTAGES[what] = Outage(what, logger)
        return _OUTAGES[what]
