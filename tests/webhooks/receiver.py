"""A real HTTP receiver on 127.0.0.1 for webhook tests and the benchmark: uvicorn serving a small
ASGI app whose answers a test chooses per request (a status, a delay, a redirect, a huge body).

It verifies each request with the ``standardwebhooks`` library against every secret it is given,
as a receiver would, and keeps what it accepted."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import orjson
import uvicorn
from standardwebhooks import Webhook, WebhookVerificationError
from starlette.types import Receive, Scope, Send


@dataclass(frozen=True)
class Answer:
    status: int = 200
    delay: float = 0.0
    body: bytes = b"ok"
    headers: tuple[tuple[bytes, bytes], ...] = ()


@dataclass(frozen=True)
class Received:
    webhook_id: str
    headers: dict[str, str]
    body: bytes
    answer: Answer
    verified: bool
    at: float

    @property
    def payload(self) -> dict[str, Any]:
        loaded: dict[str, Any] = orjson.loads(self.body)
        return loaded


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Receiver:
    secrets: list[str] = field(default_factory=list)
    plan: Callable[[str, int], Answer] = lambda webhook_id, count: Answer()
    received: list[Received] = field(default_factory=list)
    port: int = field(default_factory=free_port)
    path: str = "/hook"
    _server: uvicorn.Server | None = None
    _task: asyncio.Task[None] | None = None
    _changed: asyncio.Event = field(default_factory=asyncio.Event)
    _counts: dict[str, int] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}{self.path}"

    def accepted(self) -> list[Received]:
        """Requests verified and answered with a 2xx, in the order they arrived."""
        return [r for r in self.received if r.verified and 200 <= r.answer.status < 300]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        chunks = []
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return  # the sender died before the body was complete: nothing was delivered
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                break
        body = b"".join(chunks)
        headers = {k.decode(): v.decode() for k, v in scope["headers"]}
        webhook_id = headers.get("webhook-id", "")
        count = self._counts.get(webhook_id, 0) + 1
        self._counts[webhook_id] = count
        answer = self.plan(webhook_id, count)
        verified = False
        for secret in self.secrets:
            with contextlib.suppress(WebhookVerificationError):
                Webhook(secret).verify(body, headers)
                verified = True
        self.received.append(Received(webhook_id, headers, body, answer, verified, time.monotonic()))
        self._changed.set()
        if answer.delay:
            await asyncio.sleep(answer.delay)
        await send(
            {
                "type": "http.response.start",
                "status": answer.status,
                "headers": [(b"content-type", b"text/plain"), *answer.headers],
            }
        )
        await send({"type": "http.response.body", "body": answer.body})

    async def start(self) -> Receiver:
        config = uvicorn.Config(self, host="127.0.0.1", port=self.port, log_level="warning", lifespan="off")
        self._server = uvicorn.Server(config)
        self._task = asyncio.create_task(self._server.serve())
        while not self._server.started:  # noqa: ASYNC110  (uvicorn offers no event to wait on)
            await asyncio.sleep(0.01)
        return self

    async def stop(self) -> None:
        if self._server is not None and self._task is not None:
            self._server.should_exit = True
            self._server.force_exit = True
            with contextlib.suppress(asyncio.CancelledError, TimeoutError):
                await asyncio.wait_for(self._task, 10)

    async def until(self, condition: Callable[[], bool], guard: float = 60.0) -> None:
        """Wait until ``condition`` holds after some request; a liveness guard, not a speed bound."""
        deadline = time.monotonic() + guard
        while not condition():
            left = deadline - time.monotonic()
            assert left > 0, "the receiver did not get what was waited for"
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), min(left, 0.25))
