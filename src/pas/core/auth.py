"""API key roles and key material: pure functions, no storage."""

from __future__ import annotations

import enum
import hashlib
import secrets

KEY_PREFIX = "pas_"


class Role(enum.IntEnum):
    """Roles in increasing order of power; a higher role can do what a lower can."""

    viewer = 1
    trader = 2
    admin = 3

    @classmethod
    def parse(cls, name: str) -> Role:
        """Return the role called `name`, or raise ValueError listing the valid ones."""
        try:
            return cls[name.strip().lower()]
        except KeyError:
            valid = ", ".join(r.name for r in cls)
            raise ValueError(f"unknown role {name!r}; expected one of {valid}") from None


def new_key() -> str:
    """Return a fresh random API key (shown once, stored only as its hash)."""
    return KEY_PREFIX + secrets.token_urlsafe(32)


def hash_key(key: str) -> str:
    """Return the SHA-256 hex digest under which a key is stored.

    Keys carry 256 random bits, so a fast hash is enough: there is nothing to
    brute-force that a slow password hash would protect.
    """
    return hashlib.sha256(key.encode("utf-8")).hexdigest()
