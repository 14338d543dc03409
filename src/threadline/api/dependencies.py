"""Typed dependencies: the container, the caller, and the tenant a read is about."""

from __future__ import annotations

import hmac
import re
import uuid
from typing import Annotated

from fastapi import Body, Depends, Header, Query, Request

from threadline.api.access import MAX_TENANT_ID_LENGTH, anonymous_read_refusal, limit_identities
from threadline.api.errors import (
    AuthenticationRequired,
    OperatorApiDisabled,
    OperatorKeyRequired,
    RateLimited,
    TenantMismatch,
    TenantRequired,
)
from threadline.api.schemas import DeleteCommentBody
from threadline.application.command_runner import CommandContext
from threadline.application.queries.read_your_writes import MAX_POSITION
from threadline.bootstrap import Threadline
from threadline.domain.errors import InvalidToken
from threadline.domain.identity import Actor
from threadline.domain.tenant import TenantSettings

_CORRELATION_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")


def get_container(request: Request) -> Threadline:
    container: Threadline = request.app.state.threadline
    return container


ContainerDep = Annotated[Threadline, Depends(get_container)]


async def optional_actor(
    container: ContainerDep,
    authorization: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> Actor | None:
    if authorization is None:
        return None
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise InvalidToken("use 'Authorization: Bearer <token>'")
    return await container.verifier.verify(token.strip())


OptionalActorDep = Annotated[Actor | None, Depends(optional_actor)]


async def required_actor(actor: OptionalActorDep) -> Actor:
    if actor is None:
        raise AuthenticationRequired()
    return actor


ActorDep = Annotated[Actor, Depends(required_actor)]


async def enforce_rate_limit(
    container: Threadline, request: Request, kind: str, tenant_id: str, actor: Actor | None
) -> None:
    limiter = container.rate_limiter
    if limiter is None:
        return
    host = request.client.host if request.client else None
    retry_after = await limiter.check(
        kind, tenant_id, limit_identities(host, actor.user_id if actor else None)
    )
    if retry_after is not None:
        raise RateLimited(retry_after)


TenantHeader = Annotated[str | None, Header(description="Optional; must match the token's tenant")]


async def _tenant_actor(
    request: Request, container: Threadline, actor: Actor, x_tenant_id: str | None, kind: str
) -> Actor:
    if x_tenant_id is not None and x_tenant_id != actor.tenant_id:
        raise TenantMismatch()
    await enforce_rate_limit(container, request, kind, actor.tenant_id, actor)
    return actor


async def command_actor(
    request: Request, container: ContainerDep, actor: ActorDep, x_tenant_id: TenantHeader = None
) -> Actor:
    return await _tenant_actor(request, container, actor, x_tenant_id, "write")


CommandActorDep = Annotated[Actor, Depends(command_actor)]


async def reading_actor(
    request: Request, container: ContainerDep, actor: ActorDep, x_tenant_id: TenantHeader = None
) -> Actor:
    """An authenticated read (history, audit, export): counted against the read limits."""
    return await _tenant_actor(request, container, actor, x_tenant_id, "read")


ReadingActorDep = Annotated[Actor, Depends(reading_actor)]


async def read_tenant(
    request: Request,
    container: ContainerDep,
    actor: OptionalActorDep,
    x_tenant_id: Annotated[
        str | None, Header(description="The tenant to read; optional when a bearer token names it")
    ] = None,
) -> str:
    """Reads are public: the tenant comes from X-Tenant-ID, and a token must not disagree."""
    if x_tenant_id is None:
        if actor is None:
            raise TenantRequired()
        tenant_id = actor.tenant_id
    elif actor is not None and actor.tenant_id != x_tenant_id:
        raise TenantMismatch()
    elif actor is None:
        known = len(x_tenant_id) <= MAX_TENANT_ID_LENGTH
        refusal = anonymous_read_refusal(await container.verifier.tenant(x_tenant_id) if known else None)
        if refusal is not None:
            raise refusal
        tenant_id = x_tenant_id
    else:
        tenant_id = x_tenant_id
    await enforce_rate_limit(container, request, "read", tenant_id, actor)
    return tenant_id


ReadTenantDep = Annotated[str, Depends(read_tenant)]


def correlation_id(
    x_correlation_id: Annotated[str | None, Header(description="Echoed into event metadata")] = None,
) -> str:
    if x_correlation_id and _CORRELATION_ID.fullmatch(x_correlation_id):
        return x_correlation_id
    return str(uuid.uuid4())


CorrelationDep = Annotated[str, Depends(correlation_id)]


async def command_context(
    container: ContainerDep, actor: CommandActorDep, correlation: CorrelationDep
) -> CommandContext:
    """Every command route's context, built here only: the signed-in, rate-limited actor, the
    request's correlation id and the tenant's settings (pre-moderation, entity types, erasure),
    so no command runs with defaults in place of what its tenant chose."""
    tenant = await container.verifier.tenant(actor.tenant_id)
    return CommandContext(actor, correlation, tenant_settings=tenant.settings if tenant else TenantSettings())


CommandContextDep = Annotated[CommandContext, Depends(command_context)]


def delete_reason(
    reason: Annotated[str | None, Query(max_length=1000)] = None,
    body: Annotated[DeleteCommentBody | None, Body()] = None,
) -> str | None:
    """Why a comment is deleted (soft or hard): the body's reason, else the query's, for clients
    that cannot send a body with DELETE."""
    return body.reason if body is not None and body.reason else reason


DeleteReasonDep = Annotated[str | None, Depends(delete_reason)]


MinPosition = Annotated[
    int | None, Query(ge=0, le=MAX_POSITION, description="Wait until the read model has this log position")
]


async def operator(
    container: ContainerDep,
    x_operator_key: Annotated[str | None, Header(description="THREADLINE_OPERATOR_KEY")] = None,
) -> None:
    """Operators manage tenants, nothing else; compared in constant time."""
    configured = container.settings.operator_key
    if configured is None:
        raise OperatorApiDisabled()
    if x_operator_key is None or not hmac.compare_digest(
        x_operator_key.encode(), configured.get_secret_value().encode()
    ):
        raise OperatorKeyRequired()


OperatorDep = Depends(operator)
