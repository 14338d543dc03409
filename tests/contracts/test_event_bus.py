"""The event bus's contract (``EventBus``), run against the in-process bus, the Redis fan-out and
the fake the unit tests use.

A bus only shortens latency (projectors also poll), but a projector relies on two things: a
publish wakes a waiting projector at once, even one that starts waiting just after it, and a
wait with nothing published returns after its timeout instead of raising or hanging.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from tests.contracts.redis_space import RedisSpace
from tests.unit.fakes import FakeBus
from threadline.adapters.bus.in_process import InProcessBus
from threadline.adapters.bus.redis_fanout import RedisBus
from threadline.application.ports.cross_cutting import EventBus

LONG = 10.0  # a wait that only a publish can cut short within the test's patience
SHORT = 0.05


def clock() -> float:
    return asyncio.get_running_loop().time()


class EventBusContract:
    @pytest.fixture
    def bus(self) -> EventBus:
        raise NotImplementedError("each implementation provides its bus")

    async def test_a_publish_wakes_a_waiting_projector(self, bus: EventBus) -> None:
        waiting = asyncio.create_task(bus.wait(LONG))
        await asyncio.sleep(0)  # let it start waiting
        started = clock()

        await bus.publish(7)

        await asyncio.wait_for(waiting, LONG / 2)
        assert clock() - started < LONG / 2

    async def test_a_publish_just_before_the_wait_is_not_lost(self, bus: EventBus) -> None:
        await bus.publish(7)
        started = clock()

        await asyncio.wait_for(bus.wait(LONG), LONG / 2)

        assert clock() - started < LONG / 2

    async def test_a_wait_with_nothing_published_returns_after_its_timeout(self, bus: EventBus) -> None:
        started = clock()

        await asyncio.wait_for(bus.wait(SHORT), LONG)

        assert clock() - started >= SHORT * 0.9

    async def test_one_publish_wakes_one_wait_then_waits_time_out_again(self, bus: EventBus) -> None:
        await bus.publish(7)
        await asyncio.wait_for(bus.wait(LONG), LONG / 2)
        started = clock()

        await bus.wait(SHORT)

        assert clock() - started >= SHORT * 0.9


class TestInProcessBus(EventBusContract):
    @pytest.fixture
    def bus(self) -> EventBus:
        return InProcessBus()


class TestFakeBus(EventBusContract):
    @pytest.fixture
    def bus(self) -> EventBus:
        return FakeBus()


class TestRedisBus(EventBusContract):
    @pytest.fixture
    async def bus(self, redis_space: RedisSpace) -> AsyncIterator[EventBus]:
        bus = RedisBus(redis_space.client, redis_space.prefix)
        await bus.start()
        await asyncio.wait_for(bus.listening.wait(), 5)
        try:
            yield bus
        finally:
            await bus.stop()

    async def test_a_publish_in_one_process_wakes_a_projector_in_another(
        self, redis_space: RedisSpace
    ) -> None:
        api, worker = (
            RedisBus(redis_space.client, redis_space.prefix),
            RedisBus(redis_space.client, redis_space.prefix),
        )
        await worker.start()
        try:
            await asyncio.wait_for(worker.listening.wait(), 5)
            waiting = asyncio.create_task(worker.wait(LONG))
            await asyncio.sleep(0)
            started = clock()

            await api.publish(7)

            await asyncio.wait_for(waiting, LONG / 2)
            assert clock() - started < LONG / 2
        finally:
            await worker.stop()
