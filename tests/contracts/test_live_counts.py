"""The live counts' contract (``LiveCounts``), run against the in-memory structure and Redis.

It answers only once a load finished (never a 0 it does not know), for many entities in one
lookup, per tenant and entity type; a count read at an older projection position never replaces
one read at a newer position, so updates repeated or landing out of order change nothing.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.backends import drop_redis_keys
from tests.contracts.redis_space import RedisSpace
from threadline.adapters.cache.live_counts import MemoryLiveCounts, RedisLiveCounts
from threadline.application.ports.live_counts import LiveCounts, Thread

ACME, GLOBEX = "tenant-acme", "tenant-globex"


def post(entity_id: str, tenant_id: str = ACME) -> Thread:
    return Thread(tenant_id, "post", entity_id)


async def loaded(counts: LiveCounts, values: dict[Thread, int], position: int = 10) -> None:
    token = await counts.begin_load()
    await counts.settle(values, position)
    assert await counts.finish_load(token)


class LiveCountsContract:
    @pytest.fixture
    def counts(self) -> LiveCounts:
        raise NotImplementedError("each implementation provides its structure")

    async def test_a_structure_never_loaded_answers_nothing_even_for_counts_it_was_given(
        self, counts: LiveCounts
    ) -> None:
        await counts.settle({post("p1"): 3}, 5)

        assert await counts.lookup(ACME, "post", ["p1", "p2"]) is None
        assert not await counts.complete()

    async def test_a_loaded_structure_answers_every_entity_asked_in_order_zero_for_none(
        self, counts: LiveCounts
    ) -> None:
        await loaded(counts, {post("p1"): 3, post("p2"): 1})

        found = await counts.lookup(ACME, "post", ["p2", "never", "p1"])

        assert found == {"p2": 1, "never": 0, "p1": 3}
        assert found is not None and list(found) == ["p2", "never", "p1"]
        assert await counts.lookup(ACME, "video", ["p1"]) == {"p1": 0}

    async def test_a_hundred_entities_are_answered_in_one_lookup(self, counts: LiveCounts) -> None:
        await loaded(counts, {post(f"e-{n}"): n for n in range(100)})

        found = await counts.lookup(ACME, "post", [f"e-{n}" for n in range(100)])

        assert found == {f"e-{n}": n for n in range(100)}

    async def test_tenants_and_entity_types_never_share_counts(self, counts: LiveCounts) -> None:
        await loaded(counts, {post("p1"): 3, post("p1", GLOBEX): 7, Thread(ACME, "video", "p1"): 2})

        assert await counts.lookup(ACME, "post", ["p1"]) == {"p1": 3}
        assert await counts.lookup(GLOBEX, "post", ["p1"]) == {"p1": 7}
        assert await counts.lookup(ACME, "video", ["p1"]) == {"p1": 2}
        assert await counts.lookup(GLOBEX, "video", ["p1"]) == {"p1": 0}

    async def test_a_count_read_later_replaces_one_read_earlier_and_never_the_reverse(
        self, counts: LiveCounts
    ) -> None:
        await loaded(counts, {post("p1"): 3, post("p2"): 1}, position=10)

        await counts.settle({post("p1"): 4}, 12)
        await counts.settle({post("p1"): 2, post("p2"): 9}, 11)  # read before the one at 12 landed
        await counts.settle({post("p2"): 0}, 9)  # older than the load

        assert await counts.lookup(ACME, "post", ["p1", "p2"]) == {"p1": 4, "p2": 9}

    async def test_the_same_update_twice_is_the_update_once(self, counts: LiveCounts) -> None:
        await loaded(counts, {post("p1"): 3})

        for _ in range(2):
            await counts.settle({post("p1"): 5, post("p2"): 1}, 11)

        assert await counts.lookup(ACME, "post", ["p1", "p2"]) == {"p1": 5, "p2": 1}

    async def test_a_load_stops_answers_until_it_finishes(self, counts: LiveCounts) -> None:
        await loaded(counts, {post("p1"): 3})

        token = await counts.begin_load()
        assert await counts.lookup(ACME, "post", ["p1"]) is None
        await counts.settle({post("p1"): 4}, 20)
        assert await counts.finish_load(token)

        assert await counts.lookup(ACME, "post", ["p1"]) == {"p1": 4}

    async def test_a_load_superseded_by_a_later_one_does_not_finish_it(self, counts: LiveCounts) -> None:
        first = await counts.begin_load()
        second = await counts.begin_load()

        assert not await counts.finish_load(first)
        assert await counts.lookup(ACME, "post", ["p1"]) is None
        assert await counts.finish_load(second)
        assert await counts.lookup(ACME, "post", ["p1"]) == {"p1": 0}

    async def test_it_knows_the_latest_position_it_stored_a_count_from(self, counts: LiveCounts) -> None:
        assert await counts.position() == 0
        await loaded(counts, {post("p1"): 3}, position=10)
        await counts.settle({post("p2"): 1}, 14)
        await counts.settle({post("p1"): 1}, 12)

        assert await counts.position() == 14

    async def test_forgetting_drops_every_count_and_the_positions_they_were_read_at(
        self, counts: LiveCounts
    ) -> None:
        await loaded(counts, {post("p1"): 3, post("p1", GLOBEX): 2}, position=50)

        await counts.forget()
        assert await counts.lookup(ACME, "post", ["p1"]) is None
        await loaded(counts, {post("p1"): 1}, position=4)  # a rebuild's positions start again

        assert await counts.lookup(ACME, "post", ["p1"]) == {"p1": 1}
        assert await counts.lookup(GLOBEX, "post", ["p1"]) == {"p1": 0}
        assert await counts.position() == 4


class TestMemoryLiveCounts(LiveCountsContract):
    @pytest.fixture
    def counts(self) -> LiveCounts:
        return MemoryLiveCounts()


class TestRedisLiveCounts(LiveCountsContract):
    @pytest.fixture
    def new_counts(self, redis_space: RedisSpace) -> Callable[[], LiveCounts]:
        """Structures over the same Redis, one per simulated process."""
        return lambda: RedisLiveCounts(redis_space.client, redis_space.prefix)

    @pytest.fixture
    def counts(self, new_counts: Callable[[], LiveCounts]) -> LiveCounts:
        return new_counts()

    async def test_every_process_reads_the_counts_one_projector_keeps(
        self, new_counts: Callable[[], LiveCounts]
    ) -> None:
        projector, api = new_counts(), new_counts()
        await loaded(projector, {post("p1"): 3})
        await projector.settle({post("p1"): 4}, 11)

        assert await api.lookup(ACME, "post", ["p1", "p2"]) == {"p1": 4, "p2": 0}

    async def test_a_flushed_redis_answers_nothing_rather_than_zeros(
        self, counts: LiveCounts, redis_space: RedisSpace
    ) -> None:
        await loaded(counts, {post("p1"): 3})

        await drop_redis_keys(redis_space.prefix)

        assert await counts.lookup(ACME, "post", ["p1"]) is None
        assert not await counts.complete()

    async def test_a_load_during_which_redis_was_flushed_does_not_finish(
        self, counts: LiveCounts, redis_space: RedisSpace
    ) -> None:
        token = await counts.begin_load()
        await counts.settle({post("p1"): 3}, 10)
        await drop_redis_keys(redis_space.prefix)  # the first half of the load is gone

        assert not await counts.finish_load(token)
        assert await counts.lookup(ACME, "post", ["p1"]) is None

    async def test_an_unreachable_redis_answers_nothing(self) -> None:
        from redis.asyncio import Redis

        client = Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.2)
        try:
            assert await RedisLiveCounts(client, "nowhere:").lookup(ACME, "post", ["p1"]) is None
        finally:
            await client.aclose()
