"""How committed live batches reach every API process's hub (port ``LiveFanout``).

In-process (the embedded default): the projector's process is the only one, so its batches are
handed straight to the listeners. Over Redis pub/sub: the publishing process hands its batch to
its own listeners at once and publishes it; every other process hears it on the channel. Pub/sub
may drop a message (a reconnect): a listener sees the next batch start after a position it never
reached, and its hub reads the gap back from the live feed, so nothing is lost, only delayed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

import orjson
from redis.asyncio import Redis
from redis.exceptions import RedisError

from threadline.adapters.bus.redis_subscription import RedisSubscription
from threadline.application.ports.live import LiveBatch, LiveMessage

log = logging.getLogger(__name__)

Listener = Callable[[LiveBatch], None]
SUBSCRIBE_WAIT_SECONDS = 1.0


class _Listeners:
    def __init__(self) -> None:
        self._listeners: list[Listener] = []

    def listen(self, listener: Listener) -> Callable[[], None]:
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    def tell(self, batch: LiveBatch) -> None:
        for listener in tuple(self._listeners):
            listener(batch)


class InProcessLiveFanout(_Listeners):
    async def publish(self, batch: LiveBatch) -> None:
        self.tell(batch)

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None


def encode_batch(batch: LiveBatch) -> bytes:
    """A batch on the wire; each message's data travels as a string, so it arrives byte for byte
    as the live feed keeps it (a resumed subscriber and a live one get the same bytes)."""
    return orjson.dumps(
        {
            "after": batch.after,
            "through": batch.through,
            "messages": [
                [
                    m.position,
                    m.tenant_id,
                    m.entity_type,
                    m.entity_id,
                    m.event,
                    m.audience,
                    m.author_id,
                    m.comment_id,
                    m.data.decode(),
                ]
                for m in batch.messages
            ],
        }
    )


def decode_batch(raw: bytes) -> LiveBatch:
    body = orjson.loads(raw)
    messages = [
        LiveMessage(int(p), str(t), str(et), str(eid), str(ev), a, au, str(c), str(d).encode())
        for p, t, et, eid, ev, a, au, c, d in body["messages"]
    ]
    return LiveBatch(int(body["after"]), int(body["through"]), messages)


class RedisLiveFanout(_Listeners):
    def __init__(self, client: Redis, prefix: str) -> None:
        super().__init__()
        self._client = client
        self.channel = f"{prefix}live"
        self._subscription = RedisSubscription(client, self.channel, self._heard)
        self.listening = self._subscription.listening

    async def publish(self, batch: LiveBatch) -> None:
        self.tell(batch)  # this process's own subscribers need not wait for the round trip
        try:
            await self._client.publish(self.channel, encode_batch(batch))
        except (RedisError, OSError) as error:
            # The other processes read this batch back from the feed when the next one comes.
            log.warning("live fan-out unavailable: %s", error)

    def _heard(self, raw: bytes) -> None:
        try:
            batch = decode_batch(raw)
        except (ValueError, KeyError, TypeError):
            log.warning("live fan-out: a message that is not a batch was ignored")
            return
        self.tell(batch)

    async def start(self) -> None:
        """Subscribed before the hub reads the feed's head, so no batch falls between the two
        (with Redis slow to answer, the hub's sync finds such a batch a little later)."""
        await self._subscription.start()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.listening.wait(), SUBSCRIBE_WAIT_SECONDS)

    async def stop(self) -> None:
        await self._subscription.stop()
