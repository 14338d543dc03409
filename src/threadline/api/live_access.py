"""Who may follow what, checked once for both ways a live stream is served (the route in
``routes/live.py`` and the fast path in ``fast_live.py``): the resume position, the follower's
token (a header, or ``?access_token=`` for EventSource), the tenant as for a read, and the
subscription within its limits."""

from __future__ import annotations

import re

from fastapi import Request

from threadline.api.access import anonymous_read_refusal
from threadline.api.dependencies import enforce_rate_limit
from threadline.api.errors import (
    InvalidLastEventId,
    LiveUpdatesDisabled,
    TenantMismatch,
    TenantRequired,
    TooManyLiveStreams,
)
from threadline.application.live.hub import LiveViewer, Subscription
from threadline.application.live.hub import TooManyLiveStreams as HubFull
from threadline.application.queries.read_your_writes import MAX_POSITION
from threadline.bootstrap import Threadline
from threadline.domain.authorization import Action, is_allowed
from threadline.domain.errors import InvalidToken, TenantDisabled
from threadline.domain.identity import Actor
from threadline.domain.tenant import TenantStatus

_POSITION = re.compile(r"[0-9]{1,19}")


def resume_position(last_event_id: str | None, after: str | None) -> int | None:
    """Where a stream resumes: the browser's ``Last-Event-ID`` on a reconnect wins over the
    ``after`` the page first asked for."""
    given = last_event_id if last_event_id is not None else after
    if given is None:
        return None
    given = given.strip()
    if not _POSITION.fullmatch(given) or int(given) > MAX_POSITION:
        raise InvalidLastEventId()
    return int(given)


async def live_actor(
    container: Threadline, authorization: str | None, access_token: str | None
) -> Actor | None:
    if authorization is not None:
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise InvalidToken("use 'Authorization: Bearer <token>'")
        return await container.verifier.verify(token.strip())
    if access_token is not None:
        return await container.verifier.verify(access_token.strip())
    return None


async def live_tenant(
    request: Request,
    container: Threadline,
    tenant_id: str | None,
    actor: Actor | None,
) -> str:
    """The tenant followed, checked as for a read: anonymous only where the tenant reads publicly."""
    if tenant_id is None:
        if actor is None:
            raise TenantRequired()
        tenant_id = actor.tenant_id
    if actor is not None and actor.tenant_id != tenant_id:
        raise TenantMismatch()
    tenant = await container.verifier.tenant(tenant_id)
    if actor is None:
        refusal = anonymous_read_refusal(tenant)
        if refusal is not None:
            raise refusal
    elif tenant is None or tenant.status is not TenantStatus.ACTIVE:
        raise TenantDisabled()
    await enforce_rate_limit(container, request, "read", tenant_id, actor)
    return tenant_id


def open_subscription(
    request: Request,
    container: Threadline,
    tenant_id: str,
    thread: tuple[str, str] | None,
    actor: Actor | None,
) -> Subscription:
    """The follower's subscription, within the per-tenant and per-address limits."""
    hub = container.live
    assert hub is not None
    viewer = LiveViewer(
        actor.user_id if actor else None,
        actor is not None and is_allowed(actor, Action.READ_UNPUBLISHED, None),
    )
    address = request.client.host if request.client else "unknown"
    try:
        return hub.subscribe(tenant_id, thread, viewer, address)
    except HubFull as full:
        raise TooManyLiveStreams(f"too many live streams for this {full.scope}; close one first") from full


async def live_started(container: Threadline) -> None:
    if container.live is None:
        raise LiveUpdatesDisabled()
    await container.live.start()
