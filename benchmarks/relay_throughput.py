"""The NATS relay's throughput from a seeded log: events per second into a fresh JetStream stream,
one event per round trip (batch 1) against batches published at once with their acks awaited
together. Needs NATS with JetStream (``THREADLINE_TEST_NATS``, default 127.0.0.1:4222).

    flock /tmp/bench.lock .venv/bin/python -m benchmarks.relay_throughput [--events N]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import tempfile
import time
import uuid

import nats
from nats.js.errors import NotFoundError

from threadline.adapters.sql.event_log import SqlEventAppender
from threadline.application.ports.write import EventGroup
from threadline.bootstrap import Threadline, build, build_relay
from threadline.domain.clock import utc_now
from threadline.domain.events import CommentCreated, EventMetadata, PendingEvent
from threadline.settings import Settings

NATS_URL = os.environ.get("THREADLINE_TEST_NATS", "nats://127.0.0.1:4222")


async def seed(container: Threadline, count: int) -> None:
    """``count`` CommentCreated events appended straight to the log, 1,000 a transaction."""
    metadata = EventMetadata("bench", "user", "bench", "bench")
    for start in range(0, count, 1000):
        groups = [
            EventGroup(
                "bench-tenant",
                [
                    PendingEvent(
                        CommentCreated(
                            comment_id=(comment := str(uuid.uuid4())),
                            entity_type="post",
                            entity_id=f"p{n % 100}",
                            occurred_at=utc_now(),
                            author_id="bench",
                            author_name="Bench",
                            content=f"comment {n} " + "words " * 30,
                        ),
                        comment,
                        1,
                    )
                ],
                metadata,
            )
            for n in range(start, min(count, start + 1000))
        ]
        async with container.write_db.writer.begin() as connection:
            await SqlEventAppender(connection).append_batch(groups)


async def relay_rate(container: Threadline, batch_size: int, events: int) -> float:
    stream = f"BENCH_{uuid.uuid4().hex[:10]}"
    container.settings = container.settings.model_copy(
        update={"nats_url": NATS_URL, "nats_stream": stream, "nats_subject_prefix": f"tlbench.{stream}"}
    )
    relay = build_relay(container)
    relay.batch_size = batch_size
    try:
        await relay.resume()
        started = time.perf_counter()
        relayed = await relay.catch_up()
        elapsed = time.perf_counter() - started
        assert relayed == events, (relayed, events)
        return events / elapsed
    finally:
        await relay.stream.close()
        client = await nats.connect(NATS_URL)
        with contextlib.suppress(NotFoundError):
            await client.jetstream().delete_stream(stream)
        await client.close()


async def main(events: int) -> None:
    with tempfile.TemporaryDirectory() as directory:
        container = build(
            Settings(database_url=f"sqlite+aiosqlite:///{directory}/relay.db", run_projector=False)
        )
        try:
            await container.migrate()
            await seed(container, events)
            for batch_size in (1, 100, 500, 2000):
                rate = await relay_rate(container, batch_size, events)
                print(f"batch {batch_size:>5}: {rate:>9,.0f} events/s ({events:,} events from a SQLite log)")
        finally:
            await container.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=20_000)
    asyncio.run(main(parser.parse_args().events))
