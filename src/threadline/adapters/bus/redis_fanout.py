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

log = logging.getLogger(__name__)


class RedisBus:
    def __init__(self, client: Redis, prefix: str) -> None:
        self._client = client
        self.channel = f"{prefix}events"
        self._wake = asyncio.Event()
        self._listeners: list[Callable[[int], None]] = []
        self._task: asyncio.Task[None] | None = None
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

    def _notify(self, position: int) -> None:
        self._wake.set()
        for listener in self._listeners:
            listener(position)

    async def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._listen())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _listen(self) -> None:
        backoff = 0.1
        while True:
            try:
                async with self._client.pubsub() as pubsub:
                    await pubsub.subscribe(self.channel)
                    backoff = 0.1
                    async for message in pubsub.listen():
                        if message.get("type") == "message":
                            try:
                                self._notify(int(message["data"]))
                            except (TypeError, ValueError):
                                continue
            except asyncio.CancelledError:
                raise
            except (RedisError, OSError) as error:
                log.debug("event fan-out listener lost redis: %s", error)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 5.0)
