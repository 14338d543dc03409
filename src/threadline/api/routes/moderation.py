"""Moderation: approve, reject and report comments; the moderator queue; bans; thread locks."""

from __future__ import annotations

from typing import Annotated

import orjson
from fastapi import APIRouter, Body, Query
from starlette.responses import Response

from threadline.api.dependencies import CommandContextDep, ContainerDep, MinPosition, ReadingActorDep
from threadline.api.problems import ERROR_RESPONSES
from threadline.api.responses import POSITION_HEADER, command_response, json_bytes, read_plan
from threadline.api.routes.comment_commands import comment_command
from threadline.api.schemas import (
    BanBody,
    BannedUsers,
    BanResult,
    CommandAccepted,
    CommentTimeline,
    LockedThreads,
    LockResult,
    ModerationQueue,
    ReasonBody,
    ReportBody,
    UserActions,
    UserComments,
)
from threadline.application.command_runner import CommandOutcome
from threadline.application.commands.ban_user import ban_user, unban_user
from threadline.application.commands.lock_thread import lock_thread, unlock_thread
from threadline.application.commands.moderate_comment import approve_comment, reject_comment
from threadline.application.commands.report_comment import report_comment
from threadline.application.queries.comment_timeline import comment_timeline
from threadline.application.queries.moderation import banned_users, locked_threads, moderation_queue
from threadline.application.queries.user_activity import user_actions, user_comments
from threadline.domain.clock import utc_now
from threadline.domain.commands import (
    ApproveComment,
    BanUser,
    LockThread,
    RejectComment,
    ReportComment,
    UnbanUser,
    UnlockThread,
)

router = APIRouter(tags=["moderation"], responses=ERROR_RESPONSES)
Cursor = Annotated[str | None, Query(max_length=256, description="next_cursor of the previous page")]
Limit = Annotated[int, Query(ge=1, le=100)]


def _result(outcome: CommandOutcome, **fields: object) -> Response:
    body = {"position": outcome.position, "changed": outcome.changed, **fields}
    return json_bytes(orjson.dumps(body), headers={POSITION_HEADER: str(outcome.position)})


router.post(
    "/v1/comments/{comment_id}/approve",
    name="approve",
    response_model=CommandAccepted,
    summary="Publish a pending comment, or keep a reported one and dismiss its reports (staff)",
)(comment_command(approve_comment, ApproveComment))


@router.post(
    "/v1/comments/{comment_id}/reject",
    response_model=CommandAccepted,
    summary="Turn a pending comment down, or take a live one down (staff)",
)
async def reject(
    comment_id: str,
    context: CommandContextDep,
    container: ContainerDep,
    body: Annotated[ReasonBody | None, Body()] = None,
) -> Response:
    command = RejectComment(comment_id, body.reason if body else None)
    return command_response(await container.runner.run(reject_comment, command, context))


@router.post(
    "/v1/comments/{comment_id}/report",
    response_model=CommandAccepted,
    summary="Report a comment to the moderators (once per user)",
)
async def report(
    comment_id: str, body: ReportBody, context: CommandContextDep, container: ContainerDep
) -> Response:
    outcome = await container.runner.run(report_comment, ReportComment(comment_id, body.reason), context)
    return command_response(outcome)


@router.get(
    "/v1/moderation/queue",
    response_model=ModerationQueue,
    summary="Pending and reported comments, oldest first (staff)",
)
async def queue(
    actor: ReadingActorDep,
    container: ContainerDep,
    kind: Annotated[
        str | None, Query(description="pending or reported; both if omitted", max_length=16)
    ] = None,
    cursor: Cursor = None,
    limit: Limit = 20,
    min_position: MinPosition = None,
) -> Response:
    assert container.moderation is not None
    plan = await read_plan(container, min_position)  # the queue is always read from the primary
    page = await moderation_queue(actor, container.moderation, kind=kind, cursor=cursor, limit=limit)
    return json_bytes(orjson.dumps(page), headers=plan.headers)


@router.get("/v1/moderation/bans", response_model=BannedUsers, summary="Users banned now (staff)")
async def bans(
    actor: ReadingActorDep,
    container: ContainerDep,
    cursor: Cursor = None,
    limit: Limit = 50,
    min_position: MinPosition = None,
) -> Response:
    assert container.moderation is not None
    plan = await read_plan(container, min_position)
    page = await banned_users(actor, container.moderation, utc_now(), cursor=cursor, limit=limit)
    return json_bytes(orjson.dumps(page), headers=plan.headers)


@router.get(
    "/v1/moderation/locks",
    response_model=LockedThreads,
    summary="Locked threads, the newest lock first, with who locked them, when and why (staff)",
)
async def locks(
    actor: ReadingActorDep,
    container: ContainerDep,
    cursor: Cursor = None,
    limit: Limit = 50,
    min_position: MinPosition = None,
) -> Response:
    assert container.moderation is not None
    plan = await read_plan(container, min_position)
    page = await locked_threads(actor, container.moderation, cursor=cursor, limit=limit)
    return json_bytes(orjson.dumps(page), headers=plan.headers)


@router.get(
    "/v1/moderation/comments/{comment_id}/timeline",
    response_model=CommentTimeline,
    summary="Everything that happened to a comment, oldest first, from the event log (staff)",
)
async def timeline(
    comment_id: str,
    actor: ReadingActorDep,
    container: ContainerDep,
    cursor: Cursor = None,
    limit: Limit = 50,
    min_position: MinPosition = None,
) -> Response:
    assert container.moderation is not None
    plan = await read_plan(container, min_position)
    page = await comment_timeline(
        actor, comment_id, container.moderation, plan.reader, container.events, cursor=cursor, limit=limit
    )
    return json_bytes(orjson.dumps(page), headers=plan.headers)


@router.get(
    "/v1/moderation/users/{user_id}/comments",
    response_model=UserComments,
    summary="A user's comments in any status, newest first, and the ban in force on them (staff)",
)
async def comments_of_user(
    user_id: str,
    actor: ReadingActorDep,
    container: ContainerDep,
    cursor: Cursor = None,
    limit: Limit = 50,
    min_position: MinPosition = None,
) -> Response:
    assert container.moderation is not None
    plan = await read_plan(container, min_position)
    page = await user_comments(
        actor, user_id, container.moderation, plan.reader, utc_now(), cursor=cursor, limit=limit
    )
    return json_bytes(orjson.dumps(page), headers=plan.headers)


@router.get(
    "/v1/moderation/users/{user_id}/actions",
    response_model=UserActions,
    summary="Actions on a user and on their comments, newest first: bans, approvals, rejections, "
    "deletions by others, pins, reports (staff)",
)
async def actions_on_user(
    user_id: str,
    actor: ReadingActorDep,
    container: ContainerDep,
    cursor: Cursor = None,
    limit: Limit = 50,
    min_position: MinPosition = None,
) -> Response:
    assert container.moderation is not None
    plan = await read_plan(container, min_position)
    page = await user_actions(
        actor, user_id, container.moderation, container.events, cursor=cursor, limit=limit
    )
    return json_bytes(orjson.dumps(page), headers=plan.headers)


@router.put(
    "/v1/moderation/bans/{user_id}",
    response_model=BanResult,
    summary="Ban a user from commenting, liking and editing in this tenant (staff)",
)
async def ban(
    user_id: str,
    context: CommandContextDep,
    container: ContainerDep,
    body: Annotated[BanBody | None, Body()] = None,
) -> Response:
    command = BanUser(user_id, body.reason if body else None, body.expires_at if body else None)
    outcome = await container.runner.run(ban_user, command, context)
    return _result(outcome, user_id=user_id, banned=True)


@router.delete("/v1/moderation/bans/{user_id}", response_model=BanResult, summary="Lift a ban (staff)")
async def unban(user_id: str, context: CommandContextDep, container: ContainerDep) -> Response:
    outcome = await container.runner.run(unban_user, UnbanUser(user_id), context)
    return _result(outcome, user_id=user_id, banned=False)


@router.put(
    "/v1/entities/{entity_type}/{entity_id}/lock",
    response_model=LockResult,
    summary="Lock a thread: no new comments from users (staff)",
)
async def lock(
    entity_type: str,
    entity_id: str,
    context: CommandContextDep,
    container: ContainerDep,
    body: Annotated[ReasonBody | None, Body()] = None,
) -> Response:
    command = LockThread(entity_type, entity_id, body.reason if body else None)
    outcome = await container.runner.run(lock_thread, command, context)
    return _result(outcome, entity_type=entity_type, entity_id=entity_id, locked=True)


@router.delete(
    "/v1/entities/{entity_type}/{entity_id}/lock",
    response_model=LockResult,
    summary="Unlock a thread (staff)",
)
async def unlock(
    entity_type: str, entity_id: str, context: CommandContextDep, container: ContainerDep
) -> Response:
    outcome = await container.runner.run(unlock_thread, UnlockThread(entity_type, entity_id), context)
    return _result(outcome, entity_type=entity_type, entity_id=entity_id, locked=False)
