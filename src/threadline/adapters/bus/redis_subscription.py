"""One Redis pub/sub subscription kept alive in the background: resubscribes after Redis drops,
says when it listens, and tells its owner when it (re)connects so the owner can resynchronize
whatever it may have missed while deaf.

Stopping never cancels the listener mid-read (that can leave the connection hung); the listener
polls with a timeout and leaves when it sees the stop. So that stopping is prompt rather than a
poll interval long, it also listens on a wake-up channel of its own, which ``stop`` publishes to.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Callable

from redis.asyncio import Redis
from redis.exceptions import RedisError

log = logging.getLogger(__name__)


class RedisSubscription:
    def __init__(
        self,
        client: Redis,
        channel: str,
        on_message: Callable[[bytes], None],
        on_connect: Callable[[], None] = lambda: None,
    ) -> None:
        self._client = client
        self.channel = channel
        self._on_message = on_message
        self._on_connect = on_connect
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self._wake_channel = f"{channel}|wake|{uuid.uuid4().hex}"  # this subscription's alone
        self.listening = asyncio.Event()  # set once subscribed: messages from then on are heard

    async def start(self) -> None:
        if self._task is None:
            self._stopping = False
            self._task = asyncio.create_task(self._listen())

    async def stop(self) -> None:
        """Let the listener notice and leave (cancelling it mid-read can hang the connection)."""
        if self._task is None:
            return
        self._stopping = True
        with contextlib.suppress(RedisError, OSError, TimeoutError):
            await asyncio.wait_for(self._client.publish(self._wake_channel, b""), 0.5)
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
                    await pubsub.subscribe(self.channel, self._wake_channel)
                    self._on_connect()
                    self.listening.set()
                    backoff = 0.1
                    while not self._stopping:
                        message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=0.25)
                        if message is None or message.get("type") != "message":
                            continue
                        channel = message.get("channel")
                        if channel in (self._wake_channel, self._wake_channel.encode()):
                            continue  # stop() woke us: the loop condition decides
                        data = message["data"]
                        self._on_message(data.encode() if isinstance(data, str) else bytes(data))
            except (RedisError, OSError) as error:
                self.listening.clear()
                log.debug("redis subscription to %s lost: %s", self.channel, error)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 5.0)
