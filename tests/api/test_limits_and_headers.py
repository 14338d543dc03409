"""Abuse limits and security headers: 413 for oversized bodies, 429 with Retry-After, and the
headers every response carries."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx

from tests.conftest import TokenFactory
from threadline.adapters.auth.rate_limits import LimitsRateLimiter
from threadline.bootstrap import Threadline
from threadline.domain.tenant import Tenant


def comment(content: str) -> dict[str, str]:
    return {"entity_type": "post", "entity_id": "p1", "content": content}


async def test_every_response_carries_security_headers(client: httpx.AsyncClient, tenant: Tenant) -> None:
    for path in ("/v1/entities/post/p1/comments", "/v1/comments/not-an-id", "/healthz", "/docs"):
        response = await client.get(path, headers={"X-Tenant-ID": tenant.id})
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "no-referrer"
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    api = await client.get("/healthz")
    assert api.headers["Content-Security-Policy"].startswith("default-src 'none'")


async def test_a_body_over_the_limit_is_refused_with_413(
    client: httpx.AsyncClient, container: Threadline, make_token: TokenFactory
) -> None:
    auth = {"Authorization": f"Bearer {make_token('alice')}", "Content-Type": "application/json"}
    huge = b'{"entity_type":"post","entity_id":"p1","content":"' + b"x" * 100_000 + b'"}'
    declared = await client.post("/v1/comments", content=huge, headers=auth)

    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(huge), 8192):
            yield huge[start : start + 8192]

    streamed = await client.post("/v1/comments", content=chunks(), headers=auth)
    for response in (declared, streamed):
        assert response.status_code == 413
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["code"] == "payload_too_large"
    assert await container.events.last_position() == 0


async def test_a_user_over_the_write_limit_gets_429_with_retry_after(
    client: httpx.AsyncClient, container: Threadline, make_token: TokenFactory
) -> None:
    container.rate_limiter = LimitsRateLimiter(
        {("write", "user"): "3/minute", ("write", "address"): "100/minute"},
        redis_url=container.settings.redis_url,
        prefix=container.settings.redis_prefix,
    )
    alice = {"Authorization": f"Bearer {make_token('alice')}"}
    statuses = [
        (await client.post("/v1/comments", json=comment(f"c{i}"), headers=alice)).status_code
        for i in range(4)
    ]
    assert statuses == [201, 201, 201, 429]
    limited = await client.post("/v1/comments", json=comment("again"), headers=alice)
    assert limited.json()["code"] == "rate_limited"
    assert int(limited.headers["Retry-After"]) in range(1, 61)
    bob = {"Authorization": f"Bearer {make_token('bob')}"}
    assert (await client.post("/v1/comments", json=comment("bob is fine"), headers=bob)).status_code == 201
    assert len(await container.events.read_after(0, 100)) == 4  # refused writes recorded nothing


async def test_anonymous_readers_are_limited_per_address(
    client: httpx.AsyncClient, container: Threadline, tenant: Tenant
) -> None:
    container.rate_limiter = LimitsRateLimiter(
        {("read", "address"): "5/minute"},
        redis_url=container.settings.redis_url,
        prefix=container.settings.redis_prefix,
    )
    statuses = [
        (await client.get("/v1/entities/post/p1/comments", headers={"X-Tenant-ID": tenant.id})).status_code
        for _ in range(6)
    ]
    assert statuses == [200] * 5 + [429]
