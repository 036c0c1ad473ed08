"""The dashboard at /dashboard and Swagger UI at /docs, both from the package's own files.

`make run` builds `frontend/` into `static/dashboard` and copies Swagger UI into
`static/docs`; nothing here loads from a CDN, so both pages work without internet
and under a `default-src 'self'` Content-Security-Policy.
"""

from __future__ import annotations

import json
from pathlib import Path

from fastapi import FastAPI, HTTPException
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response

STATIC = Path(__file__).resolve().parent / "static"
DASHBOARD = STATIC / "dashboard"
DOCS = STATIC / "docs"

# hashed file names under assets/ never change content; index.html must be re-read
_IMMUTABLE = "public, max-age=31536000, immutable"
_REVALIDATE = "no-cache"

_NOT_BUILT = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>PAS — {what} not built</title></head>
<body><h1>The {what} is not built</h1>
<p>It is built from <code>frontend/</code>, which needs Node.js 20.19+ and npm:
install them, then run <code>make dashboard</code> (or <code>make run</code>) and reload.</p>
<p>The API itself works: its schema is at <a href="/openapi.json">/openapi.json</a>.</p>
</body></html>
"""


def _inside(root: Path, relative: str) -> Path | None:
    """Return the file `relative` under `root`, or None when absent or outside it."""
    candidate = (root / relative).resolve()
    if candidate.is_file() and candidate.is_relative_to(root.resolve()):
        return candidate
    return None


def _not_built(what: str) -> HTMLResponse:
    return HTMLResponse(_NOT_BUILT.format(what=what), status_code=404)


def _dashboard_file(path: str) -> Response:
    """Serve a built file, or index.html for a client-side route (a path with no suffix)."""
    index = DASHBOARD / "index.html"
    if not index.is_file():
        return _not_built("dashboard")
    found = _inside(DASHBOARD, path) if path else None
    if found is not None:
        cache = _IMMUTABLE if path.startswith("assets/") else _REVALIDATE
        return FileResponse(found, headers={"Cache-Control": cache})
    if "." in path.rsplit("/", 1)[-1]:
        raise HTTPException(404, f"no file {path!r} in the dashboard build")
    return FileResponse(index, headers={"Cache-Control": _REVALIDATE})


def _docs_file(path: str) -> Response:
    found = _inside(DOCS, path or "index.html")
    if found is not None:
        return FileResponse(found, headers={"Cache-Control": _REVALIDATE})
    if not (DOCS / "index.html").is_file():
        return _not_built("API documentation page")
    raise HTTPException(404, f"no file {path!r} in the API documentation page")


def install(app: FastAPI) -> None:
    """Serve the dashboard at /dashboard/ and Swagger UI at /docs (create the app with docs_url=None)."""

    @app.get("/dashboard", include_in_schema=False)
    def dashboard_root() -> RedirectResponse:
        return RedirectResponse("/dashboard/", status_code=307)

    @app.get("/dashboard/{path:path}", include_in_schema=False)
    def dashboard(path: str) -> Response:
        return _dashboard_file(path)

    @app.get("/docs", include_in_schema=False)
    def docs() -> Response:
        return _docs_file("")

    @app.get("/docs/{path:path}", include_in_schema=False)
    def docs_file(path: str) -> Response:
        return _docs_file(path)


def openapi_document(app: FastAPI) -> str:
    """Return the app's OpenAPI schema as the canonical text the front end's client is generated from."""
    return json.dumps(app.openapi(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
