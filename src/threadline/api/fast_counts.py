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

from threadline.api.fast_path import (
    Remembered,
    anonymous_caller,
    client_host,
    may_read,
    send_json,
    within_limit,
)
from threadline.application.queries.entity_counts import CountsQuery, counts_body, counts_query
from threadline.bootstrap import Threadline
from threadline.domain.errors import DomainError

COUNTS_PATH = "/v1/counts"


class FastCounts:
    def __init__(self, app: ASGIApp, container: Threadline) -> None:
        self.app = app
        self.container = container
        self.served = 0  # requests answered here rather than by the framework
        # query string -> the request it names (None: the framework judges it), parsed once.
        self._known = Remembered(_known)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "GET" and scope["path"] == COUNTS_PATH:
            body = await self._counts(scope)
            if body is not None:
                self.served += 1
                await send_json(send, body)
                return
        await self.app(scope, receive, send)

    async def _counts(self, scope: Scope) -> bytes | None:
        container = self.container
        live = container.live_counts
        if live is None:
            return None
        caller = anonymous_caller(scope)
        if caller is None:
            return None
        query = self._known(scope["query_string"])
        if query is None or not await may_read(container, caller.tenant_id):
            return None
        counts = await live.lookup(caller.tenant_id, query.entity_type, query.entity_ids)
        if counts is None:
            return None  # not known complete: the framework reads the read model
        if not await within_limit(container, caller.tenant_id, client_host(scope)):
            return None
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
