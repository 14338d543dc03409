"""The relay against the real NATS JetStream server, on both backends: every event once, in log
order, with its subject, id and body; resuming from the checkpoint, or from what the stream
holds; NATS unreachable, then reachable, losing nothing."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator

import nats
import pytest
import sqlalchemy as sa

from tests.backends import NATS_URL, require_nats
from tests.conftest import ActorFactory
from tests.integration.helpers import post
from tests.integration.relay_support import (
    Kept,
    NatsDoor,
    RelayStream,
    checkpoint,
    fill_log,
    relay_stream,
    stream_messages,
    wait_until,
)
from threadline.adapters.nats.jetstream import JetStreamEvents
from threadline.adapters.sql.schema import consumer_checkpoints
from threadline.application.relay.relay import Relay
from threadline.bootstrap import Threadline, build_relay
from threadline.domain.tenant import Tenant


@pytest.fixture
async def stream() -> AsyncIterator[RelayStream]:
    require_nats()
    async with relay_stream() as made:
        yield made


@contextlib.asynccontextmanager
async def relay_for(
    container: Threadline, stream: RelayStream, url: str | None = None
) -> AsyncIterator[Relay]:
    """A relay on the container's log, as `threadline relay` builds it; its connection closed after."""
    original = container.settings
    container.settings = stream.settings(original, *([url] if url else []))
    try:
        relay = build_relay(container)
    finally:
        container.settings = original
    try:
        yield relay
    finally:
        await relay.stream.close()


def positions(kept: list[Kept]) -> list[int]:
    return [message.body["position"] for message in kept]


async def test_every_event_is_relayed_once_in_log_order_with_its_subject_id_and_body(
    container: Threadline, tenant: Tenant, other_tenant: Tenant, make_actor: ActorFactory, stream: RelayStream
) -> None:
    await post(container, make_actor("alice"), "first")
    await post(container, make_actor("bob", tenant_id=other_tenant.id), "elsewhere")
    await post(container, make_actor("alice"), "second", entity=("post", "p2"))
    log = await container.events.read_after(0, 100)

    async with relay_for(container, stream) as relay:
        relayed = await relay.catch_up()

    kept = await stream_messages(stream.name)
    assert relayed == len(log) == len(kept) == 3
    assert [m.subject for m in kept] == [f"{stream.prefix}.{e.tenant_id}.{e.event_type}" for e in log]
    assert [m.headers["Nats-Msg-Id"] for m in kept] == [e.event_id for e in log]
    assert [m.body for m in kept] == [
        {
            "position": e.position,
            "event_id": e.event_id,
            "tenant_id": e.tenant_id,
            "event_type": e.event_type,
            "schema_version": e.schema_version,
            "aggregate_id": e.aggregate_id,
            "aggregate_version": e.aggregate_version,
            "comment_id": e.comment_id,
            "payload": e.payload,
            "metadata": e.metadata,
            "recorded_at": e.recorded_at,
        }
        for e in log
    ]
    assert await checkpoint(container, stream.consumer) == log[-1].position


async def test_a_restarted_relay_resumes_from_its_checkpoint(
    container: Threadline, tenant: Tenant, make_actor: ActorFactory, stream: RelayStream
) -> None:
    await fill_log(container, make_actor(), 7)
    async with relay_for(container, stream) as relay:
        relay.batch_size = 3  # three batches, the last one short
        assert await relay.catch_up() == 7
    await fill_log(container, make_actor(), 5)

    async with relay_for(container, stream) as restarted:
        assert await restarted.resume() == 7
        assert await restarted.catch_up() == 5

    kept = await stream_messages(stream.name)
    assert positions(kept) == [e.position for e in await container.events.read_after(0, 100)]
    assert len(kept) == 12


async def test_a_relay_that_crashed_between_ack_and_checkpoint_resumes_after_what_the_stream_holds(
    container: Threadline, tenant: Tenant, make_actor: ActorFactory, stream: RelayStream
) -> None:
    await fill_log(container, make_actor(), 6)
    async with relay_for(container, stream) as relay:
        await relay.catch_up()
    async with container.write_db.writer.begin() as connection:  # the checkpoint never stored
        await connection.execute(sa.delete(consumer_checkpoints))
    await fill_log(container, make_actor(), 2)

    async with relay_for(container, stream) as restarted:
        assert await restarted.resume() == 6  # not 0: nothing already kept is sent again
        assert await restarted.catch_up() == 2

    kept = await stream_messages(stream.name)
    assert positions(kept) == [e.position for e in await container.events.read_after(0, 100)]
    assert [m.headers.get("Nats-Expected-Last-Msg-Id") for m in kept[6:]] == [
        kept[5].headers["Nats-Msg-Id"],
        kept[6].headers["Nats-Msg-Id"],
    ]
    assert await checkpoint(container, stream.consumer) == kept[-1].body["position"]


async def test_an_event_sent_again_within_the_duplicate_window_is_kept_once(
    container: Threadline, tenant: Tenant, make_actor: ActorFactory, stream: RelayStream
) -> None:
    await fill_log(container, make_actor(), 4)
    batch = await container.events.read_after(0, 100)
    async with relay_for(container, stream) as relay:
        assert isinstance(relay.stream, JetStreamEvents)
        assert await relay.stream.publish(batch) == 4
        relay.stream.follows(None)  # a restart that knows nothing: the whole batch again
        assert await relay.stream.publish(batch) == 4

    assert positions(await stream_messages(stream.name)) == [e.position for e in batch]


async def test_a_commit_wakes_the_running_relay(
    container: Threadline, tenant: Tenant, make_actor: ActorFactory, stream: RelayStream
) -> None:
    stop = asyncio.Event()
    async with relay_for(container, stream) as relay:
        # A poll interval far beyond the wait's guard: only the bus's wake-up can deliver it.
        running = asyncio.create_task(relay.run_forever(container.bus, 3600.0, stop))
        try:
            await wait_until(lambda: _resumed(relay), "the relay to start")
            await post(container, make_actor(), "now")
            head = await container.events.last_position()
            await wait_until(lambda: _reached(container, stream, head), "the relay to hand the commit on")
        finally:
            stop.set()
            await asyncio.wait_for(running, 30)
    assert positions(await stream_messages(stream.name)) == [head]


async def _resumed(relay: Relay) -> bool:
    return relay.position is not None


async def _reached(container: Threadline, stream: RelayStream, position: int) -> bool:
    return await checkpoint(container, stream.consumer) >= position


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_nats_unreachable_then_reachable_loses_nothing_and_keeps_the_order(
    container: Threadline, tenant: Tenant, make_actor: ActorFactory, stream: RelayStream
) -> None:
    door = NatsDoor(_free_port())  # closed: connections refused
    stop = asyncio.Event()
    await fill_log(container, make_actor(), 40)
    async with relay_for(container, stream, door.url) as relay:
        assert isinstance(relay.stream, JetStreamEvents)
        events = relay.stream
        running = asyncio.create_task(relay.run_forever(container.bus, 0.2, stop))
        try:
            await wait_until(lambda: _failed(events, 3), "the relay to try NATS and fail")
            assert await checkpoint(container, stream.consumer) == 0

            await door.open()
            head = await container.events.last_position()
            await wait_until(lambda: _reached(container, stream, head), "the relay to catch up")

            await door.close()  # an outage with a batch on the way
            failures = events.connect_failures
            await fill_log(container, make_actor(), 300, thread="p2")
            await wait_until(lambda: _failed(events, failures + 2), "the relay to lose NATS")
            await door.open()
            head = await container.events.last_position()
            await wait_until(lambda: _reached(container, stream, head), "the relay to catch up again")
        finally:
            stop.set()
            await asyncio.wait_for(running, 30)
            await door.close()

    kept = await stream_messages(stream.name)
    assert positions(kept) == [e.position for e in await container.events.read_after(0, 1000)]
    assert len(kept) == 340


async def _failed(events: JetStreamEvents, times: int) -> bool:
    return events.connect_failures >= times


async def test_a_message_another_publisher_put_in_the_stream_does_not_stop_the_relay(
    container: Threadline, tenant: Tenant, make_actor: ActorFactory, stream: RelayStream
) -> None:
    await fill_log(container, make_actor(), 3)
    stop = asyncio.Event()
    async with relay_for(container, stream) as relay:
        await relay.catch_up()
        client = await nats.connect(NATS_URL)
        try:
            await client.jetstream().publish(f"{stream.prefix}.elsewhere", b"not an event")
        finally:
            await client.close()
        await fill_log(container, make_actor(), 4)
        running = asyncio.create_task(relay.run_forever(container.bus, 0.2, stop))
        try:
            head = await container.events.last_position()
            await wait_until(lambda: _reached(container, stream, head), "the relay to get past it")
        finally:
            stop.set()
            await asyncio.wait_for(running, 30)

    kept = [m for m in await stream_messages(stream.name) if m.subject != f"{stream.prefix}.elsewhere"]
    assert positions(kept) == [e.position for e in await container.events.read_after(0, 100)]
