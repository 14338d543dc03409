"""What the anonymous fast paths (``fast_reads.py``, ``fast_counts.py``) share: who is asking, the
gate and the limit every anonymous read passes, what was already parsed, and the answer's bytes.

Each path decides only what it serves; the checks a routed anonymous read makes are here once, so
the two paths cannot drift from each other (nor, through ``api/access.py``, from the routes).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from starlette.types import Scope, Send

from threadline.api.access import MAX_TENANT_ID_LENGTH, anonymous_read_refusal, limit_identities
from threadline.api.middleware import API_CSP, API_HEADERS
from threadline.bootstrap import Threadline

K = TypeVar("K")
V = TypeVar("V")
_MAX_REMEMBERED = 4096


@dataclass(frozen=True, slots=True)
class AnonymousCaller:
    tenant_id: str
    user_agent: bytes | None


def anonymous_caller(scope: Scope) -> AnonymousCaller | None:
    """The tenant an anonymous request names, once; ``None`` for a signed-in or cross-origin
    request (the framework verifies the token or adds CORS), or a missing or repeated tenant."""
    tenant_id: str | None = None
    user_agent: bytes | None = None
    for name, value in scope["headers"]:
        if name == b"x-tenant-id":
            if tenant_id is not None:
                return None
            tenant_id = value.decode("latin-1")
        elif name in (b"authorization", b"origin"):
            return None
        elif name == b"user-agent" and user_agent is None:
            user_agent = value
    if tenant_id is None or len(tenant_id) > MAX_TENANT_ID_LENGTH:
        return None
    return AnonymousCaller(tenant_id, user_agent)


def client_host(scope: Scope) -> str | None:
    client = scope.get("client")
    return client[0] if client else None


async def may_read(container: Threadline, tenant_id: str) -> bool:
    """Whether the tenant lets anonymous readers in; if not, the framework answers its problem."""
    return anonymous_read_refusal(await container.verifier.tenant(tenant_id)) is None


async def within_limit(container: Threadline, tenant_id: str, host: str | None) -> bool:
    """Whether this read is within the caller's read limit (counting it); if not, the framework
    answers the 429 problem with its Retry-After."""
    limiter = container.rate_limiter
    return limiter is None or await limiter.check("read", tenant_id, limit_identities(host, None)) is None


class Remembered(Generic[K, V]):
    """What a distinct request was found to name, parsed and checked once rather than on every
    request. Bounded: cleared when full."""

    def __init__(self, parse: Callable[[K], V]) -> None:
        self._parse = parse
        self._known: dict[K, V] = {}

    def __call__(self, key: K) -> V:
        try:
            return self._known[key]
        except KeyError:
            value = self._parse(key)
            if len(self._known) >= _MAX_REMEMBERED:
                self._known.clear()
            self._known[key] = value
            return value


async def send_json(send: Send, body: bytes) -> None:
    """A 200 of JSON bytes with the API's headers, as the routes' responses carry them."""
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
