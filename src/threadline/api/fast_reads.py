"""The hot read, served without the framework: an anonymous request for a thread page that the
page cache already holds, or that the projector keeps prepared (the first page of each sort at the
default shape: one primary-key read of bytes, then put into the cache).

Threads are read far more than written, and a popular thread's first page is nearly always
cached, so this one request decides the service's read throughput. The profile showed the
framework (dependency resolution, parameter models, its middleware chain) costing most of a
cached read, so this wrapper answers it directly, then the cached bytes as they are.

It restates none of the route's rules: the path is the route's own (compiled as the router
compiles it), a query string is read by the route's ``PageParams`` and ``page_query`` (once per
distinct request, then remembered), and the tenant gate, the rate-limit identities and the view
count are the functions the routed request calls (``api/access.py``, ``api/viewers.py``).
Anything else — a token, a CORS origin, ``min_position``, a parameter the route would refuse,
a disabled or private tenant, a rate-limited caller, a miss of any other page — goes on to the framework
unchanged, which answers it (errors included) the one documented way. A test compares both
paths' responses byte for byte.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qsl

from starlette.routing import compile_path
from starlette.types import ASGIApp, Receive, Scope, Send

from threadline.api.fast_path import (
    Remembered,
    anonymous_caller,
    client_host,
    may_read,
    send_json,
    within_limit,
)
from threadline.api.routes.thread_params import THREAD_PATH, PageParams, page_query, repeated_parameter
from threadline.api.viewers import anonymous_viewer, count_view
from threadline.application.queries.cache_scopes import thread_scope
from threadline.application.queries.thread_page import (
    PreparedPage,
    ThreadPageQuery,
    cached_page_at,
    is_prepared,
    page_key_tail,
    prepared_thread_page,
)
from threadline.bootstrap import Threadline
from threadline.domain.errors import DomainError

# The router's own pattern for the route's path, so both match exactly the same requests.
THREAD_PATH_REGEX: re.Pattern[str] = compile_path(THREAD_PATH)[0]


@dataclass(frozen=True, slots=True)
class _Known:
    """A request already parsed and checked: where the cache keeps the page it names."""

    scope: str
    tail: str
    prepared: ThreadPageQuery | None  # the query, if the projector keeps its page ready


class FastThreadReads:
    def __init__(self, app: ASGIApp, container: Threadline) -> None:
        self.app = app
        self.container = container
        self.served = 0  # requests answered here rather than by the framework
        # (tenant, path, query string) -> the page it names, parsed and checked once.
        self._known = Remembered(self._parse)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "GET" and THREAD_PATH_REGEX.match(scope["path"]):
            body = await self._ready_page(scope)
            if body is not None:
                self.served += 1
                await send_json(send, body)
                return
        await self.app(scope, receive, send)

    async def _ready_page(self, scope: Scope) -> bytes | None:
        container = self.container
        cache = container.cache
        caller = anonymous_caller(scope)
        if caller is None:
            return None
        tenant_id = caller.tenant_id
        known = self._known((tenant_id, scope["path"], scope["query_string"]))
        if known is None or not await may_read(container, tenant_id):
            return None
        page: PreparedPage | None = None
        if cache is not None:
            page = await cached_page_at(known.scope, known.tail, cache)
        if page is None and known.prepared is not None:
            ttl = container.settings.cache_tree_ttl_seconds
            page = await prepared_thread_page(known.prepared, container.reader, cache, ttl)
        if page is None:
            return None  # the framework builds it (and counts this request against the limit)
        host = client_host(scope)
        if not await within_limit(container, tenant_id, host):
            return None
        viewer = anonymous_viewer(host or "", (caller.user_agent or b"").decode("latin-1"))
        await count_view(container.views, tenant_id, known.scope, viewer, page.comment_ids)
        return page.body

    def _parse(self, request: tuple[str, str, bytes]) -> _Known | None:
        """Where the cache keeps the page the request names, read by the route's own parameter
        model and query builder; ``None`` for anything the routed request should judge."""
        tenant_id, path, query_string = request
        match = THREAD_PATH_REGEX.match(path)
        assert match is not None
        entity_type, entity_id = match["entity_type"], match["entity_id"]
        try:
            pairs = parse_qsl(query_string.decode("ascii"), keep_blank_values=True, strict_parsing=True)
            if repeated_parameter(name for name, _ in pairs) is not None:
                return None
            params = PageParams.model_validate(dict(pairs))
            if params.min_position is not None:
                return None  # read-your-writes: the route waits for the projection
            query = page_query(self.container, tenant_id, entity_type, entity_id, params)
        except (DomainError, ValueError):  # pydantic's ValidationError and UnicodeDecodeError too
            return None
        prepared = query if is_prepared(query, self.container.projector.preparer.shape) else None
        return _Known(
            thread_scope(tenant_id, query.entity_type, query.entity_id), page_key_tail(query), prepared
        )
