"""Admin routes: hard delete and the audit trail."""

from __future__ import annotations

from typing import Annotated

import orjson
from fastapi import APIRouter, Query
from starlette.responses import Response

from threadline.api.dependencies import CommandContextDep, ContainerDep, DeleteReasonDep, ReadingActorDep
from threadline.api.problems import ERROR_RESPONSES
from threadline.api.responses import command_response, json_bytes
from threadline.api.schemas import AuditPage, CommandAccepted
from threadline.application.commands.hard_delete_comment import hard_delete_comment
from threadline.application.queries.audit_trail import audit_cursor_position, audit_trail
from threadline.domain.commands import HardDeleteComment

router = APIRouter(prefix="/v1/admin", tags=["admin"], responses=ERROR_RESPONSES)


@router.delete(
    "/comments/{comment_id}",
    response_model=CommandAccepted,
    summary="Erase a comment for good (admin); its words leave every table and the event log",
)
async def hard_delete(
    comment_id: str, context: CommandContextDep, container: ContainerDep, reason: DeleteReasonDep
) -> Response:
    outcome = await container.runner.run(
        hard_delete_comment, HardDeleteComment(comment_id, reason or ""), context
    )
    return command_response(outcome)


@router.get("/audit", response_model=AuditPage, summary="The audit trail from the event log (admin)")
async def audit(
    actor: ReadingActorDep,
    container: ContainerDep,
    cursor: Annotated[
        str | None, Query(max_length=200, description="next_cursor of the previous page")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    comment_id: Annotated[str | None, Query(max_length=64)] = None,
    actor_id: Annotated[str | None, Query(max_length=256)] = None,
    event_type: Annotated[str | None, Query(max_length=64)] = None,
) -> Response:
    result = await audit_trail(
        actor,
        container.events,
        after_position=audit_cursor_position(cursor),
        limit=limit,
        comment_id=comment_id,
        actor_id=actor_id,
        event_type=event_type,
    )
    return json_bytes(orjson.dumps(result))
