"""The live fan-out's ceiling: a bare ASGI server (no framework, no database) on uvicorn with
uvloop and httptools that holds the same SSE streams and pushes the same bytes.

``GET …/live`` answers a ``ready`` frame and then whatever is pushed to its thread (a heartbeat
comment after 15 s idle, as the service sends); ``POST /v1/comments`` answers 201 with the next
position in ``X-Threadline-Position`` and then pushes a ``comment.created`` frame carrying the
data in ``BENCH_LIVE_FRAME_DATA`` to every stream of the body's ``entity_id``; any other GET
answers the bytes in ``BENCH_CEILING_BODY`` (the cached page). benchmarks/live_fanout.py measures
it exactly as it measures the service.
"""

from __future__ import annotations

import asyncio
import os
from collections import defaultdict
from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any

import orjson

Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

PAGE = Path(os.environ["BENCH_CEILING_BODY"]).read_bytes() if "BENCH_CEILING_BODY" in os.environ else b"{}"
DATA = (
    Path(os.environ["BENCH_LIVE_FRAME_DATA"]).read_bytes().strip()
    if "BENCH_LIVE_FRAME_DATA" in os.environ
    else b"{}"
)
HEARTBEAT_SECONDS = 15.0
STREAM_START = {
    "type": "http.response.start",
    "status": 200,
    "headers": [(b"content-type", b"text/event-stream"), (b"cache-control", b"no-store")],
}
HEARTBEAT = {"type": "http.response.body", "body": b": heartbeat\r\n\r\n", "more_body": True}

streams: dict[str, set[asyncio.Queue[bytes]]] = defaultdict(set)
position = 0


async def follow(thread: str, send: Send) -> None:
    queue: asyncio.Queue[bytes] = asyncio.Queue(maxsize=256)
    streams[thread].add(queue)
    try:
        await send(STREAM_START)
        ready = f"retry: 3000\r\n\r\nevent: ready\r\nid: {position}\r\ndata: {{}}\r\n\r\n".encode()
        await send({"type": "http.response.body", "body": ready, "more_body": True})
        while True:
            try:
                frame = await asyncio.wait_for(queue.get(), HEARTBEAT_SECONDS)
            except TimeoutError:
                await send(HEARTBEAT)
                continue
            await send({"type": "http.response.body", "body": frame, "more_body": True})
    finally:
        streams[thread].discard(queue)


async def create(receive: Receive, send: Send) -> None:
    global position
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    thread = str(orjson.loads(body)["entity_id"])
    position += 1
    at = position
    await send(
        {
            "type": "http.response.start",
            "status": 201,
            "headers": [(b"content-type", b"application/json"), (b"x-threadline-position", str(at).encode())],
        }
    )
    await send({"type": "http.response.body", "body": b'{"data":' + DATA + b"}"})
    frame = b"event: comment.created\r\nid: " + str(at).encode() + b"\r\ndata: " + DATA + b"\r\n\r\n"
    for queue in tuple(streams.get(thread, ())):
        if not queue.full():
            queue.put_nowait(frame)


async def app(scope: Message, receive: Receive, send: Send) -> None:
    if scope["type"] == "lifespan":
        while (await receive())["type"] != "lifespan.shutdown":
            await send({"type": "lifespan.startup.complete"})
        await send({"type": "lifespan.shutdown.complete"})
        return
    path: str = scope["path"]
    if scope["method"] == "POST":
        await create(receive, send)
    elif path.endswith("/live"):
        await follow(path.split("/")[-2], send)
    else:
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(PAGE)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": PAGE})
