"""`threadline relay` SIGKILLed while it publishes a large batch, then started again: the stream
holds every event of the log exactly once, in log order (the checkpoint, what the stream holds,
and JetStream's duplicate window between them), on both backends."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import AsyncIterator

import nats
import pytest

from tests.backends import NATS_URL, require_nats
from tests.conftest import ActorFactory
from tests.integration.relay_support import (
    RelayStream,
    append_creations,
    checkpoint,
    relay_stream,
    stream_messages,
    wait_until,
)
from threadline.bootstrap import Threadline
from threadline.domain.tenant import Tenant

EVENTS = 4000
BATCH = 1000


@pytest.fixture
async def stream() -> AsyncIterator[RelayStream]:
    require_nats()
    async with relay_stream() as made:
        yield made


def relay_environment(container: Threadline, stream: RelayStream) -> dict[str, str]:
    settings = container.settings
    env = {
        **os.environ,
        "THREADLINE_DATABASE_URL": settings.database_url,
        "THREADLINE_RUN_PROJECTOR": "false",
        "THREADLINE_NATS_URL": NATS_URL,
        "THREADLINE_NATS_STREAM": stream.name,
        "THREADLINE_NATS_SUBJECT_PREFIX": stream.prefix,
    }
    if settings.read_database_url:
        env["THREADLINE_READ_DATABASE_URL"] = settings.read_database_url
    if settings.redis_url:
        env |= {"THREADLINE_REDIS_URL": settings.redis_url, "THREADLINE_REDIS_PREFIX": settings.redis_prefix}
    return env


async def start_relay(env: dict[str, str]) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "threadline.cli.main",
        "relay",
        "--batch-size",
        str(BATCH),
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )


async def stream_count(name: str) -> int:
    client = await nats.connect(NATS_URL)
    try:
        try:
            return int((await client.jetstream().stream_info(name)).state.messages)
        except nats.js.errors.NotFoundError:
            return 0
    finally:
        await client.close()


async def test_a_relay_killed_mid_batch_and_restarted_leaves_every_event_once_in_order(
    container: Threadline, tenant: Tenant, make_actor: ActorFactory, stream: RelayStream
) -> None:
    await append_creations(container, make_actor(), EVENTS)
    log = await container.events.read_after(0, EVENTS + 10)
    env = relay_environment(container, stream)

    relay = await start_relay(env)
    try:

        async def publishing() -> bool:
            return await stream_count(stream.name) > 0

        await wait_until(publishing, "the relay to start publishing", guard=120)
        relay.send_signal(signal.SIGKILL)
    finally:
        if relay.returncode is None:
            relay.kill()
        await relay.wait()
    at_kill = await stream_count(stream.name)
    assert 0 < at_kill < EVENTS  # killed mid-way, not after it had relayed everything

    restarted = await start_relay(env)
    try:

        async def caught_up() -> bool:
            return await checkpoint(container, stream.consumer) == log[-1].position

        await wait_until(caught_up, "the restarted relay to catch up", guard=120)
    finally:
        restarted.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(restarted.wait(), 30)
    assert code == 0

    kept = await stream_messages(stream.name)
    assert [m.body["position"] for m in kept] == [e.position for e in log]
    assert [m.headers["Nats-Msg-Id"] for m in kept] == [e.event_id for e in log]
