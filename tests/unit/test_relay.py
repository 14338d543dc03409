"""The relay's loop over fakes of its ports: the checkpoint follows what the stream acknowledged
in order, a partial batch is sent again from the first event not kept, a stream that fails is
retried, and the stream's last message counts only if it is one of this log's events."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field

import pytest

from tests.unit.fakes import FakeBus, FakeDatabase, FakeEventReader
from threadline.application.ports.log_consumers import ConsumerCheckpoints, EventStream, KeptEvent
from threadline.application.ports.projection import StoredEvent
from threadline.application.relay.relay import Backoff, NotKept, Relay

CONSUMER = "relay:nats:TEST"


def event(position: int) -> StoredEvent:
    return StoredEvent(position, f"e{position}", "t1", "a1", position, "c1", "CommentLiked", 1, {}, {}, "now")


class FakeCheckpoints(ConsumerCheckpoints):
    def __init__(self) -> None:
        self.positions: dict[str, int] = {}

    async def position(self, consumer: str) -> int:
        return self.positions.get(consumer, 0)

    async def store(self, consumer: str, position: int) -> None:
        self.positions[consumer] = max(position, self.positions.get(consumer, 0))


@dataclass
class FakeStream(EventStream):
    """Keeps what it is given, in order; ``keep_only`` and ``failures`` play a lossy stream."""

    kept: list[StoredEvent] = field(default_factory=list)
    keep_only: list[int] = field(default_factory=list)  # per publish: how many to keep
    failures: int = 0  # publishes that raise before keeping anything
    last: KeptEvent | None = None
    followed: list[str | None] = field(default_factory=list)
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    async def last_kept(self) -> KeptEvent | None:
        return self.last

    def follows(self, event_id: str | None) -> None:
        self.followed.append(event_id)

    async def publish(self, events: Sequence[StoredEvent]) -> int:
        if self.failures:
            self.failures -= 1
            raise ConnectionError("NATS is down")
        count = self.keep_only.pop(0) if self.keep_only else len(events)
        self.kept.extend(events[:count])
        self.changed.set()
        return count

    async def close(self) -> None:
        return None


def relay_over(count: int, stream: FakeStream, checkpoints: FakeCheckpoints | None = None) -> Relay:
    database = FakeDatabase()
    database.state.events.extend(event(p) for p in range(1, count + 1))
    return Relay(
        reader=FakeEventReader(database),
        checkpoints=checkpoints or FakeCheckpoints(),
        stream=stream,
        consumer=CONSUMER,
        batch_size=5,
        backoff=Backoff(first=0.001, longest=0.002),
    )


async def test_a_partly_kept_batch_stores_what_was_kept_and_sends_the_rest_again() -> None:
    stream = FakeStream(keep_only=[3])
    relay = relay_over(5, stream)

    with pytest.raises(NotKept):
        await relay.relay_once()
    assert await relay.checkpoints.position(CONSUMER) == 3
    assert await relay.relay_once() == 2

    assert [e.position for e in stream.kept] == [1, 2, 3, 4, 5]
    assert await relay.checkpoints.position(CONSUMER) == 5


async def test_a_failing_stream_is_retried_until_every_event_is_kept_in_order() -> None:
    stream = FakeStream(failures=3, keep_only=[0, 2])
    relay = relay_over(12, stream)
    stop = asyncio.Event()
    bus = FakeBus()
    # Failures are retried after a backoff, not at the next wake-up: the bus never wakes it here.
    running = asyncio.create_task(relay.run_forever(bus, 3600.0, stop))
    try:
        while len(stream.kept) < 12:
            stream.changed.clear()
            await asyncio.wait_for(stream.changed.wait(), 30)
    finally:
        stop.set()
        await asyncio.wait_for(running, 30)

    assert [e.position for e in stream.kept] == list(range(1, 13))
    assert await relay.checkpoints.position(CONSUMER) == 12


async def test_the_relay_resumes_after_the_last_event_the_stream_holds() -> None:
    stream = FakeStream(last=KeptEvent(4, "e4"))
    checkpoints = FakeCheckpoints()
    await checkpoints.store(CONSUMER, 2)
    relay = relay_over(6, stream, checkpoints)

    assert await relay.resume() == 4
    assert await relay.catch_up() == 2
    assert [e.position for e in stream.kept] == [5, 6]
    assert stream.followed == ["e4"]  # the first publish is checked against it


async def test_a_last_message_that_is_not_this_logs_event_is_ignored() -> None:
    stream = FakeStream(last=KeptEvent(4, "another-log"))
    checkpoints = FakeCheckpoints()
    await checkpoints.store(CONSUMER, 2)
    relay = relay_over(6, stream, checkpoints)

    assert await relay.resume() == 2
    assert await relay.catch_up() == 4
    assert stream.followed == [None]
