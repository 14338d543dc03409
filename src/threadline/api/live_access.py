"""Who may follow what, checked once for both ways a live stream is served (the route in
``routes/live.py`` and the fast path in ``fast_live.py``): the resume position, the follower's
token (a header, or ``?access_token=`` for EventSource), and the subscription within its limits.
The tenant is checked as for any read (``dependencies.read_tenant``)."""

from __future__ import annotations

import re

from fastapi import Request

from threadline.api.dependencies import optional_actor
from threadline.api.errors import InvalidLastEventId, LiveUpdatesDisabled, TooManyLiveStreams
from threadline.application.live.hub import LiveViewer, StreamLimitReached, Subscription
from threadline.application.queries.read_your_writes import MAX_POSITION
from threadline.bootstrap import Threadline
from threadline.domain.authorization import Action, is_allowed
from threadline.domain.identity import Actor

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
    """The follower: as for any request (``Authorization``), else the token EventSource carries in
    the query."""
    actor = await optional_actor(container, authorization)
    if actor is None and access_token is not None:
        return await container.verifier.verify(access_token.strip())
    return actor


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
    except StreamLimitReached as full:
        raise TooManyLiveStreams(f"too many live streams for this {full.scope}; close one first") from full


async def live_started(container: Threadline) -> None:
    if container.live is None:
        raise LiveUpdatesDisabled()
    await container.live.start()
