"""Live streams over real HTTP: the service served by uvicorn in the test's own event loop (an ASGI
transport buffers whole responses, a stream never ends), and readers that collect what a stream
sends with ``httpx-sse``, as a browser's EventSource would."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import orjson
import uvicorn
from httpx_sse import ServerSentEvent, aconnect_sse

from tests.webhooks.receiver import free_port
from threadline.api.app import create_service
from threadline.bootstrap import Threadline

# Not a speed bound: how long a stream that stopped making progress is waited for.
STUCK_SECONDS = 60.0


@contextlib.asynccontextmanager
async def served(container: Threadline, *, send_buffer_bytes: int | None = None) -> AsyncIterator[str]:
    """The service (its projector running) on a free port; yields its base URL.

    ``send_buffer_bytes`` fixes the kernel's send buffer of every connection (accepted sockets
    inherit it from the listening one): a client that stops reading then holds up the server's
    writes after kilobytes rather than after the megabytes an autotuned buffer takes."""
    container.settings.run_projector = True
    await container.start()
    port = free_port()
    config = uvicorn.Config(
        create_service(container=container), host="127.0.0.1", port=port, log_level="warning", lifespan="off"
    )
    server = uvicorn.Server(config)
    listening = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listening.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if send_buffer_bytes is not None:
        listening.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, send_buffer_bytes)
    listening.bind(("127.0.0.1", port))
    task = asyncio.create_task(server.serve(sockets=[listening]))
    while not server.started:
        assert not task.done(), "the server did not start"
        await asyncio.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        if container.live is not None:
            await container.live.close()
        with contextlib.suppress(asyncio.CancelledError, TimeoutError):
            await asyncio.wait_for(task, 30)
        listening.close()


@dataclass
class LiveReader:
    """One stream, read in the background; ``events`` grows as they arrive."""

    url: str
    headers: dict[str, str] = field(default_factory=dict)
    params: dict[str, str] = field(default_factory=dict)
    events: list[ServerSentEvent] = field(default_factory=list)
    status: int | None = None
    ended: bool = False
    _task: asyncio.Task[None] | None = None
    _changed: asyncio.Event = field(default_factory=asyncio.Event)

    async def start(self) -> LiveReader:
        self._task = asyncio.create_task(self._read())
        await self.until(lambda: self.status is not None)
        return self

    async def _read(self) -> None:
        try:
            async with (
                httpx.AsyncClient(timeout=httpx.Timeout(10.0, read=None)) as http,
                aconnect_sse(http, "GET", self.url, headers=self.headers, params=self.params) as source,
            ):
                self.status = source.response.status_code
                self._changed.set()
                if self.status != 200:
                    await source.response.aread()
                    self.body = source.response.content
                    return
                async for event in source.aiter_sse():
                    self.events.append(event)
                    self._changed.set()
        except httpx.HTTPError:
            pass
        finally:
            self.ended = True
            self._changed.set()

    async def until(self, condition: Callable[[], bool], guard: float = STUCK_SECONDS) -> None:
        deadline = time.monotonic() + guard
        while not condition():
            left = deadline - time.monotonic()
            assert left > 0, f"the stream did not get there; it has {self.names}"
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), min(left, 0.25))

    async def until_event(self, name: str, count: int = 1) -> list[ServerSentEvent]:
        await self.until(lambda: len(self.named(name)) >= count)
        return self.named(name)

    def named(self, name: str) -> list[ServerSentEvent]:
        return [e for e in self.events if e.event == name]

    @property
    def names(self) -> list[str]:
        return [e.event for e in self.events]

    @property
    def changes(self) -> list[ServerSentEvent]:
        """What the stream told of the thread (not ``ready`` or ``reset``)."""
        return [e for e in self.events if e.event not in ("ready", "reset", "message")]

    @property
    def last_id(self) -> str:
        ids = [e.id for e in self.events if e.id]
        return ids[-1]

    def data(self, event: ServerSentEvent) -> Any:
        return orjson.loads(event.data)

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
