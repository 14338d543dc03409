"""The processes a load run starts (API, projector, ceiling), each in its own process group so
that stopping it stops its workers too, also on errors."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import psutil

from benchmarks.backends import Backend, flush_redis
from benchmarks.config import (
    DATA,
    PORT_API,
    ROOT,
    THREADLINE,
)


@dataclass
class Server:
    name: str
    process: subprocess.Popen[bytes]
    log: Path

    def processes(self) -> list[psutil.Process]:
        root = psutil.Process(self.process.pid)
        return [root, *root.children(recursive=True)]

    def rss(self) -> dict[str, float]:
        """RSS in MiB of the process and its children (uvicorn's workers), by role."""
        out: dict[str, float] = {}
        procs = self.processes()
        for index, proc in enumerate(procs):
            try:
                mib = proc.memory_info().rss / 2**20
            except psutil.NoSuchProcess:
                continue
            if len(procs) == 1:
                role = self.name
            elif index == 0:
                role = f"{self.name} supervisor"
            elif "multiprocessing.resource_tracker" in " ".join(proc.cmdline()):
                continue
            else:
                role = f"{self.name} worker {index}"
            out[role] = round(mib, 1)
        return out

    def stop(self) -> None:
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(5)


def start(name: str, command: list[str], env: dict[str, str]) -> Server:
    DATA.mkdir(exist_ok=True)
    log = DATA / f"{name}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            command, env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    return Server(name, process, log)


def wait_ready(server: Server, url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"{server.name} exited:\n{server.log.read_text()[-3000:]}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(url, timeout=1).status_code == 200:
                return
        time.sleep(0.2)
    raise RuntimeError(f"{server.name} did not answer {url} within {timeout} s")


@contextlib.contextmanager
def running(*servers: Server) -> Iterator[None]:
    try:
        yield
    finally:
        for server in servers:
            server.stop()


def serve(backend: Backend, *, cache: bool) -> list[Server]:
    env = {**backend.env, "THREADLINE_CACHE_ENABLED": "true" if cache else "false"}
    suffix = "" if cache else "-nocache"
    servers = []
    try:
        if backend.with_projector:
            flush_redis()
            servers.append(start(f"{backend.name}-projector{suffix}", [THREADLINE, "projector"], env))
        api = start(
            f"{backend.name}-api{suffix}",
            [THREADLINE, "serve", "--port", str(PORT_API), "--workers", str(backend.workers)],
            env,
        )
        servers.append(api)
        wait_ready(api, f"http://127.0.0.1:{PORT_API}/healthz")
    except BaseException:
        for server in servers:
            server.stop()
        raise
    return servers
