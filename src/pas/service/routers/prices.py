"""GET /api/v1/prices: one page of daily prices at a time."""

from __future__ import annotations

import base64
import datetime as dt
import json

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from pas.core import limits
from pas.core.errors import InvalidInput
from pas.service.answers import versioned_answer
from pas.service.deps import ContainerDep, Viewer
from pas.service.formats import Format, media, shaped
from pas.workflows.data import price_page

router = APIRouter(prefix="/api/v1", tags=["data"])


def parse_symbols(symbols: str | None) -> list[str] | None:
    """Return a comma-separated symbol list upper-cased, or None when empty."""
    if not symbols:
        return None
    return [s.strip().upper() for s in symbols.split(",") if s.strip()] or None


def encode_cursor(after: tuple[str, dt.date]) -> str:
    """Return the opaque cursor of the page that starts after (symbol, date)."""
    raw = json.dumps([after[0], after[1].isoformat()]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> tuple[str, dt.date] | None:
    """Return (symbol, date) from a cursor; InvalidInput when it is not one of ours."""
    if not cursor:
        return None
    try:
        symbol, date = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        return str(symbol), dt.date.fromisoformat(date)
    except (ValueError, TypeError) as exc:
        raise InvalidInput(f"cursor {cursor!r} is not a cursor this API gave") from exc


@router.get("/prices", response_model=None)
def prices(
    request: Request,
    c: ContainerDep,
    _: Viewer,
    symbols: str | None = Query(None, description="comma-separated; all when omitted"),
    start: dt.date | None = None,
    end: dt.date | None = None,
    format: Format = "json",
    limit: int = Query(
        limits.PAGE_DEFAULT, description=f"rows per page, at most {limits.PAGE_MAX:,}"
    ),
    cursor: str | None = Query(None, description="the `next` of the previous page"),
) -> Response:
    """Daily prices (open, high, low, close, adjusted close, volume) by symbol and date, one page
    at a time: `next` (JSON) or the `Link` header (CSV) names the following page."""
    limits.check_span(start, end)
    after = decode_cursor(cursor)
    wanted = parse_symbols(symbols)

    def build() -> tuple[bytes, dict[str, str]]:
        rows, following = price_page(c.uow(), wanted, start, end, limit, after)
        nxt = encode_cursor(following) if following else None
        headers = {"Link": f'<{_with_cursor(request, nxt)}>; rel="next"'} if nxt else {}
        return shaped(rows, format, {"limit": limit, "next": nxt}), headers

    return versioned_answer(request, c, ("prices",), build, **media(format, "prices.csv"))


def _with_cursor(request: Request, cursor: str) -> str:
    """Return the request's path and query with `cursor` set."""
    url = request.url.include_query_params(cursor=cursor)
    return f"{url.path}?{url.query}"
