"""The ASGI entrypoint uvicorn imports in each worker process."""

from __future__ import annotations

from fastapi import FastAPI

from threadline.api.app import create_app


def create() -> FastAPI:
    return create_app()
