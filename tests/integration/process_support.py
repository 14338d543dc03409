"""Threadline as the separate processes it is deployed as: `threadline serve` and `threadline
projector` started with their settings in the environment, waited for, killed and restarted, on
PostgreSQL + Redis or on the embedded default (a SQLite file). Each process writes its log to a
file in the test's directory, kept for a failure's post-mortem."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import sys
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from tests.backends import (
    PostgresTemplates,
    drop_redis_keys,
    postgres_settings,
    require_servers,
    sqlalchemy_url,
)
from threadline.settings import Settings

# Not a speed bound: how long a process that should be serving is waited for.
STUCK_SECONDS = 60.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def process_environment(**values: str) -> dict[str, str]:
    """The test runner's environment without its own Threadline settings, plus ``values``."""
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("THREADLINE_")}
    return {**inherited, **values}


async def start(*args: str, env: dict[str, str], log: Path | None = None) -> asyncio.subprocess.Process:
    """`threadline <args>` in a process of its own; its output goes to ``log`` (or nowhere)."""
    if log is None:
        return await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "threadline.cli.main",
            *args,
            env=env,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )
    with log.open("ab") as output:
        return await asyncio.create_subprocess_exec(
            sys.executable, "-m", "threadline.cli.main", *args, env=env, stdout=output, stderr=output
        )


@dataclass
class Worker:
    """One Threadline process (an API server when it has a ``port``), restartable."""

    name: str
    args: tuple[str, ...]
    env: dict[str, str]
    log: Path
    port: int | None = None
    process: asyncio.subprocess.Process | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> Worker:
        assert self.process is None or self.process.returncode is not None, f"{self.name} runs already"
        self.process = await start(*self.args, env=self.env, log=self.log)
        if self.port is not None:
            await self.until_ready()
        return self

    async def until_ready(self) -> None:
        deadline = time.monotonic() + STUCK_SECONDS
        async with httpx.AsyncClient(base_url=self.base, timeout=5) as http:
            while True:
                assert self.process is not None and self.process.returncode is None, (
                    f"{self.name} exited: {self.log.read_text()[-2000:]}"
                )
                with contextlib.suppress(httpx.HTTPError):
                    if (await http.get("/readyz")).status_code == 200:
                        return
                assert time.monotonic() < deadline, f"{self.name} did not get ready"
                await asyncio.sleep(0.1)

    async def kill(self) -> None:
        """SIGKILL: no shutdown of any kind, as when the machine or the OOM killer takes it."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        await self.process.wait()

    async def stop(self) -> int | None:
        """SIGTERM, and SIGKILL for one that does not stop; its exit code (None: killed here)."""
        if self.process is None or self.process.returncode is not None:
            return None
        self.process.send_signal(signal.SIGTERM)
        try:
            return await asyncio.wait_for(self.process.wait(), 20)
        except TimeoutError:
            await self.kill()
            return None


@dataclass
class Deployment:
    """API servers and projectors sharing one store (and one Redis prefix, if any)."""

    env: dict[str, str]
    settings: Settings
    directory: Path
    workers: list[Worker] = field(default_factory=list)

    def serve(self, name: str, **env: str) -> Worker:
        port = free_port()
        worker = Worker(
            name, ("serve", "--port", str(port)), {**self.env, **env}, self.directory / f"{name}.log", port
        )
        self.workers.append(worker)
        return worker

    def projector(self, name: str) -> Worker:
        worker = Worker(name, ("projector",), self.env, self.directory / f"{name}.log")
        self.workers.append(worker)
        return worker

    async def stop(self) -> None:
        await asyncio.gather(*(worker.stop() for worker in self.workers))


@contextlib.asynccontextmanager
async def postgres_deployment(
    templates: PostgresTemplates | None, directory: Path
) -> AsyncIterator[Deployment]:
    """Fresh databases and a Redis prefix of their own; API servers serve without a projector
    (the standalone `threadline projector` projects), as deployed."""
    require_servers()
    assert templates is not None
    write, read = await templates.acquire()
    prefix = f"threadline-test:{uuid.uuid4().hex[:12]}:"
    settings = postgres_settings(write, read, prefix)
    env = process_environment(
        THREADLINE_DATABASE_URL=sqlalchemy_url(write),
        THREADLINE_READ_DATABASE_URL=sqlalchemy_url(read),
        THREADLINE_REDIS_URL=settings.redis_url or "",
        THREADLINE_REDIS_PREFIX=prefix,
        THREADLINE_RUN_PROJECTOR="false",
        THREADLINE_RATE_LIMITS_ENABLED="false",
    )
    deployment = Deployment(env, settings, directory)
    try:
        yield deployment
    finally:
        await deployment.stop()
        await templates.release((write, read))
        await drop_redis_keys(prefix)


@contextlib.asynccontextmanager
async def embedded_deployment(database_url: str, directory: Path) -> AsyncIterator[Deployment]:
    """The embedded default: one `threadline serve` with its projector in-process, on a SQLite file."""
    env = process_environment(THREADLINE_DATABASE_URL=database_url, THREADLINE_RATE_LIMITS_ENABLED="false")
    deployment = Deployment(env, Settings(database_url=database_url, run_projector=False), directory)
    try:
        yield deployment
    finally:
        await deployment.stop()
