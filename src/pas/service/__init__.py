"""The HTTP edge: FastAPI app factory, routers under /api/v1, auth, errors."""

from pas.service.app import create_app

__all__ = ["create_app"]
