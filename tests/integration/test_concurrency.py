"""Races that a comments service meets every day: counts stay exact, pages neither skip nor repeat."""

from __future__ import annotations

import asyncio

import orjson

from tests.conftest import ActorFactory
from tests.integration.helpers import post, run, scalar
from threadline.application.commands.like_comment import like_comment, unlike_comment
from threadline.application.queries.thread_page import Sort, ThreadPageQuery, build_thread_page
from threadline.bootstrap import Threadline
from threadline.domain.commands import LikeComment, UnlikeComment


async def test_concurrent_likes_count_exactly(container: Threadline, make_actor: ActorFactory) -> None:
    target = await post(container, make_actor("alice"))
    fans = [make_actor(f"fan-{i}") for i in range(40)]
    # Each fan likes twice at once (the repeat is a no-op), then half of them unlike.
    await asyncio.gather(*(run(container, fan, like_comment, LikeComment(target)) for fan in fans + fans))
    await asyncio.gather(*(run(container, fan, unlike_comment, UnlikeComment(target)) for fan in fans[:20]))
    await container.projector.catch_up()
    node = await container.reader.by_id(fans[0].tenant_id, target)
    assert node is not None and node.like_count == 20
    assert await scalar(container, "SELECT count(*) FROM events WHERE event_type = 'CommentLiked'") == 40


async def test_concurrent_replies_count_exactly(container: Threadline, make_actor: ActorFactory) -> None:
    alice = make_actor("alice")
    parent = await post(container, alice, "ask me anything")
    await asyncio.gather(
        *(post(container, make_actor(f"u{i}"), f"question {i}", parent_id=parent) for i in range(50))
    )
    await container.projector.catch_up()
    node = await container.reader.by_id(alice.tenant_id, parent)
    assert node is not None and node.reply_count == 50
    counts = await container.reader.counts(alice.tenant_id, "post", ["p1"])
    assert counts == {"p1": 51}


async def test_cursor_pages_neither_skip_nor_repeat_while_comments_arrive(
    container: Threadline, make_actor: ActorFactory
) -> None:
    alice = make_actor("alice")
    originals = [await post(container, alice, f"original {i}") for i in range(45)]
    await container.projector.catch_up()

    seen: list[str] = []
    cursor: str | None = None
    for page_number in range(1, 20):
        query = ThreadPageQuery(alice.tenant_id, "post", "p1", None, 0, Sort.NEWEST, 10, 1, cursor, 0, 0)
        body = orjson.loads((await build_thread_page(query, container.reader)).body)
        seen.extend(node["id"] for node in body["data"])
        assert body["meta"]["page"] == page_number
        # New comments land while the reader pages through.
        await asyncio.gather(*(post(container, alice, f"newcomer {page_number}-{i}") for i in range(3)))
        await container.projector.catch_up()
        cursor = body["meta"]["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == len(set(seen))
    assert sorted(seen) == sorted(originals)
