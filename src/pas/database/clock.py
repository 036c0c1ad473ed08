"""The time the tables store: naive UTC, from the one clock."""

from __future__ import annotations

import datetime as dt

from pas.core.ports import utcnow


def db_now() -> dt.datetime:
    """Return the current UTC time as the naive datetime the tables store."""
    return utcnow().replace(tzinfo=None)
