"""Event fan-out over Redis pub/sub: a commit in any process wakes every projector worker and,
later, live-update subscribers on every API process.

Pub/sub is fire-and-forget, which is enough: the log in the database stays the source of truth
and projectors also poll, so a lost message only delays an event, never loses it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

from redis.asyncio import Redis
from redis.exceptions import RedisError

from threadline.adapters.bus.redis_subscription import RedisSubscription

log = logging.getLogger(__name__)


class RedisBus:
    def __init__(self, client: Redis, prefix: str) -> None:
        self._client = client
        self.channel = f"{prefix}events"
        self._wake = asyncio.Event()
        self._listeners: list[Callable[[int], None]] = []
        self._subscription = RedisSubscription(client, self.channel, self._heard)
        self.listening = self._subscription.listening  # set once subscribed
        self.published = 0

    def subscribe(self, listener: Callable[[int], None]) -> None:
        self._listeners.append(listener)

    async def publish(self, position: int) -> None:
        self.published = max(self.published, position)
        self._notify(position)  # this process's own projector need not wait for the round trip
        try:
            await self._client.publish(self.channel, str(position))
        except (RedisError, OSError) as error:
            log.debug("event fan-out unavailable: %s", error)

    async def wait(self, timeout: float) -> None:
        try:
            await asyncio.wait_for(self._wake.wait(), timeout)
        except TimeoutError:
            return
        self._wake.clear()

    def _heard(self, data: bytes) -> None:
        with contextlib.suppress(ValueError):
            self._notify(int(data))

    def _notify(self, position: int) -> None:
        self._wake.set()
        for listener in self._listeners:
            listener(position)

    async def start(self) -> None:
        await self._subscription.start()

    async def stop(self) -> None:
        await self._subscription.stop()
