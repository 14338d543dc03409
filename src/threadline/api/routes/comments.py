"""Comment commands and per-comment reads."""

from __future__ import annotations

import uuid

import orjson
from fastapi import APIRouter
from starlette.responses import Response

from threadline.api.dependencies import (
    CommandContextDep,
    ContainerDep,
    DeleteReasonDep,
    MinPosition,
    OptionalActorDep,
    ReadingActorDep,
    ReadTenantDep,
)
from threadline.api.problems import ERROR_RESPONSES
from threadline.api.responses import command_response, json_bytes, read_plan
from threadline.api.routes.comment_commands import comment_command
from threadline.api.routes.thread_params import PageParamsDep, page_query
from threadline.api.schemas import (
    CommandAccepted,
    Comment,
    CommentPage,
    CreateCommentBody,
    EditHistory,
    UpdateCommentBody,
)
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
    comment_id: str, body: UpdateCommentBody, context: CommandContextDep, container: ContainerDep
) -> Response:
    outcome = await container.runner.run(update_comment, UpdateComment(comment_id, body.content), context)
    return command_response(outcome, renderer=container.projector.renderer)


@router.delete("/{comment_id}", response_model=CommandAccepted, summary="Delete a comment (soft)")
async def soft_delete(
    comment_id: str, context: CommandContextDep, container: ContainerDep, reason: DeleteReasonDep
) -> Response:
    outcome = await container.runner.run(delete_comment, DeleteComment(comment_id, reason), context)
    return command_response(outcome)


router.put("/{comment_id}/like", name="like", response_model=CommandAccepted, summary="Like a comment")(
    comment_command(like_comment, LikeComment, liked=True)
)
router.delete(
    "/{comment_id}/like", name="unlike", response_model=CommandAccepted, summary="Unlike a comment"
)(comment_command(unlike_comment, UnlikeComment, liked=False))
router.put(
    "/{comment_id}/pin", name="pin", response_model=CommandAccepted, summary="Pin a root comment (staff)"
)(comment_command(pin_comment, PinComment, is_pinned=True))
router.delete(
    "/{comment_id}/pin", name="unpin", response_model=CommandAccepted, summary="Unpin a comment (staff)"
)(comment_command(unpin_comment, UnpinComment, is_pinned=False))


@router.get("/{comment_id}/replies", response_model=CommentPage, summary="Direct replies, paged")
async def replies(
    comment_id: str,
    tenant_id: ReadTenantDep,
    actor: OptionalActorDep,
    container: ContainerDep,
    params: PageParamsDep,
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
