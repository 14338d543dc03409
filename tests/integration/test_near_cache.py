"""The per-process near cache over real Redis: two API processes (two caches on one Redis), a
bump in either one drops the other's copies, and no copy outlives a change it may have missed."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from tests.backends import REDIS_URL, drop_redis_keys, require_servers
from threadline.adapters.cache.near_pages import NearPageCache
from threadline.adapters.cache.redis_pages import RedisPageCache

SCOPE = "thread\x1ft1\x1fpost\x1fp1"
HEAD, TAIL = "page\x1f", "\x1fnewest"


class Process:
    def __init__(self, client: Redis, prefix: str) -> None:
        self.shared = RedisPageCache(client, prefix)
        self.near = NearPageCache(self.shared, client, prefix, ttl=30.0)

    async def store(self, page: bytes) -> None:
        token = await self.shared.token(SCOPE)
        await self.shared.set(HEAD + token + TAIL, page, 60, scope=SCOPE)


@pytest.fixture
async def two() -> AsyncIterator[tuple[Process, Process]]:
    require_servers()
    prefix = f"threadline-test:{uuid.uuid4().hex[:12]}:"
    client = Redis.from_url(REDIS_URL)
    a, b = Process(client, prefix), Process(client, prefix)
    await a.near.start()
    await b.near.start()
    await asyncio.wait_for(asyncio.gather(a.near.listening.wait(), b.near.listening.wait()), 5)
    try:
        yield a, b
    finally:
        await a.near.stop()
        await b.near.stop()
        await client.aclose()
        await drop_redis_keys(prefix)


async def eventually(condition: object, seconds: float = 2.0) -> None:
    deadline = asyncio.get_running_loop().time() + seconds
    while not condition():  # type: ignore[operator]
        assert asyncio.get_running_loop().time() < deadline, "not in time"
        await asyncio.sleep(0.01)


async def test_a_hot_page_is_served_from_the_process_after_the_first_read(
    two: tuple[Process, Process],
) -> None:
    a, _ = two
    await a.store(b"v1")

    assert await a.near.current(SCOPE, HEAD, TAIL) == b"v1"
    assert await a.near.current(SCOPE, HEAD, TAIL) == b"v1"
    assert a.near.local_hits == 1


async def test_a_bump_in_one_process_drops_the_copies_of_the_other(two: tuple[Process, Process]) -> None:
    a, b = two
    await a.store(b"v1")
    assert await a.near.current(SCOPE, HEAD, TAIL) == b"v1"
    assert await b.near.current(SCOPE, HEAD, TAIL) == b"v1"

    await b.near.bump([SCOPE])  # b's projector applied a change to the thread
    await b.store(b"v2")

    await eventually(lambda: (SCOPE, HEAD + TAIL) not in a.near._copies)
    assert await a.near.current(SCOPE, HEAD, TAIL) == b"v2"


async def test_a_page_fetched_while_its_scope_was_bumped_is_not_kept(two: tuple[Process, Process]) -> None:
    a, b = two
    await a.store(b"v1")
    shared_current = a.shared.current

    async def slow_current(scope: str, head: str, tail: str) -> bytes | None:
        page = await shared_current(scope, head, tail)  # the old page, read before the bump
        await b.near.bump([SCOPE])
        await eventually(lambda: a.near._generations.get(SCOPE, 0) > 0)
        return page

    a.shared.current = slow_current  # type: ignore[method-assign]
    assert await a.near.current(SCOPE, HEAD, TAIL) == b"v1"
    a.shared.current = shared_current  # type: ignore[method-assign]

    assert (SCOPE, HEAD + TAIL) not in a.near._copies
    assert await a.near.current(SCOPE, HEAD, TAIL) is None  # the bumped token names no page yet


async def test_an_epoch_bump_drops_every_copy_everywhere(two: tuple[Process, Process]) -> None:
    a, b = two
    await a.store(b"v1")
    await a.near.current(SCOPE, HEAD, TAIL)

    await b.near.bump_epoch()  # a projector restarted

    await eventually(lambda: not a.near._copies)
    assert await a.near.current(SCOPE, HEAD, TAIL) is None


async def test_nothing_is_kept_while_the_process_cannot_hear_bumps(two: tuple[Process, Process]) -> None:
    a, _ = two
    await a.store(b"v1")
    await a.near.stop()
    a.near.listening.clear()

    assert await a.near.current(SCOPE, HEAD, TAIL) == b"v1"
    assert await a.near.current(SCOPE, HEAD, TAIL) == b"v1"
    assert a.near.local_hits == 0 and not a.near._copies
