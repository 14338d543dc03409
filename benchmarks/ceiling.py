"""The ceiling: a bare ASGI callable (no framework) that answers every request with prepared bytes.

``benchmarks.load`` captures the real body of the cached-thread-page workload, points
``BENCH_CEILING_BODY`` at it and serves this module on uvicorn (uvloop, httptools) with the same
worker count as the service, so every throughput can be reported as a fraction of what this
machine's HTTP stack can do at all in the same run.
"""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any

Message = MutableMapping[str, Any]

BODY = Path(os.environ["BENCH_CEILING_BODY"]).read_bytes() if "BENCH_CEILING_BODY" in os.environ else b"{}"
START = {
    "type": "http.response.start",
    "status": 200,
    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(BODY)).encode())],
}
RESPONSE = {"type": "http.response.body", "body": BODY}


async def app(
    scope: Message, receive: Callable[[], Awaitable[Message]], send: Callable[[Message], Awaitable[None]]
) -> None:
    if scope["type"] == "lifespan":
        while (await receive())["type"] != "lifespan.shutdown":
            await send({"type": "lifespan.startup.complete"})
        await send({"type": "lifespan.shutdown.complete"})
        return
    await send(START)
    await send(RESPONSE)
