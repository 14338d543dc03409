"""Cache-aside pages: never stale once a projection commits, never shared across tenants."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import orjson
import pytest
from sqlalchemy.ext.asyncio import AsyncConnection

from tests.conftest import ActorFactory
from tests.integration.helpers import post, run
from threadline.adapters.sql.comment_reader import SqlCommentReader
from threadline.adapters.sql.replicas import ReadRouter
from threadline.application.commands.like_comment import like_comment
from threadline.application.queries.cache_scopes import thread_scope
from threadline.application.queries.comment_by_id import comment_by_id
from threadline.application.queries.thread_page import (
    Sort,
    ThreadPageQuery,
    build_thread_page,
    cached_thread_page,
    page_cache_key,
)
from threadline.bootstrap import Threadline
from threadline.domain.commands import LikeComment
from threadline.domain.tenant import Tenant


def first_page(tenant_id: str, entity_id: str = "p1") -> ThreadPageQuery:
    return ThreadPageQuery(tenant_id, "post", entity_id, None, 0, Sort.NEWEST, 20, 1, None, 3, 5)


async def likes_on_page(container: Threadline, tenant_id: str) -> list[int]:
    assert container.cache is not None
    page = await cached_thread_page(first_page(tenant_id), container.reader, container.cache, 60)
    return [node["like_count"] for node in orjson.loads(page.body)["data"]]


async def test_a_projected_change_is_served_at_once_despite_a_cached_page(
    container: Threadline, make_actor: ActorFactory
) -> None:
    alice = make_actor("alice")
    comment_id = await post(container, alice)
    await container.projector.catch_up()
    assert await likes_on_page(container, alice.tenant_id) == [0]

    await run(container, make_actor("bob"), like_comment, LikeComment(comment_id))
    assert await likes_on_page(container, alice.tenant_id) == [0]  # not yet projected: cache holds
    await container.projector.catch_up()
    assert await likes_on_page(container, alice.tenant_id) == [1]


async def test_a_page_filled_from_a_read_taken_before_the_commit_is_never_served_after_it(
    container: Threadline, make_actor: ActorFactory
) -> None:
    """EVENT-LOG-NOTES §10: a slow reader writes its old page after the projector's invalidation."""
    alice = make_actor("alice")
    comment_id = await post(container, alice)
    await container.projector.catch_up()
    cache = container.cache
    assert cache is not None
    query = first_page(alice.tenant_id)
    old_token = await cache.token(thread_scope(alice.tenant_id, "post", "p1"))
    stale = await build_thread_page(query, container.reader)

    await run(container, make_actor("bob"), like_comment, LikeComment(comment_id))
    await container.projector.catch_up()
    await cache.set(page_cache_key(query, old_token), b"\n" + stale.body, 60)

    assert await likes_on_page(container, alice.tenant_id) == [1]


async def test_comment_by_id_is_invalidated_by_its_own_events(
    container: Threadline, make_actor: ActorFactory
) -> None:
    alice = make_actor("alice")
    comment_id = await post(container, alice)
    await container.projector.catch_up()

    async def read() -> bytes:
        return await comment_by_id(alice.tenant_id, comment_id, container.reader, container.cache, 60)

    assert orjson.loads(await read())["like_count"] == 0
    await run(container, make_actor("bob"), like_comment, LikeComment(comment_id))
    await container.projector.catch_up()
    assert orjson.loads(await read())["like_count"] == 1


async def test_two_tenants_with_the_same_entity_never_share_a_cached_page(
    container: Threadline, make_actor: ActorFactory, other_tenant: Tenant
) -> None:
    alice = make_actor("alice")
    mallory = make_actor("mallory", tenant_id=other_tenant.id)
    await post(container, alice, "for acme only")
    await post(container, mallory, "for globex only")
    await container.projector.catch_up()
    assert container.cache is not None
    for actor, expected in ((alice, "for acme only"), (mallory, "for globex only")):
        for _ in range(2):  # the second read is served from the cache
            query = first_page(actor.tenant_id)
            page = await cached_thread_page(query, container.reader, container.cache, 60)
            assert [n["content"] for n in orjson.loads(page.body)["data"]] == [expected]


class FlakyRouter(ReadRouter):
    """Loses the connection of the first query it serves, like a database that just restarted."""

    failures = 0

    @asynccontextmanager
    async def connect(self, *, primary: bool = False) -> AsyncIterator[AsyncConnection]:
        if FlakyRouter.failures == 0:
            FlakyRouter.failures += 1
            raise ConnectionResetError("connection reset by peer")
        async with super().connect(primary=primary) as connection:
            yield connection


async def test_a_read_that_loses_its_connection_is_asked_again(
    container: Threadline, make_actor: ActorFactory
) -> None:
    alice = make_actor("alice")
    comment_id = await post(container, alice, "still here")
    await container.projector.catch_up()
    FlakyRouter.failures = 0
    reader = SqlCommentReader(FlakyRouter(container.read_db.reader, []))
    node = await reader.by_id(alice.tenant_id, comment_id)
    assert FlakyRouter.failures == 1 and node is not None and node.content == "still here"


async def test_a_read_whose_pooled_connection_was_terminated_is_asked_again_on_a_new_one(
    container: Threadline, make_actor: ActorFactory
) -> None:
    """The reader runs on the raw driver under the pool: a connection the server dropped (a
    restart, a failover) fails the read once, is thrown away, and the read is asked again."""
    if container.read_db.is_sqlite:
        pytest.skip("a server's dropped connections: PostgreSQL")
    alice = make_actor("alice")
    comment_id = await post(container, alice, "still here")
    await container.projector.catch_up()
    assert await container.reader.by_id(alice.tenant_id, comment_id) is not None  # pooled now
    database = container.read_db.url.rsplit("/", 1)[1]
    async with container.write_db.writer.connect() as connection:  # another database's connection
        terminated = await connection.exec_driver_sql(
            f"SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = '{database}'"
        )
        assert terminated.scalar_one() >= 1

    node = await container.reader.by_id(alice.tenant_id, comment_id)
    assert node is not None and node.content == "still here"
