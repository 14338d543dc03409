"""Anonymous counts are answered in front of the framework from the live counts: byte for byte
what the routed request answers, and everything it cannot answer exactly is left to the
framework."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi.routing import APIRoute

from tests.api.support import Api, assert_problem, comparable, routed_and_fronted
from threadline.api.app import create_app
from threadline.api.fast_counts import COUNTS_PATH, FastCounts
from threadline.api.routes import threads
from threadline.bootstrap import Threadline
from threadline.domain.tenant import Tenant, TenantSettings, TenantStatus


@pytest.fixture
async def fast(client: httpx.AsyncClient, container: Threadline) -> FastCounts:
    """The fast path in front of the same framework app and container ``client`` serves."""
    return FastCounts(create_app(container=container), container)


@pytest.fixture
async def both(
    client: httpx.AsyncClient, container: Threadline, fast: FastCounts
) -> AsyncIterator[tuple[httpx.AsyncClient, httpx.AsyncClient]]:
    async with routed_and_fronted(create_app(container=container), fast) as pair:
        yield pair


async def seeded(api: Api, container: Threadline) -> None:
    """Comments on p1 and p2, projected, and the live counts loaded and caught up with them."""
    root = await api.create(entity_id="p1")
    await api.reply(root)
    await api.create(entity_id="p2")
    await api.settle()  # the live counts included
    assert container.counts_keeper is not None
    await container.counts_keeper.keep()


QUERIES = [
    "entity_type=post&entity_id=p1",
    "entity_type=post&entity_id=p2&entity_id=p1&entity_id=never",
    "entity_id=p1&entity_type=post&entity_id=p1",  # repeats folded, in the order first asked
    "entity_type=video&entity_id=p1",
    "entity_type=post&entity_id=p%31",  # an escaped p1
    "entity_type=post&" + "&".join(f"entity_id=e-{n}" for n in range(100)),
]


@pytest.mark.parametrize("query", QUERIES, ids=range(len(QUERIES)))
async def test_counts_are_served_byte_for_byte_as_the_framework_serves_them(
    api: Api,
    both: tuple[httpx.AsyncClient, httpx.AsyncClient],
    fast: FastCounts,
    container: Threadline,
    query: str,
) -> None:
    await seeded(api, container)
    routed, fronted = both

    answered = await fronted.get(f"{COUNTS_PATH}?{query}", headers=api.public())

    assert fast.served == 1
    assert comparable(answered) == comparable(
        await routed.get(f"{COUNTS_PATH}?{query}", headers=api.public())
    )


async def test_served_counts_are_the_read_model_s(
    api: Api, both: tuple[httpx.AsyncClient, httpx.AsyncClient], fast: FastCounts, container: Threadline
) -> None:
    await seeded(api, container)
    _, fronted = both

    answered = await fronted.get(
        COUNTS_PATH, params={"entity_type": "post", "entity_id": ["p1", "p2", "p3"]}, headers=api.public()
    )

    assert fast.served == 1
    assert answered.json() == {"entity_type": "post", "counts": {"p1": 2, "p2": 1, "p3": 0}}


@pytest.mark.parametrize(
    "query",
    [
        "entity_type=post",
        "entity_id=p1",
        "entity_type=Post&entity_id=p1",
        "entity_type=post&entity_type=post&entity_id=p1",
        "entity_type=post&entity_id=",
        "entity_type=post&entity_id=p1&unknown=1",
        "entity_type=post&entity_id=p1&min_position=0",
        "entity_type=post&entity_id=p1&min_position=-1",
        "entity_type=" + "p" * 65 + "&entity_id=p1",
        "entity_type=post&entity_id=" + "e" * 257,
        "entity_type=post&entity_id=%01",
        "entity_type=post&" + "&".join(f"entity_id=e-{n}" for n in range(101)),
        "entity_type=post&&entity_id=p1",
    ],
    ids=range(13),
)
async def test_requests_it_does_not_vouch_for_are_answered_by_the_framework(
    api: Api,
    both: tuple[httpx.AsyncClient, httpx.AsyncClient],
    fast: FastCounts,
    container: Threadline,
    query: str,
) -> None:
    await seeded(api, container)
    routed, fronted = both

    answered = await fronted.get(f"{COUNTS_PATH}?{query}", headers=api.public())

    assert fast.served == 0
    assert comparable(answered) == comparable(
        await routed.get(f"{COUNTS_PATH}?{query}", headers=api.public())
    )


async def test_signed_in_and_cross_origin_requests_go_to_the_framework(
    api: Api,
    both: tuple[httpx.AsyncClient, httpx.AsyncClient],
    fast: FastCounts,
    container: Threadline,
    tenant: Tenant,
) -> None:
    await container.tenants.set_settings(tenant.id, TenantSettings(allowed_origins=("https://app.test",)))
    container.verifier.forget(tenant.id)
    await seeded(api, container)
    _, fronted = both
    params = {"entity_type": "post", "entity_id": "p1"}

    signed_in = await fronted.get(COUNTS_PATH, params=params, headers=api.auth("bob"))
    cross_origin = await fronted.get(
        COUNTS_PATH, params=params, headers={**api.public(), "Origin": "https://app.test"}
    )
    no_tenant = await fronted.get(COUNTS_PATH, params=params)

    assert fast.served == 0
    assert signed_in.json()["counts"] == {"p1": 2}
    assert cross_origin.headers["access-control-allow-origin"] == "https://app.test"
    assert_problem(no_tenant, 400, "tenant_required")


async def test_counts_not_yet_loaded_are_read_from_the_read_model(
    api: Api, both: tuple[httpx.AsyncClient, httpx.AsyncClient], fast: FastCounts, container: Threadline
) -> None:
    await seeded(api, container)
    assert container.live_counts is not None
    await container.live_counts.begin_load()  # as after a Redis restart: not known complete
    _, fronted = both

    answered = await fronted.get(
        COUNTS_PATH, params={"entity_type": "post", "entity_id": "p1"}, headers=api.public()
    )

    assert fast.served == 0
    assert answered.json()["counts"] == {"p1": 2}


async def test_a_disabled_private_or_unknown_tenant_is_refused_by_both_paths_alike(
    api: Api,
    both: tuple[httpx.AsyncClient, httpx.AsyncClient],
    fast: FastCounts,
    container: Threadline,
    tenant: Tenant,
) -> None:
    await seeded(api, container)
    routed, fronted = both
    path = f"{COUNTS_PATH}?entity_type=post&entity_id=p1"

    async def refused(headers: dict[str, str], status: int, code: str) -> None:
        answered = await fronted.get(path, headers=headers)
        assert_problem(answered, status, code)
        assert comparable(answered) == comparable(await routed.get(path, headers=headers))

    await refused({"X-Tenant-ID": "no-such-tenant"}, 404, "tenant_not_found")
    await refused({"X-Tenant-ID": "t" * 65}, 404, "tenant_not_found")
    await container.tenants.set_settings(tenant.id, TenantSettings(public_reads=False))
    container.verifier.forget(tenant.id)
    await refused(api.public(), 401, "authentication_required")
    await container.tenants.set_settings(tenant.id, TenantSettings())
    await container.tenants.set_status(tenant.id, TenantStatus.DISABLED)
    container.verifier.forget(tenant.id)
    await refused(api.public(), 401, "tenant_disabled")
    assert fast.served == 0


async def test_the_read_limit_applies_to_counts_served_in_front(
    api: Api, both: tuple[httpx.AsyncClient, httpx.AsyncClient], fast: FastCounts, container: Threadline
) -> None:
    from threadline.adapters.auth.rate_limits import LimitsRateLimiter

    await seeded(api, container)
    _, fronted = both
    container.rate_limiter = LimitsRateLimiter(
        {("read", "address"): "3/minute", ("read", "user"): "3/minute"}, redis_url=None, prefix="t:"
    )
    params = {"entity_type": "post", "entity_id": "p1"}

    answers = [await fronted.get(COUNTS_PATH, params=params, headers=api.public()) for _ in range(4)]

    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert fast.served == 3
    assert int(answers[-1].headers["Retry-After"]) >= 1


async def test_counts_served_in_front_follow_new_comments(
    api: Api, both: tuple[httpx.AsyncClient, httpx.AsyncClient], fast: FastCounts, container: Threadline
) -> None:
    await seeded(api, container)
    _, fronted = both
    params = {"entity_type": "post", "entity_id": "p2"}
    before = (await fronted.get(COUNTS_PATH, params=params, headers=api.public())).json()

    await api.create(entity_id="p2", user="carol")
    await api.settle()
    after = (await fronted.get(COUNTS_PATH, params=params, headers=api.public())).json()

    assert fast.served == 2
    assert (before["counts"], after["counts"]) == ({"p2": 1}, {"p2": 2})


def test_the_fast_path_answers_exactly_the_path_the_router_routes_to_counts() -> None:
    [route] = [r for r in threads.router.routes if getattr(r, "endpoint", None) is threads.counts]
    assert isinstance(route, APIRoute)
    assert route.path == COUNTS_PATH
