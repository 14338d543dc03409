"""What each tenant decides: allowed entity types, whether reads are public, and CORS origins."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from pydantic import SecretStr

from tests.conftest import TokenFactory
from threadline.api.app import create_service
from threadline.bootstrap import Threadline
from threadline.domain.tenant import Tenant

OPERATOR = {"X-Operator-Key": "operator-secret"}
BLOG = "https://blog.acme.test"


@pytest.fixture
def operated(container: Threadline) -> Threadline:
    container.settings.operator_key = SecretStr("operator-secret")
    return container


async def configure(client: httpx.AsyncClient, tenant: Tenant, **settings: object) -> httpx.Response:
    return await client.put(f"/v1/operator/tenants/{tenant.id}/settings", json=settings, headers=OPERATOR)


async def test_only_allowed_entity_types_take_comments(
    client: httpx.AsyncClient, operated: Threadline, tenant: Tenant, make_token: TokenFactory
) -> None:
    assert (await configure(client, tenant, allowed_entity_types=["article"])).status_code == 200
    auth = {"Authorization": f"Bearer {make_token('alice')}"}
    refused = await client.post(
        "/v1/comments", json={"entity_type": "post", "entity_id": "p1", "content": "hi"}, headers=auth
    )
    assert (refused.status_code, refused.json()["code"]) == (422, "entity_type_not_allowed")
    accepted = await client.post(
        "/v1/comments", json={"entity_type": "article", "entity_id": "a1", "content": "hi"}, headers=auth
    )
    assert accepted.status_code == 201
    assert len(await operated.events.read_after(0, 10)) == 1


async def test_a_tenant_can_keep_its_comments_for_signed_in_users(
    client: httpx.AsyncClient, operated: Threadline, tenant: Tenant, make_token: TokenFactory
) -> None:
    await configure(client, tenant, public_reads=False)
    anonymous = await client.get("/v1/entities/post/p1/comments", headers={"X-Tenant-ID": tenant.id})
    assert (anonymous.status_code, anonymous.json()["code"]) == (401, "authentication_required")
    signed_in = await client.get(
        "/v1/entities/post/p1/comments", headers={"Authorization": f"Bearer {make_token('alice')}"}
    )
    assert signed_in.status_code == 200


async def test_cors_answers_only_the_tenant_s_own_origins(
    client: httpx.AsyncClient, operated: Threadline, tenant: Tenant, other_tenant: Tenant
) -> None:
    await configure(client, tenant, allowed_origins=[BLOG])
    preflight = {"Origin": BLOG, "Access-Control-Request-Method": "POST"}
    allowed = await client.options("/v1/comments", headers=preflight)
    assert allowed.status_code == 204 and allowed.headers["Access-Control-Allow-Origin"] == BLOG
    assert "Authorization" in allowed.headers["Access-Control-Allow-Headers"]
    stranger = await client.options("/v1/comments", headers={**preflight, "Origin": "https://evil.test"})
    assert "Access-Control-Allow-Origin" not in stranger.headers

    read = await client.get(
        "/v1/entities/post/p1/comments", headers={"Origin": BLOG, "X-Tenant-ID": tenant.id}
    )
    assert read.headers["Access-Control-Allow-Origin"] == BLOG
    assert "X-Threadline-Position" in read.headers["Access-Control-Expose-Headers"]
    elsewhere = await client.get(
        "/v1/entities/post/p1/comments", headers={"Origin": BLOG, "X-Tenant-ID": other_tenant.id}
    )
    assert "Access-Control-Allow-Origin" not in elsewhere.headers


@pytest.mark.parametrize(
    "body",
    [
        {"allowed_origins": ["javascript:alert(1)"]},
        {"allowed_entity_types": ["Not Valid"]},
        {"colour": "red"},
    ],
)
async def test_invalid_settings_are_refused(
    client: httpx.AsyncClient, operated: Threadline, tenant: Tenant, body: dict[str, object]
) -> None:
    response = await configure(client, tenant, **body)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"


async def test_requests_that_arrive_together_while_origins_are_read_all_get_cors(
    client: httpx.AsyncClient, operated: Threadline, tenant: Tenant
) -> None:
    """A page's first requests come at once: none may be answered from the origins known before
    the first read of them finished."""
    await configure(client, tenant, allowed_origins=[BLOG])
    app = create_service(container=operated)  # a fresh middleware, which has read no origins yet
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://threadline.test") as fresh:
        preflight = {"Origin": BLOG, "Access-Control-Request-Method": "GET"}
        answers = await asyncio.gather(
            *(fresh.options(f"/v1/entities/post/p{i}/comments", headers=preflight) for i in range(5))
        )
    assert [a.headers.get("Access-Control-Allow-Origin") for a in answers] == [BLOG] * 5
