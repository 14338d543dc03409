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
        self._stopping = False
        self.listening = asyncio.Event()  # set once subscribed: messages from then on are heard
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
            self._stopping = False
            self._task = asyncio.create_task(self._listen())

    async def stop(self) -> None:
        """Let the listener notice and leave (cancelling it mid-read can hang the connection)."""
        if self._task is None:
            return
        self._stopping = True
        try:
            await asyncio.wait_for(asyncio.shield(self._task), 2.0)
        except TimeoutError:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, TimeoutError):
                await asyncio.wait_for(self._task, 1.0)
        self._task = None

    async def _listen(self) -> None:
        backoff = 0.1
        while not self._stopping:
            try:
                async with self._client.pubsub() as pubsub:
                    await pubsub.subscribe(self.channel)
                    self.listening.set()
                    backoff = 0.1
                    while not self._stopping:
                        message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=0.25)
                        if message is not None and message.get("type") == "message":
                            with contextlib.suppress(TypeError, ValueError):
                                self._notify(int(message["data"]))
            except (RedisError, OSError) as error:
                log.debug("event fan-out listener lost redis: %s", error)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 5.0)
