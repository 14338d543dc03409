"""PUT /v1/operator/tenants/{id}/search-config: an operator chooses a tenant's text-search
configuration; on PostgreSQL the tenant's comments are re-indexed with it (stemming, say)."""

from __future__ import annotations

import uuid

import httpx
import pytest
from pydantic import SecretStr

from tests.api.support import Api, assert_problem
from threadline.bootstrap import Threadline
from threadline.domain.tenant import Tenant

OPERATOR = {"X-Operator-Key": "operator-secret"}


@pytest.fixture
def operated(container: Threadline) -> Threadline:
    container.settings.operator_key = SecretStr("operator-secret")
    return container


async def set_config(
    client: httpx.AsyncClient, tenant_id: str, config: object, headers: dict[str, str] = OPERATOR
) -> httpx.Response:
    return await client.put(
        f"/v1/operator/tenants/{tenant_id}/search-config", json={"config": config}, headers=headers
    )


def only_on_postgres(backend: str) -> None:
    if backend != "postgres":
        pytest.skip("text-search configurations exist only on PostgreSQL")


async def test_an_operator_sets_a_tenants_search_config(
    client: httpx.AsyncClient, operated: Threadline, tenant: Tenant
) -> None:
    response = await set_config(client, tenant.id, "english")

    assert response.status_code == 200, response.text
    assert response.json() == {"tenant_id": tenant.id, "config": "english"}
    assert (await set_config(client, tenant.id, "simple")).json()["config"] == "simple"


async def test_setting_the_search_config_of_an_unknown_tenant_is_tenant_not_found(
    client: httpx.AsyncClient, operated: Threadline
) -> None:
    assert_problem(await set_config(client, str(uuid.uuid4()), "english"), 404, "tenant_not_found")


async def test_only_the_operator_sets_a_search_config(
    client: httpx.AsyncClient, operated: Threadline, tenant: Tenant
) -> None:
    wrong = await set_config(client, tenant.id, "english", {"X-Operator-Key": "guess"})
    missing = await set_config(client, tenant.id, "english", {})

    assert_problem(wrong, 401, "operator_key_required")
    assert_problem(missing, 401, "operator_key_required")


@pytest.mark.parametrize("config", ["English", "", "x" * 64, "english; drop table", 7])
async def test_a_search_config_must_look_like_a_configuration_name(
    client: httpx.AsyncClient, operated: Threadline, tenant: Tenant, config: object
) -> None:
    response = await set_config(client, tenant.id, config)

    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"


async def test_an_unknown_configuration_is_refused_on_postgres(
    client: httpx.AsyncClient, operated: Threadline, tenant: Tenant, backend: str
) -> None:
    only_on_postgres(backend)

    response = await set_config(client, tenant.id, "klingon")

    assert_problem(response, 422, "invalid_query")


async def test_an_english_configuration_finds_other_forms_of_a_word_on_postgres(
    api: Api, client: httpx.AsyncClient, operated: Threadline, tenant: Tenant, backend: str
) -> None:
    only_on_postgres(backend)
    created = await api.create("The dog runs every morning")
    assert (await api.search("running"))["data"] == []  # 'simple' matches words literally

    assert (await set_config(client, tenant.id, "english")).status_code == 200

    assert [hit["id"] for hit in (await api.search("running"))["data"]] == [created["id"]]
    later = await api.create("The cat jumped over the fence", entity_id="p2")
    assert [hit["id"] for hit in (await api.search("jumping"))["data"]] == [later["id"]]
