"""``POST /v1/preview``: the composer's preview, rendered by the server (the widget never turns
markdown into HTML itself)."""

from __future__ import annotations

from typing import Literal

import orjson
from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field
from starlette.responses import Response

from threadline.api.dependencies import ContainerDep, ReadingActorDep
from threadline.api.problems import ERROR_RESPONSES
from threadline.api.responses import json_bytes
from threadline.application.queries.content_preview import content_preview
from threadline.domain.rules import MAX_CONTENT_LENGTH

router = APIRouter(prefix="/v1", tags=["comments"], responses=ERROR_RESPONSES)


class PreviewBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    content: str = Field(json_schema_extra={"minLength": 1, "maxLength": MAX_CONTENT_LENGTH})
    content_format: Literal["plain", "markdown"] = "markdown"


class Preview(BaseModel):
    content_html: str


@router.post("/preview", response_model=Preview, summary="Render a comment's text as it would be shown")
async def preview(body: PreviewBody, actor: ReadingActorDep, container: ContainerDep) -> Response:
    """For a signed-in writer (counted against the read limits): the same content rules as a
    create (``invalid_content``), the same renderer and sanitizer as the projector."""
    rendered = content_preview(body.content, body.content_format, container.projector.renderer)
    return json_bytes(orjson.dumps({"content_html": rendered}))
