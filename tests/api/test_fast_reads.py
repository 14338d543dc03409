"""Cached anonymous thread pages are answered in front of the framework: byte for byte what the
routed request answers, and everything it cannot answer exactly is left to the framework."""

from __future__ import annotations

from collections.abc import AsyncIterator

import annotated_types
import httpx
import pytest
from fastapi.routing import APIRoute

from tests.api.support import Api, assert_problem, comparable, routed_and_fronted
from threadline.api.app import create_app
from threadline.api.fast_reads import THREAD_PATH_REGEX, FastThreadReads
from threadline.api.routes import threads
from threadline.api.routes.thread_params import PageParams, page_query
from threadline.application.queries.cache_scopes import thread_scope
from threadline.application.queries.thread_page import build_thread_page, cached_page_at, page_key_tail
from threadline.bootstrap import Threadline
from threadline.domain.tenant import Tenant, TenantSettings, TenantStatus

PATH = "/v1/entities/post/p1/comments"


@pytest.fixture
async def fast(client: httpx.AsyncClient, container: Threadline) -> FastThreadReads:
    """The fast path in front of the same framework app and container ``client`` serves."""
    return FastThreadReads(create_app(container=container), container)


@pytest.fixture
async def both(
    client: httpx.AsyncClient, container: Threadline, fast: FastThreadReads
) -> AsyncIterator[tuple[httpx.AsyncClient, httpx.AsyncClient]]:
    async with routed_and_fronted(create_app(container=container), fast) as pair:
        yield pair


async def seeded(api: Api) -> None:
    for n in range(3):
        root = await api.create(f"root {n} with **markdown**", content_format="markdown")
        await api.reply(root, f"reply under {n}")
    await api.settle()


QUERIES = [
    {},
    {"limit": "2"},
    {"limit": "1", "depth": "0"},
    {"sort": "oldest", "replies_limit": "1"},
    {"sort": "popular", "page": "2", "limit": "1"},
]


@pytest.mark.parametrize("params", QUERIES, ids=[str(q) for q in QUERIES])
async def test_a_cached_page_is_served_byte_for_byte_as_the_framework_serves_it(
    api: Api, both: tuple[httpx.AsyncClient, httpx.AsyncClient], fast: FastThreadReads, params: dict[str, str]
) -> None:
    await seeded(api)
    routed, fronted = both
    headers = api.public()

    first = await routed.get(PATH, params=params, headers=headers)  # builds and caches the page
    assert first.status_code == 200 and fast.served == 0
    answered = await fronted.get(PATH, params=params, headers=headers)

    assert fast.served == 1
    assert comparable(answered) == comparable(await routed.get(PATH, params=params, headers=headers))
    assert comparable(answered) == comparable(first)


async def test_a_cursor_page_is_served_once_cached(
    api: Api, both: tuple[httpx.AsyncClient, httpx.AsyncClient], fast: FastThreadReads
) -> None:
    await seeded(api)
    routed, fronted = both
    first = (await routed.get(PATH, params={"limit": "1"}, headers=api.public())).json()
    params = {"limit": "1", "cursor": first["meta"]["next_cursor"]}
    second = await routed.get(PATH, params=params, headers=api.public())

    answered = await fronted.get(PATH, params=params, headers=api.public())

    assert fast.served == 1 and comparable(answered) == comparable(second)


async def test_a_miss_goes_to_the_framework_which_fills_the_cache_for_the_next_read(
    api: Api, both: tuple[httpx.AsyncClient, httpx.AsyncClient], fast: FastThreadReads
) -> None:
    await seeded(api)
    _, fronted = both
    params = {"limit": "2"}  # not a page the projector prepares
    miss = await fronted.get(PATH, params=params, headers=api.public())
    hit = await fronted.get(PATH, params=params, headers=api.public())
    assert fast.served == 1
    assert comparable(miss) == comparable(hit)


async def test_a_new_comment_is_never_hidden_behind_the_page_served_before_it(
    api: Api, both: tuple[httpx.AsyncClient, httpx.AsyncClient], fast: FastThreadReads
) -> None:
    await seeded(api)
    routed, fronted = both
    await routed.get(PATH, headers=api.public())
    before = await fronted.get(PATH, headers=api.public())
    assert fast.served == 1

    await api.create("the newest comment")
    await api.settle()  # projected: the thread's token moved, the old page is unreachable

    after = (await fronted.get(PATH, headers=api.public())).json()
    assert after["data"][0]["content"] == "the newest comment"
    assert before.json()["meta"]["total"] + 1 == after["meta"]["total"]


@pytest.mark.parametrize(
    "params",
    [
        {"limit": "0"},
        {"limit": "101"},
        {"limit": "ten"},
        {"depth": "11"},
        {"sort": "random"},
        {"unknown": "1"},
        {"cursor": "not-a-cursor"},
        {"page": "10001"},
    ],
    ids=lambda p: str(p),
)
async def test_requests_it_does_not_vouch_for_get_the_framework_s_problem(
    api: Api, both: tuple[httpx.AsyncClient, httpx.AsyncClient], fast: FastThreadReads, params: dict[str, str]
) -> None:
    await seeded(api)
    routed, fronted = both
    await routed.get(PATH, headers=api.public())  # a cached page exists for the thread

    answered = await fronted.get(PATH, params=params, headers=api.public())

    assert fast.served == 0
    assert 400 <= answered.status_code < 500
    assert (
        comparable(answered)[::2]
        == comparable(await routed.get(PATH, params=params, headers=api.public()))[::2]
    )


async def test_signed_in_cross_origin_and_read_your_writes_requests_go_to_the_framework(
    api: Api,
    both: tuple[httpx.AsyncClient, httpx.AsyncClient],
    fast: FastThreadReads,
    container: Threadline,
    tenant: Tenant,
) -> None:
    await container.tenants.set_settings(tenant.id, TenantSettings(allowed_origins=("https://app.test",)))
    container.verifier.forget(tenant.id)
    await seeded(api)
    routed, fronted = both
    await routed.get(PATH, headers=api.public())

    signed_in = await fronted.get(PATH, headers=api.auth("bob"))
    cross_origin = await fronted.get(PATH, headers={**api.public(), "Origin": "https://app.test"})
    waiting = await fronted.get(PATH, params={"min_position": "1"}, headers=api.public())

    assert fast.served == 0
    assert all("current_user_liked" in node for node in signed_in.json()["data"])
    assert cross_origin.headers["access-control-allow-origin"] == "https://app.test"
    assert waiting.headers["X-Threadline-Consistency"] == "caught-up"


async def test_a_disabled_or_private_tenant_s_cached_page_is_not_served(
    api: Api,
    both: tuple[httpx.AsyncClient, httpx.AsyncClient],
    fast: FastThreadReads,
    container: Threadline,
    tenant: Tenant,
) -> None:
    await seeded(api)
    routed, fronted = both
    await routed.get(PATH, headers=api.public())

    await container.tenants.set_settings(tenant.id, TenantSettings(public_reads=False))
    container.verifier.forget(tenant.id)
    assert_problem(await fronted.get(PATH, headers=api.public()), 401, "authentication_required")

    await container.tenants.set_settings(tenant.id, TenantSettings())
    await container.tenants.set_status(tenant.id, TenantStatus.DISABLED)
    container.verifier.forget(tenant.id)
    assert_problem(await fronted.get(PATH, headers=api.public()), 401, "tenant_disabled")
    assert fast.served == 0


async def test_the_read_limit_applies_to_cached_pages_too(
    api: Api, both: tuple[httpx.AsyncClient, httpx.AsyncClient], fast: FastThreadReads, container: Threadline
) -> None:
    from threadline.adapters.auth.rate_limits import LimitsRateLimiter

    await seeded(api)
    routed, fronted = both
    await routed.get(PATH, headers=api.public())
    container.rate_limiter = LimitsRateLimiter(
        {("read", "address"): "3/minute", ("read", "user"): "3/minute"}, redis_url=None, prefix="t:"
    )

    answers = [await fronted.get(PATH, headers=api.public()) for _ in range(4)]

    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert fast.served == 3
    assert int(answers[-1].headers["Retry-After"]) >= 1


async def test_views_are_counted_for_pages_served_in_front(
    api: Api, both: tuple[httpx.AsyncClient, httpx.AsyncClient], fast: FastThreadReads, container: Threadline
) -> None:
    await seeded(api)
    routed, fronted = both
    await routed.get(PATH, headers={**api.public(), "User-Agent": "first reader"})
    await fronted.get(PATH, headers={**api.public(), "User-Agent": "second reader"})
    assert fast.served == 1

    await container.flush_views()
    nodes = (await api.thread())["data"]
    assert {node["view_count"] for node in nodes} == {2}


# The fast path restates none of the route's rules; these fail if the two ever read a request
# differently.


def test_the_fast_path_matches_exactly_the_path_the_router_routes_to_the_thread() -> None:
    [route] = [r for r in threads.router.routes if getattr(r, "endpoint", None) is threads.thread]
    assert isinstance(route, APIRoute)
    assert THREAD_PATH_REGEX.pattern == route.path_regex.pattern
    assert THREAD_PATH_REGEX.match(PATH) is not None


def _probes() -> list[dict[str, str]]:
    """Each integer parameter at and just outside the bounds ``PageParams`` declares, and the
    longest cursor and one longer, so that a bound changed there and not seen by the fast path
    makes the two paths disagree."""
    probes: list[dict[str, str]] = []
    for name, field in PageParams.model_fields.items():
        if field.annotation is not int:
            continue
        low = next(int(str(m.ge)) for m in field.metadata if isinstance(m, annotated_types.Ge))
        high = next(int(str(m.le)) for m in field.metadata if isinstance(m, annotated_types.Le))
        probes += [{name: str(value)} for value in (low - 1, low, high, high + 1)]
    cursor_length = next(
        m.max_length
        for m in PageParams.model_fields["cursor"].metadata
        if isinstance(m, annotated_types.MaxLen)
    )
    probes += [{"cursor": "c" * cursor_length}, {"cursor": "c" * (cursor_length + 1)}]
    return probes


async def test_the_fast_path_reads_every_bound_of_the_route_s_parameter_model(
    api: Api, both: tuple[httpx.AsyncClient, httpx.AsyncClient], fast: FastThreadReads
) -> None:
    await seeded(api)
    routed, fronted = both
    headers = api.public()
    served = 0
    probes = _probes()
    for params in probes:
        first = await routed.get(PATH, params=params, headers=headers)
        answered = await fronted.get(PATH, params=params, headers=headers)

        if first.status_code == 200:
            served += 1  # the route accepted and cached it: the fast path must vouch for it
        assert fast.served == served, params
        again = await routed.get(PATH, params=params, headers=headers)
        assert comparable(answered)[::2] == comparable(again)[::2], params
    # Every bound itself is a page (a well-formed cursor is served in the test above).
    assert served == len([p for p in probes if "cursor" not in p]) // 2


@pytest.mark.parametrize(
    "query",
    ["limit=+2", "limit=%202", "depth=0001", "limit=2.0", "cursor=", "sort=oldest&limit=1_0"],
)
async def test_a_value_the_route_accepts_in_any_spelling_is_served_as_the_route_serves_it(
    api: Api, both: tuple[httpx.AsyncClient, httpx.AsyncClient], fast: FastThreadReads, query: str
) -> None:
    await seeded(api)
    routed, fronted = both
    first = await routed.get(f"{PATH}?{query}", headers=api.public())
    assert first.status_code == 200

    answered = await fronted.get(f"{PATH}?{query}", headers=api.public())

    assert fast.served == 1
    assert comparable(answered) == comparable(first)


async def test_a_parameter_given_twice_is_refused_by_both_paths_alike(
    api: Api, both: tuple[httpx.AsyncClient, httpx.AsyncClient], fast: FastThreadReads
) -> None:
    await seeded(api)
    routed, fronted = both
    await fronted.get(PATH, params={"limit": "2"}, headers=api.public())  # cached under limit=2

    answered = await fronted.get(f"{PATH}?limit=2&limit=2", headers=api.public())
    routed_answer = await routed.get(f"{PATH}?limit=2&limit=2", headers=api.public())

    assert fast.served == 0
    body = assert_problem(answered, 422, "invalid_query")
    assert body["field"] == "limit"
    assert comparable(answered)[::2] == comparable(routed_answer)[::2]


@pytest.mark.parametrize("tenant_id", ["no-such-tenant", "t" * 65])
async def test_an_unknown_tenant_is_refused_by_both_paths_alike(
    api: Api, both: tuple[httpx.AsyncClient, httpx.AsyncClient], fast: FastThreadReads, tenant_id: str
) -> None:
    await seeded(api)
    routed, fronted = both
    await routed.get(PATH, headers=api.public())

    answered = await fronted.get(PATH, headers={"X-Tenant-ID": tenant_id})

    assert fast.served == 0
    assert_problem(answered, 404, "tenant_not_found")
    assert (
        comparable(answered)[::2]
        == comparable(await routed.get(PATH, headers={"X-Tenant-ID": tenant_id}))[::2]
    )


async def test_both_paths_spend_one_reader_s_read_limit_together(
    api: Api, both: tuple[httpx.AsyncClient, httpx.AsyncClient], fast: FastThreadReads, container: Threadline
) -> None:
    from threadline.adapters.auth.rate_limits import LimitsRateLimiter

    await seeded(api)
    routed, fronted = both
    await routed.get(PATH, headers=api.public())  # cached before the limit is in place
    container.rate_limiter = LimitsRateLimiter(
        {("read", "address"): "3/minute", ("read", "user"): "3/minute"}, redis_url=None, prefix="t:"
    )

    by_route = [await routed.get(PATH, headers=api.public()) for _ in range(2)]
    in_front = [await fronted.get(PATH, headers=api.public()) for _ in range(2)]

    assert [a.status_code for a in by_route + in_front] == [200, 200, 200, 429]
    assert fast.served == 1


async def test_a_reader_served_by_either_path_is_one_viewer(
    api: Api, both: tuple[httpx.AsyncClient, httpx.AsyncClient], fast: FastThreadReads, container: Threadline
) -> None:
    await seeded(api)
    routed, fronted = both
    reader = {**api.public(), "User-Agent": "one reader"}
    await routed.get(PATH, headers=reader)
    await fronted.get(PATH, headers=reader)
    assert fast.served == 1

    await container.flush_views()
    nodes = (await api.thread())["data"]
    assert {node["view_count"] for node in nodes} == {1}


async def test_with_the_cache_off_default_pages_are_served_in_front_from_the_prepared_pages(
    api: Api, both: tuple[httpx.AsyncClient, httpx.AsyncClient], fast: FastThreadReads, container: Threadline
) -> None:
    await seeded(api)
    container.cache = container.projector.cache = None
    routed, fronted = both
    for served, sort in enumerate(("newest", "oldest", "popular"), start=1):
        params = {"sort": sort}
        answered = await fronted.get(PATH, params=params, headers=api.public())
        assert fast.served == served
        query = page_query(container, api.tenant.id, "post", "p1", PageParams(sort=sort))
        built = await build_thread_page(query, container.reader)  # what the route would build
        assert answered.content == built.body
        assert comparable(answered) == comparable(await routed.get(PATH, params=params, headers=api.public()))

    other = await fronted.get(PATH, params={"limit": "2"}, headers=api.public())
    assert other.status_code == 200 and fast.served == 3  # not prepared: the framework builds it


async def test_a_default_page_missing_from_the_cache_is_served_from_the_prepared_page_and_cached(
    api: Api, both: tuple[httpx.AsyncClient, httpx.AsyncClient], fast: FastThreadReads, container: Threadline
) -> None:
    await seeded(api)
    _, fronted = both
    miss = await fronted.get(PATH, headers=api.public())
    hit = await fronted.get(PATH, headers=api.public())

    assert fast.served == 2 and comparable(miss) == comparable(hit)
    assert container.cache is not None
    query = page_query(container, api.tenant.id, "post", "p1", PageParams())
    assert await cached_page_at(
        thread_scope(api.tenant.id, "post", "p1"), page_key_tail(query), container.cache
    )
