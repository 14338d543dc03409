"""The ASGI entrypoint uvicorn imports in each worker process."""

from __future__ import annotations

from starlette.types import ASGIApp

from threadline.api.app import create_service


def create() -> ASGIApp:
    return create_service()
