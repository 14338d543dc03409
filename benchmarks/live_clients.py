"""Thousands of live subscribers in one process, held cheaply: one asyncio protocol per socket
(uvloop), a hand-written GET, and of the stream only its ``id:`` lines read, each stamped with
``time.monotonic()`` (CLOCK_MONOTONIC, the same clock as the parent's on this machine).

Subscriber i follows thread ``{prefix}-{i % threads}``, so the parent knows who should hear each
change. It is driven over stdin/stdout, one JSON line each way:

    python -m benchmarks.live_clients HOST PORT TENANT PREFIX THREADS COUNT

prints ``{"ready": n, "failed": k, "seconds": s}`` once every stream has sent its first id (the
``ready`` event), then obeys ``dump PATH`` (every subscriber's receipts as JSON, then they are
cleared), ``stats`` and ``close``.
"""

from __future__ import annotations

import asyncio
import resource
import sys
import time
from pathlib import Path
from typing import Any

import orjson
import uvloop

CONNECT_AT_ONCE = 200  # streams being opened at a time (the listen backlog is not the test)


def raise_open_files() -> int:
    """The soft limit on open files raised to the hard one: every stream is a socket."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


class Subscriber(asyncio.Protocol):
    __slots__ = ("closed", "ids", "ready", "resets", "status", "tail", "times", "transport")

    def __init__(self) -> None:
        self.tail = b""
        self.ids: list[int] = []
        self.times: list[float] = []
        self.ready: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.status = 0
        self.resets = 0
        self.closed = False
        self.transport: asyncio.Transport | None = None

    def data_received(self, data: bytes) -> None:
        now = time.monotonic()
        lines = (self.tail + data).split(b"\n")
        self.tail = lines.pop()
        for line in lines:
            if line.startswith(b"id: "):
                if not self.ready.done():
                    self.ready.set_result(None)  # the ready event's id: where the stream stands
                else:
                    self.ids.append(int(line[4:]))
                    self.times.append(now)
            elif line.startswith(b"HTTP/1.1 "):
                self.status = int(line[9:12])
                if self.status != 200 and not self.ready.done():
                    self.ready.set_exception(RuntimeError(f"status {self.status}"))
            elif line.startswith(b"event: reset"):
                self.resets += 1

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if not self.ready.done():
            self.ready.set_exception(ConnectionError("closed before ready"))


async def open_stream(host: str, port: int, tenant: str, thread: str) -> Subscriber:
    loop = asyncio.get_running_loop()
    transport, subscriber = await loop.create_connection(Subscriber, host, port)
    subscriber.transport = transport
    transport.write(
        f"GET /v1/entities/post/{thread}/live HTTP/1.1\r\nHost: {host}:{port}\r\n"
        f"X-Tenant-ID: {tenant}\r\nAccept: text/event-stream\r\n\r\n".encode()
    )
    await asyncio.wait_for(subscriber.ready, 120)
    return subscriber


async def open_all(
    host: str, port: int, tenant: str, prefix: str, threads: int, count: int
) -> tuple[list[Subscriber | None], int]:
    gate = asyncio.Semaphore(CONNECT_AT_ONCE)
    failures: list[str] = []

    async def one(index: int) -> Subscriber | None:
        async with gate:
            try:
                return await open_stream(host, port, tenant, f"{prefix}-{index % threads}")
            except (OSError, RuntimeError, TimeoutError) as error:
                failures.append(str(error))
                return None

    subscribers = await asyncio.gather(*(one(i) for i in range(count)))
    if failures:
        print(f"live_clients: {len(failures)} streams failed, e.g. {failures[0]}", file=sys.stderr)
    return list(subscribers), len(failures)


def stats(subscribers: list[Subscriber | None]) -> dict[str, Any]:
    alive = [s for s in subscribers if s is not None]
    return {
        "open": sum(not s.closed for s in alive),
        "closed": sum(s.closed for s in alive),
        "resets": sum(s.resets for s in alive),
        "failed": len(subscribers) - len(alive),
    }


async def main(host: str, port: int, tenant: str, prefix: str, threads: int, count: int) -> None:
    raise_open_files()
    started = time.monotonic()
    subscribers, failed = await open_all(host, port, tenant, prefix, threads, count)
    ready = {"ready": count - failed, "failed": failed, "seconds": round(time.monotonic() - started, 2)}
    print(orjson.dumps(ready).decode(), flush=True)
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    while line := (await reader.readline()).decode().strip():
        verb, _, argument = line.partition(" ")
        if verb == "dump":
            receipts: list[list[list[int] | list[float]]] = [
                [s.ids, s.times] if s is not None else [[], []] for s in subscribers
            ]
            Path(argument).write_bytes(orjson.dumps(receipts))  # noqa: ASYNC240  (nothing else runs)
            for s in subscribers:
                if s is not None:
                    s.ids, s.times = [], []
            print(orjson.dumps({"dumped": argument, **stats(subscribers)}).decode(), flush=True)
        elif verb == "stats":
            print(orjson.dumps(stats(subscribers)).decode(), flush=True)
        elif verb == "close":
            break
    for s in subscribers:
        if s is not None and s.transport is not None:
            s.transport.close()
    print(orjson.dumps({"closed": True}).decode(), flush=True)


if __name__ == "__main__":
    host, port, tenant, prefix, threads, count = sys.argv[1:7]
    uvloop.run(main(host, int(port), tenant, prefix, int(threads), int(count)))
