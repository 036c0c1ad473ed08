"""Reads answered once per data version: cached, gzip-compressed when large, with ETags.

An answer that depends only on its request and on stored data of some kinds
(`prices`, `factors`, `evaluations`, ...) is keyed by the request and the
current versions of those kinds (one small indexed query). The same key gives
the ETag, so a client holding the answer gets a 304 without any work, and the
cache (in-process, or Redis shared by every worker) is never stale: every
write bumps its kind's version in its own transaction.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from collections.abc import Callable, Sequence

from fastapi import Request
from fastapi.responses import Response

from pas.bootstrap import Container
from pas.service.formats import JSON, attachment
from pas.workflows.data import data_versions

#: bodies at least this large are sent gzip-compressed to clients that accept it
GZIP_MIN = 4_096
GZIP_LEVEL = 5
_GZ, _PLAIN = b"z", b"p"
#: what a builder returns: the body, or the body and headers that belong to it (e.g. Link)
Built = bytes | tuple[bytes, dict[str, str]]


def versioned_answer(
    request: Request,
    container: Container,
    depends: Sequence[str],
    build: Callable[[], Built],
    *,
    media_type: str = JSON,
    filename: str | None = None,
) -> Response:
    """Return the answer `build()` gives for this request and data versions, from the cache
    when another request already built it, or 304 when the client holds it (If-None-Match)."""
    versions = data_versions(container.uow(), depends) if depends else {}
    query = sorted(request.query_params.multi_items())
    key = f"{request.url.path}?{query}|{sorted(versions.items())}|{media_type}"
    etag = f'W/"{hashlib.sha1(key.encode()).hexdigest()[:24]}"'
    headers = {"ETag": etag, "Cache-Control": "private, no-cache", "Vary": "Accept-Encoding"}
    if filename:
        headers.update(attachment(filename))
    if _matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=headers)
    gz = "gzip" in request.headers.get("accept-encoding", "").lower()
    slot = key + ("|gz" if gz else "")
    stored = container.cache.get(slot)
    if stored is None:
        stored = _pack(build(), gz)
        container.cache.set(slot, stored, container.settings.cache.ttl_seconds)
    body, extra = _unpack(stored)
    return Response(body, media_type=media_type, headers={**headers, **extra})


def _pack(built: Built, gz: bool) -> bytes:
    """Return what the cache keeps: a marker, the headers (JSON, length-prefixed), the body."""
    body, extra = built if isinstance(built, tuple) else (built, {})
    compress = gz and len(body) >= GZIP_MIN
    if compress:
        body = gzip.compress(body, GZIP_LEVEL)
        extra = {**extra, "Content-Encoding": "gzip"}
    meta = json.dumps(extra).encode()
    return (_GZ if compress else _PLAIN) + len(meta).to_bytes(4, "big") + meta + body


def _unpack(stored: bytes) -> tuple[bytes, dict[str, str]]:
    size = int.from_bytes(stored[1:5], "big")
    return stored[5 + size :], json.loads(stored[5 : 5 + size])


def _matches(header: str | None, etag: str) -> bool:
    """Return True when an If-None-Match header names `etag` (weak comparison) or is `*`."""
    if not header:
        return False
    tags = {t.strip().removeprefix("W/") for t in header.split(",")}
    return "*" in tags or etag.removeprefix("W/") in tags
