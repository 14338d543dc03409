"""The thread of an entity, and comment counts for many entities: the hottest read routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from threadline.api.dependencies import ContainerDep, MinPosition, OptionalActorDep, ReadTenantDep
from threadline.api.problems import ERROR_RESPONSES
from threadline.api.responses import json_bytes, read_plan, viewer_of
from threadline.api.routes.thread_params import THREAD_PATH, PageParamsDep, page_query
from threadline.api.schemas import ENTITY_TYPE_RULE, CommentPage, Counts
from threadline.api.viewers import count_view
from threadline.application.queries.cache_scopes import thread_scope
from threadline.application.queries.entity_counts import counts_body, counts_query, entity_counts
from threadline.application.queries.liked_overlay import overlay_likes
from threadline.application.queries.moderation import unpublished_for
from threadline.application.queries.thread_page import cached_thread_page

router = APIRouter(tags=["threads"], responses=ERROR_RESPONSES)


@router.get(
    THREAD_PATH,
    response_model=CommentPage,
    summary="The comment tree of an entity: pages of roots with replies nested",
)
async def thread(
    request: Request,
    entity_type: str,
    entity_id: str,
    tenant_id: ReadTenantDep,
    actor: OptionalActorDep,
    container: ContainerDep,
    params: PageParamsDep,
) -> Response:
    plan = await read_plan(container, params.min_position)
    query = page_query(container, tenant_id, entity_type, entity_id, params)
    settings = container.settings
    page = await cached_thread_page(
        query,
        plan.reader,
        plan.cache,
        settings.cache_tree_ttl_seconds,
        wait=settings.cache_build_wait_seconds,
        prepared=container.projector.preparer.shape,
    )
    await count_view(
        container.views,
        tenant_id,
        thread_scope(tenant_id, query.entity_type, query.entity_id),
        viewer_of(request, actor),
        page.comment_ids,
    )
    body = page.body
    if actor is not None:
        extra: dict[str, object] | None = None
        tenant = await container.verifier.tenant(tenant_id)
        if tenant is not None and tenant.settings.premoderation and container.moderation is not None:
            pending = await unpublished_for(actor, container.moderation, query.entity_type, query.entity_id)
            extra = {"pending": pending}
        body = await overlay_likes(body, page.comment_ids, tenant_id, actor.user_id, plan.reader, extra=extra)
    return json_bytes(body, headers=plan.headers)


@router.get("/v1/counts", response_model=Counts, summary="Live comment counts for many entities")
async def counts(
    tenant_id: ReadTenantDep,
    container: ContainerDep,
    entity_type: Annotated[str, Query(max_length=64, json_schema_extra=ENTITY_TYPE_RULE)],
    entity_id: Annotated[list[str], Query(description="Repeat for each entity (max 100)")],
    min_position: MinPosition = None,
) -> Response:
    plan = await read_plan(container, min_position)
    query = counts_query(entity_type, entity_id)
    # Reading one's own writes skips the live counts: the read model has been waited for, they have not.
    live = None if min_position else container.live_counts
    result = await entity_counts(tenant_id, query, plan.reader, live)
    return json_bytes(counts_body(query, result), headers=plan.headers)
