"""The live fan-out's contract (``LiveFanout``), in-process and over Redis pub/sub.

Every committed batch reaches every API process's listeners in log order, its messages' data byte
for byte as the live feed keeps it (a live stream and a resumed one send the same bytes). Two
``RedisLiveFanout`` on one prefix stand for two API processes: the publisher's own listeners hear
a batch at once (and again as the echo, which the hub drops), the other's hear it over Redis.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from tests.contracts.eventually import eventually
from tests.contracts.redis_space import RedisSpace
from threadline.adapters.bus.live_fanout import (
    InProcessLiveFanout,
    RedisLiveFanout,
    decode_batch,
    encode_batch,
)
from threadline.application.ports.live import LiveBatch, LiveFanout, LiveMessage

ACME = "tenant-acme"
# Not a speed bound: how long a batch on its way between processes is waited for.
STUCK_SECONDS = 60.0
BANNED = '{"user_id":"ü"}'.encode()
UNICODE_DATA = '{"content":"Grüße 👋🏽 «hé» — 日本語 \\u2028 \\"quoted\\" \\\\ back","like_count":3}'.encode()


def batch(after: int, through: int, data: bytes | None = None) -> LiveBatch:
    messages = [
        LiveMessage(
            position,
            ACME,
            "post",
            "p1",
            "comment.created",
            "author" if position % 2 else "public",
            "alice" if position % 2 else None,
            f"c{position}",
            data if data is not None else b'{"id":"c%d"}' % position,
        )
        for position in range(after + 1, through + 1)
    ]
    return LiveBatch(after, through, messages)


class Heard:
    """What one listener was told, in order."""

    def __init__(self, fanout: LiveFanout) -> None:
        self.batches: list[LiveBatch] = []
        self.stop = fanout.listen(self.batches.append)

    def throughs(self) -> list[int]:
        return [b.through for b in self.batches]

    async def until(self, through: int) -> None:
        async def arrived() -> bool:
            return any(b.through >= through for b in self.batches)

        await eventually(arrived, STUCK_SECONDS)


class LiveFanoutContract:
    @pytest.fixture
    async def processes(self) -> AsyncIterator[tuple[LiveFanout, LiveFanout]]:
        """The projector's process's fan-out, and another API process's (the same one where
        there is only one process)."""
        raise NotImplementedError("each implementation provides its fan-outs")
        yield  # pragma: no cover

    async def test_every_batch_reaches_a_listener_in_log_order_with_the_same_bytes(
        self, processes: tuple[LiveFanout, LiveFanout]
    ) -> None:
        publisher, other = processes
        heard = Heard(other)
        sent = [batch(0, 2), batch(2, 3, UNICODE_DATA), batch(3, 6)]

        for each in sent:
            await publisher.publish(each)
        await heard.until(6)

        assert heard.batches == sent
        assert [m.data for m in heard.batches[1].messages] == [UNICODE_DATA]

    async def test_the_publishers_own_listeners_hear_a_batch_before_publish_returns(
        self, processes: tuple[LiveFanout, LiveFanout]
    ) -> None:
        publisher, _ = processes
        heard = Heard(publisher)

        await publisher.publish(batch(0, 1))

        assert heard.batches[0] == batch(0, 1)

    async def test_a_listener_that_stopped_listening_hears_nothing_more(
        self, processes: tuple[LiveFanout, LiveFanout]
    ) -> None:
        publisher, other = processes
        leaving, staying = Heard(other), Heard(other)
        await publisher.publish(batch(0, 1))
        await leaving.until(1)
        await staying.until(1)

        leaving.stop()
        leaving.stop()  # twice changes nothing
        await publisher.publish(batch(1, 2))
        await staying.until(2)

        assert leaving.throughs() == [1]
        assert staying.throughs() == [1, 2]


class TestInProcessLiveFanout(LiveFanoutContract):
    @pytest.fixture
    async def processes(self) -> AsyncIterator[tuple[LiveFanout, LiveFanout]]:
        fanout = InProcessLiveFanout()
        await fanout.start()
        yield fanout, fanout
        await fanout.stop()


async def listening(fanout: RedisLiveFanout) -> RedisLiveFanout:
    await fanout.start()
    await asyncio.wait_for(fanout.listening.wait(), STUCK_SECONDS)
    return fanout


class TestRedisLiveFanout(LiveFanoutContract):
    @pytest.fixture
    async def processes(self, redis_space: RedisSpace) -> AsyncIterator[tuple[LiveFanout, LiveFanout]]:
        pair = (
            await listening(RedisLiveFanout(redis_space.client, redis_space.prefix)),
            await listening(RedisLiveFanout(redis_space.client, redis_space.prefix)),
        )
        try:
            yield pair
        finally:
            for fanout in pair:
                await fanout.stop()

    async def test_the_publisher_hears_its_own_batch_once_more_as_the_echo(
        self, processes: tuple[LiveFanout, LiveFanout]
    ) -> None:
        publisher, _ = processes
        heard = Heard(publisher)

        await publisher.publish(batch(0, 1))
        await eventually(lambda: _at_least(heard, 2), STUCK_SECONDS)

        assert heard.batches == [batch(0, 1), batch(0, 1)]  # the hub drops the second

    async def test_a_message_on_the_channel_that_is_not_a_batch_is_ignored(
        self, processes: tuple[LiveFanout, LiveFanout], redis_space: RedisSpace
    ) -> None:
        publisher, other = processes
        heard = Heard(other)
        assert isinstance(other, RedisLiveFanout)

        await redis_space.client.publish(other.channel, b"not a batch")
        await redis_space.client.publish(other.channel, b'{"after": 0}')
        await publisher.publish(batch(0, 1))
        await heard.until(1)

        assert heard.batches == [batch(0, 1)]

    async def test_another_prefix_is_another_installation_and_hears_nothing(
        self, processes: tuple[LiveFanout, LiveFanout], redis_space: RedisSpace
    ) -> None:
        publisher, other = processes
        elsewhere = await listening(RedisLiveFanout(redis_space.client, redis_space.prefix + "other:"))
        try:
            stranger, heard = Heard(elsewhere), Heard(other)
            await publisher.publish(batch(0, 1))
            await heard.until(1)
            await elsewhere.publish(batch(5, 6))  # its own listeners only; ours never hear it
            await publisher.publish(batch(1, 2))
            await heard.until(2)

            assert heard.throughs() == [1, 2]
            assert set(stranger.throughs()) == {6}  # its own batch (and its echo), never ours
        finally:
            await elsewhere.stop()


async def _at_least(heard: Heard, count: int) -> bool:
    return len(heard.batches) >= count


@pytest.mark.parametrize(
    "sent",
    [
        batch(0, 0),
        batch(4, 7),
        batch(10, 11, UNICODE_DATA),
        LiveBatch(2, 3, [LiveMessage(3, "t-é", "", "", "user.banned", "moderators", None, "", BANNED)]),
    ],
)
def test_a_batch_on_the_wire_decodes_to_the_batch_sent(sent: LiveBatch) -> None:
    received = decode_batch(encode_batch(sent))

    assert received == LiveBatch(sent.after, sent.through, list(sent.messages))
    assert [m.data for m in received.messages] == [m.data for m in sent.messages]
