"""View counts (once per viewer per window, flushed in batches) and one rebuild per hot page."""

from __future__ import annotations

import asyncio

import httpx

from tests.conftest import ActorFactory, TokenFactory
from tests.integration.helpers import CountingReader, post
from threadline.application.queries.thread_page import Sort, ThreadPageQuery, cached_thread_page
from threadline.bootstrap import Threadline, build
from threadline.domain.tenant import Tenant


async def test_a_viewer_counts_once_per_window_and_counts_reach_the_read_model(
    client: httpx.AsyncClient, container: Threadline, tenant: Tenant, make_token: TokenFactory
) -> None:
    auth = {"Authorization": f"Bearer {make_token('alice')}"}
    created = await client.post(
        "/v1/comments", json={"entity_type": "post", "entity_id": "p1", "content": "look at me"}, headers=auth
    )
    comment_id, position = created.json()["id"], created.json()["position"]
    thread = f"/v1/entities/post/p1/comments?min_position={position}"
    for _ in range(3):
        assert (await client.get(thread, headers=auth)).status_code == 200  # alice, three times
    bob = {"Authorization": f"Bearer {make_token('bob')}"}
    assert (await client.get(thread, headers=bob)).status_code == 200
    await container.flush_views()

    node = await container.reader.by_id(tenant.id, comment_id)
    assert node is not None and node.view_count == 2


async def test_view_counts_survive_a_rebuild_from_the_log(
    container: Threadline, make_actor: ActorFactory
) -> None:
    alice = make_actor("alice")
    comment_id = await post(container, alice, "popular")
    await container.projector.catch_up()
    await container.views.record(alice.tenant_id, "thread-p1", "viewer-1", [comment_id])
    await container.views.record(alice.tenant_id, "thread-p1", "viewer-2", [comment_id])
    await container.flush_views()
    await container.rebuild_read_model()
    node = await container.reader.by_id(alice.tenant_id, comment_id)
    assert node is not None and node.view_count == 2


async def test_a_hot_page_is_rebuilt_once_while_its_readers_wait(
    container: Threadline, make_actor: ActorFactory
) -> None:
    alice = make_actor("alice")
    await post(container, alice, "hot")
    await container.projector.catch_up()
    assert container.cache is not None
    reader = CountingReader(container.router)
    CountingReader.builds = 0
    query = ThreadPageQuery(alice.tenant_id, "post", "p1", None, 0, Sort.NEWEST, 20, 1, None, 3, 5)

    pages = await asyncio.gather(*(cached_thread_page(query, reader, container.cache, 60) for _ in range(50)))

    assert CountingReader.builds == 1
    assert len({page.body for page in pages}) == 1


async def test_processes_sharing_a_cache_rebuild_a_hot_page_once(
    container: Threadline, make_actor: ActorFactory
) -> None:
    """Two API processes (two containers on one Redis, or one in-memory cache) miss together."""
    alice = make_actor("alice")
    await post(container, alice, "hot")
    await container.projector.catch_up()
    other = build(container.settings) if container.redis is not None else container
    try:
        assert container.cache is not None and other.cache is not None
        reader = CountingReader(container.router)
        CountingReader.builds = 0
        query = ThreadPageQuery(alice.tenant_id, "post", "p1", None, 0, Sort.NEWEST, 20, 1, None, 3, 5)
        caches = [container.cache, other.cache] * 10
        await asyncio.gather(*(cached_thread_page(query, reader, cache, 60, wait=2.0) for cache in caches))
        assert CountingReader.builds == 1
    finally:
        if other is not container:
            await other.stop()
