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

from threadline.api.access import MAX_TENANT_ID_LENGTH, anonymous_read_refusal, limit_identities
from threadline.api.middleware import API_CSP, API_HEADERS
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
_MAX_KNOWN_QUERIES = 4096


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
        # (tenant, path, query string) -> the page it names: parsing and checking it once per
        # distinct request, not once per request. Bounded; cleared when full.
        self._queries: dict[tuple[str, str, bytes], _Known | None] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "GET":
            match = THREAD_PATH_REGEX.match(scope["path"])
            if match is not None:
                body = await self._ready_page(scope, match)
                if body is not None:
                    self.served += 1
                    await send(
                        {
                            "type": "http.response.start",
                            "status": 200,
                            "headers": [
                                (b"content-length", str(len(body)).encode()),
                                (b"content-type", b"application/json"),
                                *API_HEADERS,
                                API_CSP,
                            ],
                        }
                    )
                    await send({"type": "http.response.body", "body": body})
                    return
        await self.app(scope, receive, send)

    async def _ready_page(self, scope: Scope, path: re.Match[str]) -> bytes | None:
        container = self.container
        cache = container.cache
        tenant_id: str | None = None
        user_agent: bytes | None = None
        for name, value in scope["headers"]:
            if name == b"x-tenant-id":
                if tenant_id is not None:
                    return None
                tenant_id = value.decode("latin-1")
            elif name in (b"authorization", b"origin"):
                return None  # a signed-in or cross-origin read: the framework lays likes or CORS on
            elif name == b"user-agent" and user_agent is None:
                user_agent = value
        if tenant_id is None or len(tenant_id) > MAX_TENANT_ID_LENGTH:
            return None
        memo = (tenant_id, scope["path"], scope["query_string"])
        try:
            known = self._queries[memo]
        except KeyError:
            known = self._known(tenant_id, path["entity_type"], path["entity_id"], scope["query_string"])
            if len(self._queries) >= _MAX_KNOWN_QUERIES:
                self._queries.clear()
            self._queries[memo] = known
        if known is None:
            return None
        if anonymous_read_refusal(await container.verifier.tenant(tenant_id)) is not None:
            return None  # the framework answers the tenant's problem
        page: PreparedPage | None = None
        if cache is not None:
            page = await cached_page_at(known.scope, known.tail, cache)
        if page is None and known.prepared is not None:
            ttl = container.settings.cache_tree_ttl_seconds
            page = await prepared_thread_page(known.prepared, container.reader, cache, ttl)
        if page is None:
            return None  # the framework builds it (and counts this request against the limit)
        client = scope.get("client")
        host: str | None = client[0] if client else None
        limiter = container.rate_limiter
        if (
            limiter is not None
            and await limiter.check("read", tenant_id, limit_identities(host, None)) is not None
        ):
            return None  # the framework answers the 429 problem with its Retry-After
        viewer = anonymous_viewer(host or "", (user_agent or b"").decode("latin-1"))
        await count_view(container.views, tenant_id, known.scope, viewer, page.comment_ids)
        return page.body

    def _known(self, tenant_id: str, entity_type: str, entity_id: str, query_string: bytes) -> _Known | None:
        """Where the cache keeps the page the request names, read by the route's own parameter
        model and query builder; ``None`` for anything the routed request should judge."""
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
