"""The thread of an entity, and comment counts for many entities: the hottest read routes."""

from __future__ import annotations

from typing import Annotated

import orjson
from fastapi import APIRouter, Query
from starlette.responses import Response

from threadline.api.dependencies import ContainerDep, OptionalActorDep, ReadTenantDep
from threadline.api.responses import consistency, json_bytes
from threadline.api.routes.thread_params import PageParams, page_query
from threadline.api.schemas import CommentPage, Counts
from threadline.application.queries.entity_counts import entity_counts
from threadline.application.queries.liked_overlay import overlay_likes
from threadline.application.queries.thread_page import cached_thread_page

router = APIRouter(prefix="/v1", tags=["threads"])


@router.get(
    "/entities/{entity_type}/{entity_id}/comments",
    response_model=CommentPage,
    summary="The comment tree of an entity: pages of roots with replies nested",
)
async def thread(
    entity_type: str,
    entity_id: str,
    tenant_id: ReadTenantDep,
    actor: OptionalActorDep,
    container: ContainerDep,
    params: Annotated[PageParams, Query()],
) -> Response:
    use_cache, headers = await consistency(container, params.min_position)
    query = page_query(container, tenant_id, entity_type, entity_id, params)
    cache = container.cache if use_cache else None
    page = await cached_thread_page(query, container.reader, cache, container.settings.cache_tree_ttl_seconds)
    body = page.body
    if actor is not None:
        body = await overlay_likes(body, page.comment_ids, tenant_id, actor.user_id, container.reader)
    return json_bytes(body, headers=headers)


@router.get("/counts", response_model=Counts, summary="Live comment counts for many entities")
async def counts(
    tenant_id: ReadTenantDep,
    container: ContainerDep,
    entity_type: Annotated[str, Query(max_length=64)],
    entity_id: Annotated[list[str], Query(description="Repeat for each entity (max 100)")],
) -> Response:
    result = await entity_counts(tenant_id, entity_type, entity_id, container.reader)
    return json_bytes(orjson.dumps({"entity_type": entity_type, "counts": result}))
