"""The one place where domain errors become HTTP answers `{"error": {code, message, details}}`."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from redis.exceptions import RedisError
from sqlalchemy.exc import SQLAlchemyError
from starlette.exceptions import HTTPException as StarletteHTTPException

from pas.core import errors as e
from pas.database import outage as database
from pas.realtime import redis_client

log = logging.getLogger(__name__)

#: Most specific class first; the first match wins.
STATUS: tuple[tuple[type[e.PasError], int], ...] = (
    (e.PermissionDenied, 403),
    (e.AuthError, 401),
    (e.NotFound, 404),
    (e.Conflict, 409),
    (e.Busy, 429),
    (e.LedgerError, 409),
    (e.InvalidInput, 422),
    (e.DataError, 422),
    (e.OptimizationError, 422),
    (e.BrokerError, 502),
    (e.ConfigError, 500),
)


def status_of(exc: e.PasError) -> int:
    """Return the HTTP status for a domain error (a subclass can set `http_status`)."""
    explicit = getattr(exc, "http_status", None)
    if isinstance(explicit, int):
        return explicit
    return next((code for cls, code in STATUS if isinstance(exc, cls)), 500)


def error_body(code: str, message: str, details: Any = None) -> dict[str, Any]:
    """Return the JSON error body every failing request answers with."""
    return {"error": {"code": code, "message": message, "details": details or {}}}


def install(app: FastAPI) -> None:
    """Register the handlers that shape every error the app can answer."""

    @app.exception_handler(e.PasError)
    async def _domain(_: Request, exc: e.PasError) -> JSONResponse:
        return domain_answer(exc)

    @app.exception_handler(SQLAlchemyError)
    async def _database(_: Request, exc: SQLAlchemyError) -> JSONResponse:
        if database.is_outage(exc):  # logged once per outage, never one traceback per request
            return domain_answer(database.unavailable(exc))
        log.error("database error", exc_info=exc)
        return _internal()

    @app.exception_handler(RedisError)
    async def _redis(_: Request, exc: RedisError) -> JSONResponse:
        if redis_client.is_outage(exc):
            return domain_answer(redis_client.unavailable(exc))
        log.error("Redis error", exc_info=exc)
        return _internal()

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [
            {"field": ".".join(str(p) for p in err.get("loc", ())), "message": _message(err)}
            for err in exc.errors()
        ]
        message = "; ".join(f"{p['field']}: {p['message']}" for p in problems) or "invalid request"
        return JSONResponse(error_body("invalid_input", message, {"errors": problems}), 422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return JSONResponse(
            error_body(code, str(exc.detail)), exc.status_code, getattr(exc, "headers", None)
        )

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        # Starlette raises the error on after this answer, and the server logs its
        # traceback: logging it here too would print every traceback twice
        return _internal()


def domain_answer(exc: e.PasError) -> JSONResponse:
    """Return the answer to a domain error: its status, its JSON body, Retry-After on 429/503."""
    status = status_of(exc)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    if status in (429, 503):  # busy or out of reach: say when to try again
        headers = {"Retry-After": str(getattr(exc, "retry_after_s", 1))}
    return JSONResponse(error_body(exc.code, exc.message, _jsonable(exc.details)), status, headers)


def _internal() -> JSONResponse:
    return JSONResponse(error_body("internal_error", "internal server error"), 500)


def _message(err: dict[str, Any]) -> str:
    """Return a validation error's message, with the parser's reason for a body that is not JSON."""
    message = str(err.get("msg", ""))
    reason = (err.get("ctx") or {}).get("error")
    return f"{message}: {reason}" if err.get("type") == "json_invalid" and reason else message


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_jsonable(v) for v in value]
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)
