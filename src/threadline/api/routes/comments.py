"""Comment commands and per-comment reads."""

from __future__ import annotations

import uuid
from typing import Annotated

import orjson
from fastapi import APIRouter, Body, Query
from starlette.responses import Response

from threadline.api.dependencies import (
    CommandActorDep,
    CommandContextDep,
    ContainerDep,
    CorrelationDep,
    MinPosition,
    OptionalActorDep,
    ReadingActorDep,
    ReadTenantDep,
)
from threadline.api.problems import ERROR_RESPONSES
from threadline.api.responses import command_response, json_bytes, read_plan
from threadline.api.routes.thread_params import PageParams, page_query
from threadline.api.schemas import (
    CommandAccepted,
    Comment,
    CommentPage,
    CreateCommentBody,
    DeleteCommentBody,
    EditHistory,
    UpdateCommentBody,
)
from threadline.application.command_runner import CommandContext
from threadline.application.commands.create_comment import create_comment
from threadline.application.commands.delete_comment import delete_comment
from threadline.application.commands.like_comment import like_comment, unlike_comment
from threadline.application.commands.pin_comment import pin_comment, unpin_comment
from threadline.application.commands.update_comment import update_comment
from threadline.application.queries.comment_by_id import comment_by_id, load_comment
from threadline.application.queries.edit_history import edit_history
from threadline.application.queries.liked_overlay import overlay_likes
from threadline.application.queries.thread_page import cached_thread_page
from threadline.domain.commands import (
    ContentFormat,
    CreateComment,
    DeleteComment,
    LikeComment,
    PinComment,
    UnlikeComment,
    UnpinComment,
    UpdateComment,
)
from threadline.domain.rules import valid_comment_id

router = APIRouter(prefix="/v1/comments", tags=["comments"], responses=ERROR_RESPONSES)


@router.post("", status_code=201, response_model=CommandAccepted, summary="Create a comment or a reply")
async def create(body: CreateCommentBody, context: CommandContextDep, container: ContainerDep) -> Response:
    command = CreateComment(
        comment_id=body.id if body.id is not None else str(uuid.uuid4()),
        entity_type=body.entity_type,
        entity_id=body.entity_id,
        content=body.content,
        content_format=ContentFormat(body.content_format),
        parent_id=body.parent_id,
    )
    outcome = await container.runner.run(create_comment, command, context)
    return command_response(outcome, status=201, renderer=container.projector.renderer)


@router.get("/{comment_id}", response_model=Comment, summary="One comment")
async def get_comment(
    comment_id: str,
    tenant_id: ReadTenantDep,
    actor: OptionalActorDep,
    container: ContainerDep,
    min_position: MinPosition = None,
) -> Response:
    plan = await read_plan(container, min_position)
    body = await comment_by_id(
        tenant_id, comment_id, plan.reader, plan.cache, container.settings.cache_comment_ttl_seconds, actor
    )
    if actor is not None:
        # comment_by_id accepted the id, so its canonical form names the comment on the page.
        liked_id = valid_comment_id(comment_id)
        body = await overlay_likes(body, (liked_id,), tenant_id, actor.user_id, plan.reader)
    return json_bytes(body, headers=plan.headers)


@router.patch("/{comment_id}", response_model=CommandAccepted, summary="Edit a comment")
async def edit(
    comment_id: str,
    body: UpdateCommentBody,
    actor: CommandActorDep,
    container: ContainerDep,
    correlation: CorrelationDep,
) -> Response:
    outcome = await container.runner.run(
        update_comment, UpdateComment(comment_id, body.content), CommandContext(actor, correlation)
    )
    return command_response(outcome, renderer=container.projector.renderer)


@router.delete("/{comment_id}", response_model=CommandAccepted, summary="Delete a comment (soft)")
async def soft_delete(
    comment_id: str,
    actor: CommandActorDep,
    container: ContainerDep,
    correlation: CorrelationDep,
    reason: Annotated[str | None, Query(max_length=1000)] = None,
    body: Annotated[DeleteCommentBody | None, Body()] = None,
) -> Response:
    why = body.reason if body is not None and body.reason else reason
    outcome = await container.runner.run(
        delete_comment, DeleteComment(comment_id, why), CommandContext(actor, correlation)
    )
    return command_response(outcome)


@router.put("/{comment_id}/like", response_model=CommandAccepted, summary="Like a comment")
async def like(
    comment_id: str, actor: CommandActorDep, container: ContainerDep, correlation: CorrelationDep
) -> Response:
    outcome = await container.runner.run(
        like_comment, LikeComment(comment_id), CommandContext(actor, correlation)
    )
    return command_response(outcome, liked=True)


@router.delete("/{comment_id}/like", response_model=CommandAccepted, summary="Unlike a comment")
async def unlike(
    comment_id: str, actor: CommandActorDep, container: ContainerDep, correlation: CorrelationDep
) -> Response:
    outcome = await container.runner.run(
        unlike_comment, UnlikeComment(comment_id), CommandContext(actor, correlation)
    )
    return command_response(outcome, liked=False)


@router.put("/{comment_id}/pin", response_model=CommandAccepted, summary="Pin a root comment (staff)")
async def pin(
    comment_id: str, actor: CommandActorDep, container: ContainerDep, correlation: CorrelationDep
) -> Response:
    outcome = await container.runner.run(
        pin_comment, PinComment(comment_id), CommandContext(actor, correlation)
    )
    return command_response(outcome, is_pinned=True)


@router.delete("/{comment_id}/pin", response_model=CommandAccepted, summary="Unpin a comment (staff)")
async def unpin(
    comment_id: str, actor: CommandActorDep, container: ContainerDep, correlation: CorrelationDep
) -> Response:
    outcome = await container.runner.run(
        unpin_comment, UnpinComment(comment_id), CommandContext(actor, correlation)
    )
    return command_response(outcome, is_pinned=False)


@router.get("/{comment_id}/replies", response_model=CommentPage, summary="Direct replies, paged")
async def replies(
    comment_id: str,
    tenant_id: ReadTenantDep,
    actor: OptionalActorDep,
    container: ContainerDep,
    params: Annotated[PageParams, Query()],
) -> Response:
    plan = await read_plan(container, params.min_position)
    parent = await load_comment(tenant_id, comment_id, plan.reader, actor)
    query = page_query(
        container,
        tenant_id,
        parent.entity_type,
        parent.entity_id,
        params,
        parent_id=parent.id,
        parent_reply_count=parent.reply_count,
        default_sort="oldest",
    )
    settings = container.settings
    page = await cached_thread_page(
        query,
        plan.reader,
        plan.cache,
        settings.cache_tree_ttl_seconds,
        wait=settings.cache_build_wait_seconds,
    )
    body = page.body
    if actor is not None:
        body = await overlay_likes(body, page.comment_ids, tenant_id, actor.user_id, plan.reader)
    return json_bytes(body, headers=plan.headers)


@router.get("/{comment_id}/history", response_model=EditHistory, summary="Edit history (author and staff)")
async def history(
    comment_id: str, actor: ReadingActorDep, container: ContainerDep, min_position: MinPosition = None
) -> Response:
    plan = await read_plan(container, min_position)
    edits = await edit_history(actor, comment_id, plan.reader)
    return json_bytes(orjson.dumps({"data": edits}), headers=plan.headers)
