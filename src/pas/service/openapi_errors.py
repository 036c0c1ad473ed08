"""The schema says what a refused request answers: `{"error": {code, message, details}}`.

FastAPI documents its own validation body (`HTTPValidationError`) for 422; PAS
answers every error with one body (`pas.service.errors.error_body`), so the
schema names that body instead, and a client or a fuzzer can rely on it.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

ERROR_BODY: dict[str, Any] = {
    "title": "ErrorBody",
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message", "details"],
            "properties": {
                "code": {"type": "string", "description": "the error class, e.g. invalid_input"},
                "message": {"type": "string"},
                "details": {"type": "object"},
            },
        }
    },
}
_OURS = "#/components/schemas/ErrorBody"
_THEIRS = "#/components/schemas/HTTPValidationError"


def _retarget(document: dict[str, Any]) -> dict[str, Any]:
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            answer = operation.get("responses", {}).get("422", {})
            media = answer.get("content", {}).get("application/json", {})
            if media.get("schema", {}).get("$ref") == _THEIRS:
                media["schema"] = {"$ref": _OURS}
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    schemas.pop("HTTPValidationError", None)
    schemas.pop("ValidationError", None)
    schemas["ErrorBody"] = ERROR_BODY
    return document


def install(app: FastAPI) -> None:
    """Make `app.openapi()` document PAS's error body for 422 answers."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = _retarget(build())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
