"""Comment counts served without the framework: an anonymous ``GET /v1/counts`` answered from the
live counts structure.

A list page asks for the counts of every entity it shows, so this request comes as often as
pages are listed; from the structure it costs dictionary lookups (one HMGET with Redis), and the
framework's dependency resolution and parameter models would cost most of it.

It restates none of the route's rules: a query string is read by the route's own
``counts_query`` (once per distinct query string, then remembered), the answer is
``entity_counts``' and the bytes ``counts_body``'s, and the tenant gate and rate-limit
identities are ``api/access.py``'s. Anything else — a token, a CORS origin, ``min_position``
or any parameter but ``entity_type`` (once) and ``entity_id``, an invalid value, a disabled or
private tenant, a rate-limited caller, a structure not (yet) known complete — goes on to the
framework unchanged, which answers it the one documented way. A test compares both paths'
responses byte for byte.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Receive, Scope, Send

from threadline.api.access import MAX_TENANT_ID_LENGTH, anonymous_read_refusal, limit_identities
from threadline.api.middleware import API_CSP, API_HEADERS
from threadline.application.queries.entity_counts import CountsQuery, counts_body, counts_query
from threadline.bootstrap import Threadline
from threadline.domain.errors import DomainError

COUNTS_PATH = "/v1/counts"
_MAX_KNOWN_QUERIES = 4096


class FastCounts:
    def __init__(self, app: ASGIApp, container: Threadline) -> None:
        self.app = app
        self.container = container
        self.served = 0  # requests answered here rather than by the framework
        # query string -> the request it names (None: the framework judges it). Bounded.
        self._queries: dict[bytes, CountsQuery | None] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "GET" and scope["path"] == COUNTS_PATH:
            body = await self._counts(scope)
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

    async def _counts(self, scope: Scope) -> bytes | None:
        container = self.container
        live = container.live_counts
        if live is None:
            return None
        tenant_id: str | None = None
        for name, value in scope["headers"]:
            if name == b"x-tenant-id":
                if tenant_id is not None:
                    return None
                tenant_id = value.decode("latin-1")
            elif name in (b"authorization", b"origin"):
                return None  # a signed-in or cross-origin read: the framework checks it or adds CORS
        if tenant_id is None or len(tenant_id) > MAX_TENANT_ID_LENGTH:
            return None
        query_string: bytes = scope["query_string"]
        try:
            query = self._queries[query_string]
        except KeyError:
            query = _known(query_string)
            if len(self._queries) >= _MAX_KNOWN_QUERIES:
                self._queries.clear()
            self._queries[query_string] = query
        if query is None:
            return None
        if anonymous_read_refusal(await container.verifier.tenant(tenant_id)) is not None:
            return None  # the framework answers the tenant's problem
        counts = await live.lookup(tenant_id, query.entity_type, query.entity_ids)
        if counts is None:
            return None  # not known complete: the framework reads the read model
        client = scope.get("client")
        limiter = container.rate_limiter
        if (
            limiter is not None
            and await limiter.check("read", tenant_id, limit_identities(client[0] if client else None, None))
            is not None
        ):
            return None  # the framework answers the 429 problem with its Retry-After
        return counts_body(query, counts)


def _known(query_string: bytes) -> CountsQuery | None:
    """The request the query string names, read by the route's own rules; ``None`` for anything
    the routed request should judge (including parameters the route would merely ignore)."""
    try:
        pairs = parse_qsl(query_string.decode("ascii"), keep_blank_values=True, strict_parsing=True)
        types = [value for name, value in pairs if name == "entity_type"]
        ids = [value for name, value in pairs if name == "entity_id"]
        if len(types) != 1 or len(types) + len(ids) != len(pairs):
            return None
        return counts_query(types[0], ids)
    except (DomainError, ValueError):  # UnicodeDecodeError too
        return None
