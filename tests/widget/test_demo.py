"""``/demo`` and its demo tokens exist only under ``threadline serve --dev``."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from threadline.api.app import create_service
from threadline.bootstrap import Threadline
from threadline.domain.tenant import Tenant


@pytest.fixture
async def dev_tenant(container: Threadline) -> Tenant:
    return await container.tenants.create(container.settings.dev_tenant_name)


@pytest.fixture
async def demo_client(container: Threadline, dev_tenant: Tenant) -> AsyncIterator[httpx.AsyncClient]:
    container.settings.demo_enabled = True
    container.settings.run_projector = True
    await container.start()
    transport = httpx.ASGITransport(app=create_service(container=container))
    async with httpx.AsyncClient(transport=transport, base_url="http://threadline.test") as http:
        yield http


async def test_without_dev_there_is_no_demo_and_no_token_for_the_asking(
    client: httpx.AsyncClient, dev_tenant: Tenant
) -> None:
    assert (await client.get("/demo")).status_code == 404
    assert (await client.get("/demo/demo.js")).status_code == 404
    assert (await client.get("/v1/dev/demo-users")).status_code == 404


async def test_the_demo_page_embeds_the_widget_for_the_dev_tenant_under_a_strict_csp(
    demo_client: httpx.AsyncClient, dev_tenant: Tenant
) -> None:
    response = await demo_client.get("/demo", params={"as": "bob", "lang": "de", "theme": "dark"})
    assert response.status_code == 200
    page = response.text
    assert f'data-tenant="{dev_tenant.id}"' in page
    assert 'src="/embed.js"' in page
    assert 'data-lang="de"' in page and 'data-theme="dark"' in page
    assert '<option value="bob" selected>' in page
    csp = response.headers["content-security-policy"]
    assert "script-src 'self';" in csp and "style-src 'self';" in csp and "unsafe" not in csp
    assert "<script>" not in page  # no inline script: the strict policy would refuse it


async def test_the_demo_page_refuses_settings_it_does_not_know(demo_client: httpx.AsyncClient) -> None:
    page = (await demo_client.get("/demo", params={"lang": '"><script>', "theme": "neon"})).text
    assert 'data-lang=""' in page and 'data-theme="auto"' in page
    assert '"><script>' not in page


async def test_a_demo_users_token_can_comment_on_the_dev_tenant(
    demo_client: httpx.AsyncClient, dev_tenant: Tenant
) -> None:
    answer = (await demo_client.get("/v1/dev/demo-users")).json()
    assert answer["tenant_id"] == dev_tenant.id
    roles = {user["user_id"]: user["role"] for user in answer["users"]}
    assert roles == {"alice": "user", "bob": "user", "mira": "moderator", "dev-admin": "admin"}
    token = next(user["token"] for user in answer["users"] if user["user_id"] == "alice")
    created = await demo_client.post(
        "/v1/comments",
        json={"entity_type": "post", "entity_id": "welcome", "content": "Hi"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert created.status_code == 201, created.text
    assert created.json()["comment"]["author_id"] == "alice"


async def test_the_demo_offers_staff_the_console_with_the_token_in_the_fragment(
    demo_client: httpx.AsyncClient,
) -> None:
    """The link is shown by demo.js for the moderator and the admin only; the token rides in the
    fragment, which no server (nor its log, nor a Referer) ever sees."""
    page = (await demo_client.get("/demo", params={"as": "mira"})).text
    assert '<a id="console-link" href="/console/" hidden>Open the moderation console</a>' in page
    script = (await demo_client.get("/demo/demo.js")).text
    assert '"/console/#token=" + encodeURIComponent(found.token)' in script
    assert '["moderator", "admin"].includes(found.role)' in script
    assert (await demo_client.get("/console/")).status_code == 200
