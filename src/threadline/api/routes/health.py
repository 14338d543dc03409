"""Liveness and readiness."""

from __future__ import annotations

import orjson
from fastapi import APIRouter
from starlette.responses import Response

from threadline.api.dependencies import ContainerDep
from threadline.api.responses import json_bytes
from threadline.api.schemas import Health

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=Health, summary="The process is alive")
async def healthz() -> Response:
    return json_bytes(b'{"status":"ok"}')


@router.get(
    "/readyz",
    response_model=Health,
    responses={503: {"model": Health, "description": "Not ready: a database is down or out of date"}},
    summary="The databases answer and the schema is current",
)
async def readyz(container: ContainerDep) -> Response:
    try:
        await container.ensure_schema_current()
        projection = await container.reader.projection_position("comments")
        log_position = await container.events.last_position()
    except Exception as error:  # readiness reports any failure as not ready
        return json_bytes(orjson.dumps({"status": "unavailable", "detail": type(error).__name__}), 503)
    return json_bytes(
        orjson.dumps({"status": "ready", "projection_position": projection, "log_position": log_position})
    )
