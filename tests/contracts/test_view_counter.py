"""The view counter's contract (``ViewCounter``), run against the in-memory counter and Redis.

A viewer counts once per thread per window, whatever the comments on the page; ``drain`` hands
each count over exactly once. With Redis, several API processes share the window and the
pending counts, so a viewer served by two processes still counts once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest

from tests.contracts.eventually import eventually
from tests.contracts.redis_space import RedisSpace
from threadline.adapters.cache.view_counters import MemoryViewCounter, RedisViewCounter
from threadline.application.ports.cross_cutting import ViewCounter

ACME, GLOBEX = "tenant-acme", "tenant-globex"
THREAD, OTHER = "acme/post/p1", "acme/post/p2"
WINDOW_SECONDS = 1  # the shortest window Redis keeps (its expiry is in whole seconds)

CounterFactory = Callable[[int], ViewCounter]


class ViewCounterContract:
    @pytest.fixture
    def new_counter(self) -> CounterFactory:
        """Counters over the same shared store (if any), one per simulated process."""
        raise NotImplementedError("each implementation provides its counters")

    @pytest.fixture
    def counter(self, new_counter: CounterFactory) -> ViewCounter:
        return new_counter(1800)

    async def test_a_viewer_counts_once_for_every_comment_on_the_page(self, counter: ViewCounter) -> None:
        await counter.record(ACME, THREAD, "viewer-1", ["c1", "c2"])

        assert await counter.drain() == {(ACME, "c1"): 1, (ACME, "c2"): 1}

    async def test_the_same_viewer_of_the_same_thread_counts_once_per_window(
        self, counter: ViewCounter
    ) -> None:
        for _ in range(3):
            await counter.record(ACME, THREAD, "viewer-1", ["c1"])
        await counter.push()
        await counter.record(ACME, THREAD, "viewer-1", ["c1", "c2"])  # the next page of it

        assert await counter.drain() == {(ACME, "c1"): 1}

    async def test_other_viewers_and_other_threads_count_again(self, counter: ViewCounter) -> None:
        await counter.record(ACME, THREAD, "viewer-1", ["c1"])
        await counter.record(ACME, THREAD, "viewer-2", ["c1"])
        await counter.record(ACME, OTHER, "viewer-1", ["c1"])
        await counter.record(GLOBEX, "globex/post/p1", "viewer-1", ["c1"])

        assert await counter.drain() == {(ACME, "c1"): 3, (GLOBEX, "c1"): 1}

    async def test_a_page_without_comments_uses_up_no_view(self, counter: ViewCounter) -> None:
        """An empty thread viewed, then viewed again once someone commented: that view counts."""
        await counter.record(ACME, THREAD, "viewer-1", [])
        await counter.push()
        assert await counter.drain() == {}

        await counter.record(ACME, THREAD, "viewer-1", ["c1"])
        assert await counter.drain() == {(ACME, "c1"): 1}

    async def test_a_drain_hands_each_count_over_once(self, counter: ViewCounter) -> None:
        await counter.record(ACME, THREAD, "viewer-1", ["c1"])
        await counter.push()
        assert await counter.drain() == {(ACME, "c1"): 1}
        assert await counter.drain() == {}

        await counter.record(ACME, THREAD, "viewer-2", ["c1"])
        assert await counter.drain() == {(ACME, "c1"): 1}  # drain takes what was not pushed yet

    async def test_nothing_recorded_drains_nothing(self, counter: ViewCounter) -> None:
        await counter.push()
        assert await counter.drain() == {}

    async def test_a_viewer_counts_again_once_the_window_has_passed(
        self, new_counter: CounterFactory
    ) -> None:
        counter = new_counter(WINDOW_SECONDS)
        await counter.record(ACME, THREAD, "viewer-1", ["c1"])
        assert await counter.drain() == {(ACME, "c1"): 1}

        async def counted_again() -> bool:
            await counter.record(ACME, THREAD, "viewer-1", ["c1"])
            return await counter.drain() == {(ACME, "c1"): 1}

        await eventually(counted_again, seconds=WINDOW_SECONDS + 3)


class SharedViewCounterContract(ViewCounterContract):
    """Counters of several API processes over one shared store."""

    async def test_a_viewer_served_by_two_processes_counts_once(self, new_counter: CounterFactory) -> None:
        first, second = new_counter(1800), new_counter(1800)
        await first.record(ACME, THREAD, "viewer-1", ["c1"])
        await second.record(ACME, THREAD, "viewer-1", ["c1"])
        await asyncio.gather(first.push(), second.push())

        assert await first.drain() == {(ACME, "c1"): 1}
        assert await second.drain() == {}

    async def test_any_process_drains_the_views_every_process_pushed(
        self, new_counter: CounterFactory
    ) -> None:
        api, flusher = new_counter(1800), new_counter(1800)
        await api.record(ACME, THREAD, "viewer-1", ["c1"])
        await api.push()

        assert await flusher.drain() == {(ACME, "c1"): 1}
        assert await api.drain() == {}


class TestMemoryViewCounter(ViewCounterContract):
    @pytest.fixture
    def new_counter(self) -> CounterFactory:
        return lambda window: MemoryViewCounter(window)


class TestRedisViewCounter(SharedViewCounterContract):
    @pytest.fixture
    def new_counter(self, redis_space: RedisSpace) -> CounterFactory:
        return lambda window: RedisViewCounter(redis_space.client, redis_space.prefix, window)
