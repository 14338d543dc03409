"""CORS from each tenant's allowed origins.

A preflight names no tenant (browsers send header names, not values), so it is answered for an
origin that any tenant allows; the real request then gets ``Access-Control-Allow-Origin`` only
if the tenant it names (X-Tenant-ID, or the token's ``tid``) allows that origin. Origins are
read from the tenant table at most every few seconds, by one request at a time: the others wait
for that read rather than answer from the origins known before it (none, at start).
"""

from __future__ import annotations

import asyncio
import base64
import time
from urllib.parse import parse_qs

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from threadline.bootstrap import Threadline

REFRESH_SECONDS = 5.0
ALLOW_METHODS = b"GET, POST, PUT, PATCH, DELETE"
ALLOW_HEADERS = b"Authorization, Content-Type, X-Tenant-ID, X-Correlation-ID, Last-Event-ID, Idempotency-Key"
EXPOSE_HEADERS = b"X-Threadline-Position, X-Threadline-Consistency, Retry-After"


def _token_tenant(authorization: bytes) -> str | None:
    """The ``tid`` a bearer token claims, unverified: it only chooses which origins apply."""
    try:
        payload = authorization.split(b" ", 1)[1].split(b".")[1]
        claims = orjson.loads(base64.urlsafe_b64decode(payload + b"=" * (-len(payload) % 4)))
    except (IndexError, ValueError, orjson.JSONDecodeError):
        return None
    tenant = claims.get("tid") if isinstance(claims, dict) else None
    return tenant if isinstance(tenant, str) else None


def _query_tenant(query_string: bytes) -> str | None:
    """A browser's EventSource cannot send headers: a live stream names its tenant, or carries
    its token, in the query (``?tenant=`` / ``?access_token=``)."""
    if not query_string:
        return None
    values = parse_qs(query_string.decode("latin-1"))
    if values.get("tenant"):
        return values["tenant"][0]
    if values.get("access_token"):
        return _token_tenant(b"Bearer " + values["access_token"][0].encode("latin-1"))
    return None


class TenantCors:
    def __init__(self, app: ASGIApp, container: Threadline) -> None:
        self.app = app
        self.container = container
        self._origins: dict[str, frozenset[str]] = {}  # tenant id -> allowed origins
        self._any: frozenset[str] = frozenset()
        self._loaded_at = -REFRESH_SECONDS
        self._loading = asyncio.Lock()

    async def _refresh(self) -> None:
        if time.monotonic() - self._loaded_at < REFRESH_SECONDS:
            return
        async with self._loading:
            # Marking the origins fresh before they were read let the requests that came in
            # meanwhile answer from the old ones: the first page's requests all went without CORS.
            if time.monotonic() - self._loaded_at < REFRESH_SECONDS:
                return
            tenants = await self.container.tenants.all()
            self._origins = {t.id: frozenset(t.settings.allowed_origins) for t in tenants}
            self._any = frozenset().union(*self._origins.values()) if self._origins else frozenset()
            self._loaded_at = time.monotonic()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = dict(scope.get("headers", [])) if scope["type"] == "http" else {}
        origin = headers.get(b"origin")
        if origin is None:
            await self.app(scope, receive, send)
            return
        await self._refresh()
        text = origin.decode("latin-1")
        if scope["method"] == "OPTIONS" and b"access-control-request-method" in headers:
            allowed = text in self._any
            response_headers = [(b"vary", b"Origin"), (b"content-length", b"0")]
            if allowed:
                response_headers += [
                    (b"access-control-allow-origin", origin),
                    (b"access-control-allow-methods", ALLOW_METHODS),
                    (b"access-control-allow-headers", ALLOW_HEADERS),
                    (b"access-control-max-age", b"600"),
                ]
            await send({"type": "http.response.start", "status": 204, "headers": response_headers})
            await send({"type": "http.response.body", "body": b""})
            return
        tenant = (
            headers.get(b"x-tenant-id", b"").decode("latin-1")
            or _token_tenant(headers.get(b"authorization", b""))
            or _query_tenant(scope.get("query_string", b""))
        )
        allowed = tenant is not None and text in self._origins.get(tenant, frozenset())

        async def send_with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                extra = [(b"vary", b"Origin")]
                if allowed:
                    extra += [
                        (b"access-control-allow-origin", origin),
                        (b"access-control-expose-headers", EXPOSE_HEADERS),
                    ]
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, send_with_cors)
