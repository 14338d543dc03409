"""Full-text search over a tenant's comments."""

from __future__ import annotations

from typing import Annotated

import orjson
from fastapi import APIRouter, Query
from starlette.responses import Response

from threadline.api.dependencies import ContainerDep, MinPosition, OptionalActorDep, ReadTenantDep
from threadline.api.problems import ERROR_RESPONSES
from threadline.api.responses import json_bytes, read_plan
from threadline.api.schemas import SearchPage
from threadline.application.queries.liked_overlay import overlay_likes
from threadline.application.queries.search_comments import search_comments

router = APIRouter(prefix="/v1", tags=["search"], responses=ERROR_RESPONSES)


@router.get("/search", response_model=SearchPage, summary="Search comments, ranked, with snippets")
async def search(
    tenant_id: ReadTenantDep,
    actor: OptionalActorDep,
    container: ContainerDep,
    q: Annotated[str, Query(min_length=1, max_length=256)],
    entity_type: Annotated[str | None, Query(max_length=64)] = None,
    entity_id: Annotated[str | None, Query(max_length=256)] = None,
    page: Annotated[int, Query(ge=1, le=1000)] = 1,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    min_position: MinPosition = None,
) -> Response:
    plan = await read_plan(container, min_position)
    result = await search_comments(
        tenant_id,
        q,
        entity_type=entity_type,
        entity_id=entity_id,
        page=page,
        limit=limit,
        reader=plan.reader,
    )
    body = orjson.dumps(result)
    if actor is not None:
        ids = tuple(hit.id for hit in result.data)
        body = await overlay_likes(body, ids, tenant_id, actor.user_id, plan.reader)
    return json_bytes(body, headers=plan.headers)
