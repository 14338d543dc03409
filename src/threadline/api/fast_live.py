"""Live streams served in front of the framework: the same checks as the route (``live_access``),
the same stream (``live_stream.live_events``), without the request chain a routed stream keeps
alive for as long as it is open (FastAPI's dependencies and routing, every middleware's frame,
sse-starlette's task group of four tasks). A stream here is its own task plus one that waits for
the client to go away: a few KB per idle follower instead of tens.

Anything the fast path would refuse (a malformed position, a bad token, a closed tenant, a full
limit, an unexpected parameter) goes to the route, which checks again and answers the problem, so
errors are written once, by the framework. CORS is the service's own (``TenantCors``), the
security headers are those every API answer carries, and shutdown ends these streams as it does
routed ones (``live_stream.drained_on_shutdown``).
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from threadline.adapters.auth.jwt_tokens import MAX_TOKEN_LENGTH
from threadline.api.access import MAX_TENANT_ID_LENGTH
from threadline.api.cors import TenantCors
from threadline.api.dependencies import read_tenant
from threadline.api.errors import TransportError
from threadline.api.live_access import (
    live_actor,
    live_started,
    open_subscription,
    resume_position,
)
from threadline.api.live_stream import drained_on_shutdown, live_events
from threadline.api.middleware import API_CSP, API_HEADERS
from threadline.application.live.hub import Subscription
from threadline.bootstrap import Threadline
from threadline.domain.authorization import Action, ensure_allowed
from threadline.domain.errors import DomainError
from threadline.domain.rules import valid_entity_id, valid_entity_type

_THREAD = re.compile(r"/v1/entities/([^/]+)/([^/]+)/live")
_TENANT = "/v1/live"
_OPENED = "threadline.live"
_HEADERS = (b"authorization", b"x-tenant-id", b"last-event-id")
_QUERY = frozenset({"tenant", "access_token", "after", "scope"})
STREAM_HEADERS = [
    (b"content-type", b"text/event-stream; charset=utf-8"),
    (b"cache-control", b"no-store"),
    (b"connection", b"keep-alive"),
    (b"x-accel-buffering", b"no"),
    *API_HEADERS,
    API_CSP,
]


class _Refused(Exception):
    """The fast path does not serve this request: the route does (and answers any problem)."""


@dataclass(frozen=True, slots=True)
class _Opened:
    subscription: Subscription
    after: int | None


class FastLiveStreams:
    def __init__(self, app: ASGIApp, container: Threadline) -> None:
        self.app = app
        self.container = container
        self._cors = TenantCors(self._serve, container)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET" or not scope["path"].endswith("/live"):
            await self.app(scope, receive, send)
            return
        try:
            opened = await self._open(scope)
        except (_Refused, TransportError, DomainError):
            await self.app(scope, receive, send)
            return
        await self._cors({**scope, _OPENED: opened}, receive, send)

    async def _open(self, scope: Scope) -> _Opened:
        path = scope["path"]
        thread_path = _THREAD.fullmatch(path)
        if thread_path is None and path != _TENANT:
            raise _Refused()
        headers: dict[bytes, str] = {}
        for name, value in scope["headers"]:
            if name in _HEADERS:
                if name in headers:
                    raise _Refused()  # repeated: the route decides
                headers[name] = value.decode("latin-1")
        query: dict[str, str] = {}
        for name, value in parse_qsl(scope["query_string"].decode("latin-1"), keep_blank_values=True):
            if name not in _QUERY or name in query:
                raise _Refused()
            query[name] = value
        tenant = headers.get(b"x-tenant-id") or query.get("tenant")
        token = query.get("access_token")
        if (tenant is not None and len(tenant) > MAX_TENANT_ID_LENGTH) or (
            token and len(token) > MAX_TOKEN_LENGTH
        ):
            raise _Refused()
        after = resume_position(headers.get(b"last-event-id"), query.get("after"))
        container = self.container
        if thread_path is not None:
            if "scope" in query:
                raise _Refused()
            thread: tuple[str, str] | None = (
                valid_entity_type(thread_path.group(1)),
                valid_entity_id(thread_path.group(2)),
            )
        else:
            if query.get("scope") != "tenant":
                raise _Refused()
            thread = None
        await live_started(container)
        actor = await live_actor(container, headers.get(b"authorization"), token)
        if thread is None:
            if actor is None:
                raise _Refused()
            ensure_allowed(actor, Action.READ_QUEUE)
        request = Request(scope)
        tenant_id = await read_tenant(request, container, actor, tenant)
        return _Opened(open_subscription(request, container, tenant_id, thread, actor), after)

    async def _serve(self, scope: Scope, receive: Receive, send: Send) -> None:
        opened: _Opened = scope[_OPENED]
        subscription = opened.subscription
        hub = self.container.live
        assert hub is not None
        drained_on_shutdown(hub)
        gone = asyncio.create_task(_until_disconnect(receive, subscription))
        events = live_events(self.container, subscription, opened.after)
        timeout = self.container.settings.live_send_timeout_seconds
        try:
            await send({"type": "http.response.start", "status": 200, "headers": STREAM_HEADERS})
            async for chunk in events:
                # A client that accepts nothing for this long is gone or hopelessly behind.
                async with asyncio.timeout(timeout):
                    await send({"type": "http.response.body", "body": chunk, "more_body": True})
            await send({"type": "http.response.body", "body": b"", "more_body": False})
        except (TimeoutError, OSError):
            pass
        finally:
            gone.cancel()
            await events.aclose()
            hub.unsubscribe(subscription)


async def _until_disconnect(receive: Receive, subscription: Subscription) -> None:
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            subscription.close()
            return
