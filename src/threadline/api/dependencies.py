"""Typed dependencies: the container, the caller, and the tenant a read is about."""

from __future__ import annotations

import hmac
import re
import uuid
from typing import Annotated

from fastapi import Depends, Header, Query, Request

from threadline.application.command_runner import CommandContext
from threadline.bootstrap import Threadline
from threadline.domain.errors import (
    AuthenticationRequired,
    InvalidToken,
    OperatorApiDisabled,
    OperatorKeyRequired,
    RateLimited,
    TenantDisabled,
    TenantMismatch,
    TenantNotFound,
    TenantRequired,
)
from threadline.domain.identity import Actor
from threadline.domain.tenant import TenantSettings, TenantStatus

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
    identities = [f"address:{request.client.host if request.client else 'unknown'}"]
    if actor is not None:
        identities.insert(0, f"user:{actor.user_id}")
    retry_after = await limiter.check(kind, tenant_id, identities)
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
        tenant = await container.verifier.tenant(x_tenant_id) if len(x_tenant_id) <= 64 else None
        if tenant is None:
            raise TenantNotFound()
        if tenant.status is not TenantStatus.ACTIVE:
            raise TenantDisabled()
        if not tenant.settings.public_reads:
            raise AuthenticationRequired("this tenant's comments are for its signed-in users only")
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
    """The command's actor with the tenant's settings (pre-moderation, entity types) attached."""
    tenant = await container.verifier.tenant(actor.tenant_id)
    return CommandContext(actor, correlation, tenant_settings=tenant.settings if tenant else TenantSettings())


CommandContextDep = Annotated[CommandContext, Depends(command_context)]


MinPosition = Annotated[
    int | None, Query(ge=0, le=2**62, description="Wait until the read model has this log position")
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
