"""Live updates over Server-Sent Events: a thread's changes for everyone who may read it, and a
tenant's (the moderation queue included) for its moderators and admins. See
``api/live_stream.py`` for what a stream sends and ``application/live`` for how it is fed."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request
from sse_starlette import EventSourceResponse

from threadline.adapters.auth.jwt_tokens import MAX_TOKEN_LENGTH
from threadline.api.access import MAX_TENANT_ID_LENGTH
from threadline.api.dependencies import ContainerDep, read_tenant
from threadline.api.errors import AuthenticationRequired
from threadline.api.live_access import (
    live_actor,
    live_started,
    open_subscription,
    resume_position,
)
from threadline.api.live_stream import SHUTDOWN_GRACE_SECONDS, drained_on_shutdown, live_events
from threadline.api.problems import ERROR_RESPONSES
from threadline.bootstrap import Threadline
from threadline.domain.authorization import Action, ensure_allowed
from threadline.domain.identity import Actor
from threadline.domain.rules import valid_entity_id, valid_entity_type

router = APIRouter(tags=["live"], responses=ERROR_RESPONSES)

_STREAM: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/event-stream": {}}, "description": "A stream of Server-Sent Events"}
}

TenantQuery = Annotated[
    str | None,
    Query(max_length=MAX_TENANT_ID_LENGTH, description="The tenant, for EventSource (no headers)"),
]
TokenQuery = Annotated[
    str | None, Query(max_length=MAX_TOKEN_LENGTH, description="A bearer token, for EventSource (no headers)")
]
# No length bound here: ``resume_position`` judges every given position, so one too long is
# answered as malformed (400 invalid_last_event_id) like any other, not as a validation failure.
AfterQuery = Annotated[str | None, Query(description="Resume after this log position (as Last-Event-ID)")]
LastEventIdHeader = Annotated[str | None, Header()]


def _stream(
    request: Request,
    container: Threadline,
    tenant_id: str,
    thread: tuple[str, str] | None,
    actor: Actor | None,
    after: int | None,
) -> EventSourceResponse:
    hub = container.live
    assert hub is not None
    subscription = open_subscription(request, container, tenant_id, thread, actor)
    settings = container.settings
    return EventSourceResponse(
        live_events(container, subscription, after),
        shutdown_event=drained_on_shutdown(hub),
        shutdown_grace_period=SHUTDOWN_GRACE_SECONDS,
        ping=0,  # live_events sends the heartbeat
        send_timeout=settings.live_send_timeout_seconds,
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


@router.get(
    "/v1/entities/{entity_type}/{entity_id}/live",
    summary="Follow a thread: its changes as Server-Sent Events, resumable with Last-Event-ID",
    response_class=EventSourceResponse,
    responses=_STREAM,
)
async def thread_live(
    request: Request,
    entity_type: str,
    entity_id: str,
    container: ContainerDep,
    tenant: TenantQuery = None,
    access_token: TokenQuery = None,
    after: AfterQuery = None,
    x_tenant_id: Annotated[str | None, Header(max_length=MAX_TENANT_ID_LENGTH)] = None,
    authorization: Annotated[str | None, Header(include_in_schema=False)] = None,
    last_event_id: LastEventIdHeader = None,
) -> EventSourceResponse:
    position = resume_position(last_event_id, after)
    thread = (valid_entity_type(entity_type), valid_entity_id(entity_id))
    await live_started(container)
    actor = await live_actor(container, authorization, access_token)
    tenant_id = await read_tenant(request, container, actor, x_tenant_id or tenant)
    return _stream(request, container, tenant_id, thread, actor, position)


@router.get(
    "/v1/live",
    summary="Follow a whole tenant, its moderation queue included (moderators and admins)",
    response_class=EventSourceResponse,
    responses=_STREAM,
)
async def tenant_live(
    request: Request,
    container: ContainerDep,
    scope: Annotated[str, Query(pattern="^tenant$", description="What to follow: `tenant`")],
    tenant: TenantQuery = None,
    access_token: TokenQuery = None,
    after: AfterQuery = None,
    x_tenant_id: Annotated[str | None, Header(max_length=MAX_TENANT_ID_LENGTH)] = None,
    authorization: Annotated[str | None, Header(include_in_schema=False)] = None,
    last_event_id: LastEventIdHeader = None,
) -> EventSourceResponse:
    position = resume_position(last_event_id, after)
    await live_started(container)
    actor = await live_actor(container, authorization, access_token)
    if actor is None:
        raise AuthenticationRequired("following a whole tenant is for its moderators and admins")
    ensure_allowed(actor, Action.READ_QUEUE)
    tenant_id = await read_tenant(request, container, actor, x_tenant_id or tenant)
    return _stream(request, container, tenant_id, None, actor, position)
