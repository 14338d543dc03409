"""For the relay's tests: a JetStream stream of each test's own, what it holds, a TCP door in
front of NATS that a test opens and closes, and a log filled quickly."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import nats
import orjson
from nats.js.errors import NotFoundError

from tests.backends import NATS_URL
from tests.integration.helpers import post
from threadline.adapters.sql.consumer_checkpoints import SqlConsumerCheckpoints
from threadline.application.ports.write import EventGroup
from threadline.bootstrap import Threadline
from threadline.domain.clock import utc_now
from threadline.domain.events import CommentCreated, EventMetadata, PendingEvent
from threadline.domain.identity import Actor
from threadline.settings import Settings


@dataclass(frozen=True)
class RelayStream:
    name: str
    prefix: str

    @property
    def consumer(self) -> str:
        return f"relay:nats:{self.name}"

    def settings(self, base: Settings, url: str = NATS_URL) -> Settings:
        return base.model_copy(
            update={
                "nats_url": url,
                "nats_stream": self.name,
                "nats_subject_prefix": self.prefix,
                "nats_ack_timeout_seconds": 2.0,
                "nats_reconnect_seconds": 0.1,
            }
        )


@contextlib.asynccontextmanager
async def relay_stream() -> AsyncIterator[RelayStream]:
    """A stream name and subject prefix no other test uses; the stream is deleted afterwards."""
    suffix = uuid.uuid4().hex[:12]
    stream = RelayStream(f"TEST_{suffix}", f"tltest.{suffix}")
    try:
        yield stream
    finally:
        client = await nats.connect(NATS_URL)
        try:
            with contextlib.suppress(NotFoundError):
                await client.jetstream().delete_stream(stream.name)
        finally:
            await client.close()


@dataclass(frozen=True)
class Kept:
    subject: str
    headers: dict[str, str]
    body: dict[str, Any]


async def stream_messages(name: str) -> list[Kept]:
    """Every message the stream holds, in its order."""
    client = await nats.connect(NATS_URL)
    try:
        js = client.jetstream()
        try:
            info = await js.stream_info(name)
        except NotFoundError:
            return []
        kept = []
        for sequence in range(info.state.first_seq, info.state.last_seq + 1):
            message = await js.get_msg(name, sequence)
            try:
                body = orjson.loads(message.data or b"")
            except orjson.JSONDecodeError:
                body = {"raw": message.data}  # not one of the relay's messages
            kept.append(Kept(message.subject or "", dict(message.headers or {}), body))
        return kept
    finally:
        await client.close()


async def checkpoint(container: Threadline, consumer: str) -> int:
    return await SqlConsumerCheckpoints(container.write_db.writer).position(consumer)


async def wait_until(condition: Callable[[], Awaitable[bool]], what: str, guard: float = 60.0) -> None:
    """Wait for a condition (a liveness guard, not a speed bound: generous on a loaded machine)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + guard
    while not await condition():
        if loop.time() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        await asyncio.sleep(0.02)


async def fill_log(container: Threadline, actor: Actor, count: int, *, thread: str = "p1") -> None:
    """``count`` creates through the command path, many at a time (group commit)."""
    for start in range(0, count, 64):
        await asyncio.gather(
            *(
                post(container, actor, f"c{i}", entity=("post", thread))
                for i in range(start, min(count, start + 64))
            )
        )


async def append_creations(container: Threadline, actor: Actor, count: int, *, thread: str = "p1") -> None:
    """``count`` comment creations appended to the log in one transaction, by the log's batch
    append: for a test of what reads the log (the relay), thousands of events in a second instead
    of thousands of commands."""
    now = utc_now()
    groups = []
    for i in range(count):
        comment_id = uuid.uuid4().hex
        created = CommentCreated(
            comment_id=comment_id,
            entity_type="post",
            entity_id=thread,
            occurred_at=now,
            path=comment_id,
            author_id=actor.user_id,
            author_name=actor.name,
            content=f"c{i}",
        )
        metadata = EventMetadata(actor.user_id, actor.role.value, f"fill-{i}", f"fill-{i}")
        groups.append(EventGroup(actor.tenant_id, [PendingEvent(created, comment_id, 1)], metadata))
    async with container.runner.uow_factory() as uow:
        await uow.events.append_batch(groups)
        await uow.commit()


@dataclass
class NatsDoor:
    """A TCP forwarder to NATS on a port of its own: closed (connections refused) until opened,
    and closing it again cuts every connection through it, as an outage would."""

    port: int
    _server: asyncio.Server | None = None
    _pipes: set[asyncio.StreamWriter] = field(default_factory=set)

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    async def open(self) -> None:
        self._server = await asyncio.start_server(self._forward, "127.0.0.1", self.port, reuse_address=True)

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None
        for writer in list(self._pipes):
            writer.transport.abort()
        self._pipes.clear()

    async def _forward(
        self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter
    ) -> None:
        target = urlsplit(NATS_URL)
        server_reader, server_writer = await asyncio.open_connection(target.hostname, target.port or 4222)
        self._pipes.update((client_writer, server_writer))

        async def pump(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            with contextlib.suppress(OSError, ConnectionError):
                while data := await reader.read(65536):
                    writer.write(data)
                    await writer.drain()
            writer.transport.abort()

        await asyncio.gather(pump(client_reader, server_writer), pump(server_reader, client_writer))
