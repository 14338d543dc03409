"""The page cache's contract (``PageCache``), run against the in-memory cache, the Redis cache and
the near cache in front of Redis.

Cached reads are safe only because a scope's token names its pages: after a bump no page filled
before it is reachable, and pages stored with the scope are deleted outright (erased words must
not wait for a TTL). ``bump_epoch`` does the same for every scope at once.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from tests.contracts.eventually import eventually
from tests.contracts.redis_space import RedisSpace
from threadline.adapters.cache.memory import MemoryPageCache
from threadline.adapters.cache.near_pages import NearPageCache
from threadline.adapters.cache.redis_pages import RedisPageCache
from threadline.application.ports.query import PageCache

THREAD, OTHER = "thread\x1facme\x1fpost\x1fp1", "thread\x1facme\x1fpost\x1fp2"
HEAD, TAIL = "page\x1f", "\x1fnewest"
TTL = 60.0


async def store(cache: PageCache, scope: str, page: bytes, *, with_scope: bool = True) -> str:
    """Fill the scope's current page the way a cached read does; the key it was stored under."""
    key = HEAD + await cache.token(scope) + TAIL
    await cache.set(key, page, TTL, scope if with_scope else None)
    return key


class PageCacheContract:
    @pytest.fixture
    def cache(self) -> PageCache:
        raise NotImplementedError("each implementation provides its page cache")

    async def test_a_stored_page_is_read_back_and_a_missing_one_is_none(self, cache: PageCache) -> None:
        assert await cache.get("nothing-here") is None
        await cache.set("k", b"page bytes", TTL)
        assert await cache.get("k") == b"page bytes"

    async def test_a_page_with_no_lifetime_is_not_stored(self, cache: PageCache) -> None:
        await cache.set("k", b"page", 0)
        assert await cache.get("k") is None

    async def test_a_page_expires_after_its_ttl(self, cache: PageCache) -> None:
        await cache.set("short", b"page", 0.05)
        await cache.set("long", b"page", TTL)

        async def expired() -> bool:
            return await cache.get("short") is None

        await eventually(expired)
        assert await cache.get("long") == b"page"

    async def test_a_scopes_token_stays_until_it_is_bumped(self, cache: PageCache) -> None:
        first = await cache.token(THREAD)
        assert await cache.token(THREAD) == first
        other = await cache.token(OTHER)
        assert other != first

        await cache.bump([THREAD])

        assert await cache.token(THREAD) != first
        assert await cache.token(OTHER) == other

    async def test_current_serves_the_page_under_the_scopes_token(self, cache: PageCache) -> None:
        assert await cache.current(THREAD, HEAD, TAIL) is None  # no token yet
        await store(cache, THREAD, b"v1")

        assert await cache.current(THREAD, HEAD, TAIL) == b"v1"
        assert await cache.current(THREAD, HEAD, "\x1fpopular") is None
        assert await cache.current(OTHER, HEAD, TAIL) is None

    async def test_after_a_bump_no_page_filled_before_it_is_served(self, cache: PageCache) -> None:
        await store(cache, THREAD, b"v1")
        await store(cache, OTHER, b"other v1")
        assert await cache.current(THREAD, HEAD, TAIL) == b"v1"

        await cache.bump([THREAD])

        assert await cache.current(THREAD, HEAD, TAIL) is None
        assert await cache.current(OTHER, HEAD, TAIL) == b"other v1"
        await store(cache, THREAD, b"v2")
        assert await cache.current(THREAD, HEAD, TAIL) == b"v2"

    async def test_a_bump_deletes_the_pages_stored_with_its_scope(self, cache: PageCache) -> None:
        scoped = await store(cache, THREAD, b"erased words")
        unscoped = await store(cache, OTHER, b"kept", with_scope=False)

        await cache.bump([THREAD, OTHER])

        assert await cache.get(scoped) is None
        assert await cache.get(unscoped) == b"kept"  # unreachable by token, gone by TTL

    async def test_bumping_no_scope_changes_nothing(self, cache: PageCache) -> None:
        await store(cache, THREAD, b"v1")
        await cache.bump([])
        assert await cache.current(THREAD, HEAD, TAIL) == b"v1"

    async def test_an_epoch_bump_makes_every_page_unreachable(self, cache: PageCache) -> None:
        await store(cache, THREAD, b"v1")
        await store(cache, OTHER, b"other v1")
        tokens = (await cache.token(THREAD), await cache.token(OTHER))

        await cache.bump_epoch()

        assert await cache.current(THREAD, HEAD, TAIL) is None
        assert await cache.current(OTHER, HEAD, TAIL) is None
        assert await cache.token(THREAD) not in tokens
        await store(cache, THREAD, b"v2")
        assert await cache.current(THREAD, HEAD, TAIL) == b"v2"

    async def test_the_first_claim_of_a_page_is_granted(self, cache: PageCache) -> None:
        assert await cache.claim("page-a", 5) is True
        assert await cache.claim("page-b", 5) is True


class SharedPageCacheContract(PageCacheContract):
    """Caches shared by every API process: one rebuild at a time across them."""

    async def test_a_second_claim_of_a_page_is_refused_until_it_expires(self, cache: PageCache) -> None:
        assert await cache.claim("page-a", 0.1) is True
        assert await cache.claim("page-a", 0.1) is False

        await eventually(lambda: cache.claim("page-a", 0.1))


class TestMemoryPageCache(PageCacheContract):
    @pytest.fixture
    def cache(self) -> PageCache:
        return MemoryPageCache(max_entries=100)


class TestRedisPageCache(SharedPageCacheContract):
    @pytest.fixture
    def cache(self, redis_space: RedisSpace) -> PageCache:
        return RedisPageCache(redis_space.client, redis_space.prefix)


class TestNearPageCache(SharedPageCacheContract):
    @pytest.fixture
    async def cache(self, redis_space: RedisSpace) -> AsyncIterator[PageCache]:
        shared = RedisPageCache(redis_space.client, redis_space.prefix)
        near = NearPageCache(shared, redis_space.client, redis_space.prefix, ttl=30.0)
        await near.start()
        await asyncio.wait_for(near.listening.wait(), 5)  # copies are kept only while listening
        try:
            yield near
        finally:
            await near.stop()
