"""One live stream as Server-Sent Events: the messages a resuming client missed, read from the
live feed, then the live tail from its subscription, with no gap and no duplicate.

Framing is sse-starlette's (``ServerSentEvent``); each message is framed once, however many
streams send it. Events: a message's own name (``comment.created`` …) with the log position as
its ``id``; ``ready`` once caught up (its ``id`` the position the stream stands at, so a client
that reconnects before any change resumes from there); ``reset`` when the client must reload the
thread instead (its position is older than the retention window, or it fell too far behind);
a ``: heartbeat`` comment after each idle heartbeat interval.
"""

from __future__ import annotations

import asyncio
import functools
import time
import weakref
from collections.abc import AsyncGenerator

import anyio
import orjson
from sse_starlette.event import ServerSentEvent
from sse_starlette.sse import EventSourceResponse

from threadline.application.live.hub import LiveHub, Subscription
from threadline.application.ports.live import LiveMessage
from threadline.bootstrap import Threadline
from threadline.domain.tenant import TenantStatus

RESUME_PAGE = 500
SHUTDOWN_GRACE_SECONDS = 2.0


def drained_on_shutdown(hub: LiveHub) -> anyio.Event:
    """The shutdown event of every stream of ``hub``, routed or fast, with one task per hub that
    waits for uvicorn's exit (sse-starlette's own watcher, which its routed responses wait on
    too), then sets it and closes every subscription: each stream finishes its response (its
    client reconnects elsewhere and resumes) instead of being cancelled mid-response, and
    shutdown does not wait for open streams."""
    drain = _DRAINS.get(hub)
    if drain is None:
        event = anyio.Event()
        drain = _DRAINS[hub] = (event, asyncio.create_task(_drain_on_exit(hub, event)))
    return drain[0]


async def _drain_on_exit(hub: LiveHub, event: anyio.Event) -> None:
    # A static method sse-starlette's responses use, not part of its documented API.
    await EventSourceResponse._listen_for_exit_signal()
    event.set()
    hub.close_streams()


_DRAINS: weakref.WeakKeyDictionary[LiveHub, tuple[anyio.Event, asyncio.Task[None]]] = (
    weakref.WeakKeyDictionary()
)


# Sent by the stream itself when it has been idle for a heartbeat: it wakes then anyway (for the
# tenant check), so sse-starlette's ping task (a second timer and task per stream, the most CPU
# 5,000 idle streams cost) is off.
HEARTBEAT = ServerSentEvent(comment="heartbeat").encode()


@functools.lru_cache(maxsize=8192)
def frame(message: LiveMessage) -> bytes:
    """The message as an SSE frame; framed once, sent to every stream that may see it."""
    return ServerSentEvent(data=message.data.decode(), event=message.event, id=str(message.position)).encode()


def reset_frame(reason: str) -> bytes:
    """No ``id``: the client's position stays, and a reload starts it afresh."""
    return ServerSentEvent(data=orjson.dumps({"reason": reason}).decode(), event="reset").encode()


def ready_frame(position: int) -> bytes:
    return ServerSentEvent(
        data=orjson.dumps({"position": position}).decode(), event="ready", id=str(position)
    ).encode()


async def live_events(
    container: Threadline, subscription: Subscription, after: int | None
) -> AsyncGenerator[bytes, None]:
    settings = container.settings
    hub = container.live
    assert hub is not None
    feed = hub.feed
    try:
        yield ServerSentEvent(retry=settings.live_retry_ms, comment="threadline live").encode()
        cursor = subscription.start
        if after is not None:
            if after < await feed.horizon() or after > await feed.head():
                # Older than what is kept, or a position this server's log never reached (a
                # rebuilt or another installation's): only a reload shows the thread right.
                yield reset_frame("position_unavailable")
                return
            cursor = after
            while cursor < subscription.start:
                page = await feed.read_after(
                    subscription.tenant_id,
                    cursor,
                    thread=subscription.thread,
                    through=subscription.start,
                    limit=RESUME_PAGE,
                )
                for message in page:
                    if subscription.viewer.may_see(message):
                        yield frame(message)
                if len(page) < RESUME_PAGE:
                    break
                cursor = page[-1].position
            cursor = max(after, subscription.start)
        yield ready_frame(cursor)
        checked_at = time.monotonic()
        while True:
            messages = await subscription.next(settings.live_heartbeat_seconds)
            if subscription.reset_reason is not None:
                yield reset_frame(subscription.reset_reason)
                return
            for message in messages:
                if message.position > cursor:
                    cursor = message.position
                    yield frame(message)
            if subscription.closed:
                return  # the server is shutting down: the client reconnects and resumes
            if not messages:
                yield HEARTBEAT
            if time.monotonic() - checked_at >= settings.live_heartbeat_seconds:
                checked_at = time.monotonic()
                tenant = await container.verifier.tenant(subscription.tenant_id)
                if tenant is None or tenant.status is not TenantStatus.ACTIVE:
                    yield reset_frame("tenant_disabled")
                    return
    finally:
        hub.unsubscribe(subscription)
