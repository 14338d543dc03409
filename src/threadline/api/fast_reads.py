"""The hot read, served without the framework: an anonymous request for a thread page that the
page cache already holds.

Threads are read far more than written, and a popular thread's first page is nearly always
cached, so this one request decides the service's read throughput. The profile showed the
framework (dependency resolution, parameter models, its middleware chain) costing most of a
cached read, so this wrapper answers it directly: the same parameter rules, tenant checks, rate
limit, view count and security headers as the routed request, then the cached bytes as they are.

Anything else — a token, a CORS origin, ``min_position``, a parameter it does not know or that is
out of range, a disabled or private tenant, a rate-limited caller, a cache miss — goes on to
the framework unchanged, which answers it (errors included) the one documented way. A test
compares both paths' responses byte for byte.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Receive, Scope, Send

from threadline.api.middleware import API_CSP, API_HEADERS
from threadline.api.responses import anonymous_viewer
from threadline.application.queries.cache_scopes import thread_scope
from threadline.application.queries.thread_page import Sort, ThreadPageQuery, cached_page_at, page_key_tail
from threadline.bootstrap import Threadline
from threadline.domain.errors import DomainError
from threadline.domain.rules import valid_entity_id, valid_entity_type
from threadline.domain.tenant import TenantStatus

_THREAD_PATH = re.compile(r"/v1/entities/([^/]+)/([^/]+)/comments")
# name -> (lowest, highest) for the integer parameters, as the routed request's PageParams says.
_BOUNDS = {"limit": (1, 100), "page": (1, 10_000), "depth": (0, 10), "replies_limit": (0, 100)}
_SORTS = frozenset(sort.value for sort in Sort)
_MAX_CURSOR = 200
_MAX_TENANT_ID = 64
_MAX_KNOWN_QUERIES = 4096


@dataclass(frozen=True, slots=True)
class _Known:
    """A request already parsed and checked: where the cache keeps the page it names."""

    scope: str
    tail: str


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
            match = _THREAD_PATH.fullmatch(scope["path"])
            if match is not None:
                body = await self._cached_page(scope, match.group(1), match.group(2))
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

    async def _cached_page(self, scope: Scope, entity_type: str, entity_id: str) -> bytes | None:
        container = self.container
        cache = container.cache
        if cache is None:
            return None
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
        if tenant_id is None or len(tenant_id) > _MAX_TENANT_ID:
            return None
        memo = (tenant_id, scope["path"], scope["query_string"])
        try:
            known = self._queries[memo]
        except KeyError:
            query = self._query(tenant_id, entity_type, entity_id, scope["query_string"])
            known = (
                _Known(thread_scope(tenant_id, query.entity_type, query.entity_id), page_key_tail(query))
                if query
                else None
            )
            if len(self._queries) >= _MAX_KNOWN_QUERIES:
                self._queries.clear()
            self._queries[memo] = known
        if known is None:
            return None
        tenant = await container.verifier.tenant(tenant_id)
        if tenant is None or tenant.status is not TenantStatus.ACTIVE or not tenant.settings.public_reads:
            return None
        page = await cached_page_at(known.scope, known.tail, cache)
        if page is None:
            return None  # the framework builds it (and counts this request against the limit)
        client = scope.get("client")
        host: str | None = client[0] if client else None
        limiter = container.rate_limiter
        identity = f"address:{host or 'unknown'}"
        if limiter is not None and await limiter.check("read", tenant_id, [identity]) is not None:
            return None  # the framework answers the 429 problem with its Retry-After
        viewer = anonymous_viewer(host or "", (user_agent or b"").decode("latin-1"))
        await container.views.record(tenant_id, known.scope, viewer, page.comment_ids)
        return page.body

    def _query(
        self, tenant_id: str, entity_type: str, entity_id: str, query_string: bytes
    ) -> ThreadPageQuery | None:
        """The page the request names, or ``None`` for anything the routed request should judge."""
        try:
            entity_type, entity_id = valid_entity_type(entity_type), valid_entity_id(entity_id)
            pairs = parse_qsl(query_string.decode("ascii"), keep_blank_values=True, strict_parsing=True)
        except (DomainError, UnicodeDecodeError, ValueError):
            return None
        values: dict[str, int] = {"limit": 20, "page": 1, "depth": 3, "replies_limit": 5}
        sort, cursor, seen = "newest", None, set()
        for name, value in pairs:
            if name in seen:
                return None
            seen.add(name)
            if name in _BOUNDS:
                low, high = _BOUNDS[name]
                if not (
                    value.isascii() and value.isdigit() and len(value) <= 6 and low <= int(value) <= high
                ):
                    return None
                values[name] = int(value)
            elif name == "sort" and value in _SORTS:
                sort = value
            elif name == "cursor" and 0 < len(value) <= _MAX_CURSOR:
                cursor = value
            else:
                return None  # min_position, an unknown name, or a value to refuse with a problem
        settings = self.container.settings
        return ThreadPageQuery(
            tenant_id=tenant_id,
            entity_type=entity_type,
            entity_id=entity_id,
            parent_id=None,
            parent_reply_count=0,
            sort=Sort(sort),
            limit=min(values["limit"], settings.max_page_limit),
            page=values["page"],
            cursor=cursor,
            depth=min(values["depth"], settings.max_nested_depth),
            replies_per_comment=values["replies_limit"],
        )
