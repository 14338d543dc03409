"""Live updates under load (the live-updates issue's targets): 5,000 SSE subscribers spread over
500 threads (about 10 per thread), held by benchmarks/live_clients.py in one separate process.

For each backend — the embedded default (SQLite, 1 API process with its in-process projector) and
PostgreSQL + Redis (2 API workers, `threadline projector` on its own) — on fresh databases:

1. the cached thread page's throughput with wrk (c16) and the API processes' RSS, no subscriber;
2. the subscribers connect (each waits for its stream's ``ready``); RSS again: memory per idle
   subscriber = (RSS with - RSS without) / subscribers on that process;
3. the cached page's throughput again, the subscribers connected and idle;
4. creates at 50/s over HTTP to random threads; latency of a create = the last of its thread's
   subscribers to receive its id - the create's response time (time.monotonic in both processes).

The ceiling (benchmarks/live_ceiling.py: bare ASGI on uvicorn, one process, no database) is
measured the same way with the same subscribers and bytes, last. Run alone:
`python -m benchmarks.live_fanout`; in `make bench` with BENCH_ONLY=live_fanout (or everything).
BENCH_LIVE_SUBSCRIBERS / BENCH_LIVE_SECONDS change the crowd and the creates' duration.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import random
import statistics
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import httpx
import orjson
import psutil

from benchmarks import workloads as w
from benchmarks.backends import base_env, psql
from benchmarks.config import BIN, DATA, POSTGRES, QUICK, REDIS, THREADLINE, console
from benchmarks.live_clients import raise_open_files
from benchmarks.live_report import live_report, live_targets
from benchmarks.servers import Server, running, start, wait_ready
from benchmarks.wrk import lines_file, measure

SUBSCRIBERS = int(os.environ.get("BENCH_LIVE_SUBSCRIBERS", "5000"))
THREADS = 500
RATE = 50  # creates per second
SECONDS = int(os.environ.get("BENCH_LIVE_SECONDS", "10" if QUICK else "30"))
WRK_SECONDS = 5 if QUICK else 10
PORT, PORT_CEILING = 18481, 18482
PREFIX = "live"
PAGE_THREAD, PAGE_COMMENTS = "page-0", 50
PAGE_PATH = f"/v1/entities/post/{PAGE_THREAD}/comments?limit=20&depth=3"
REDIS_PREFIX = "threadline-bench-live:"
TOKENS = 50


@dataclass
class Target:
    """One backend (or the ceiling) under test: its processes' environment and how to start them."""

    name: str
    workers: int
    env: dict[str, str]
    tenant_id: str = ""
    tokens: list[str] = field(default_factory=list)
    databases: tuple[str, ...] = ()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


# --- preparing a backend: fresh databases, a tenant, tokens and the cached page's thread ----------


def prepare(name: str) -> Target:
    live = {
        "THREADLINE_LIVE_MAX_STREAMS_PER_ADDRESS": str(SUBSCRIBERS * 2),
        "THREADLINE_LIVE_MAX_STREAMS_PER_TENANT": str(SUBSCRIBERS * 2),
    }
    if name == "sqlite":
        directory = DATA / "live"
        directory.mkdir(parents=True, exist_ok=True)
        for path in directory.glob("live.db*"):
            path.unlink()
        env = base_env(THREADLINE_DATABASE_URL=f"sqlite+aiosqlite:///{directory / 'live.db'}", **live)
        target = Target(name, 1, env)
    else:
        suffix = uuid.uuid4().hex[:8]
        databases = (f"threadline_bench_live_w_{suffix}", f"threadline_bench_live_r_{suffix}")
        for database in databases:
            psql(f'CREATE DATABASE "{database}"')
        url = POSTGRES.replace("postgresql://", "postgresql+asyncpg://", 1)
        env = base_env(
            THREADLINE_DATABASE_URL=f"{url}/{databases[0]}",
            THREADLINE_READ_DATABASE_URL=f"{url}/{databases[1]}",
            THREADLINE_REDIS_URL=REDIS,
            THREADLINE_REDIS_PREFIX=REDIS_PREFIX,
            THREADLINE_RUN_PROJECTOR="false",
            **live,
        )
        target = Target(name, 2, env, databases=databases)
    subprocess.run([THREADLINE, "migrate"], env=env, check=True, capture_output=True)
    target.tenant_id, target.tokens = asyncio.run(_tenant(env))
    return target


async def _tenant(env: dict[str, str]) -> tuple[str, list[str]]:
    """The bench tenant, tokens of its users, and the cached page's thread written in-process."""
    from threadline.adapters.auth.jwt_tokens import issue_token
    from threadline.application.command_runner import CommandContext
    from threadline.application.commands.create_comment import create_comment
    from threadline.bootstrap import build
    from threadline.domain.commands import ContentFormat, CreateComment
    from threadline.domain.identity import Actor, Role
    from threadline.settings import Settings

    saved = dict(os.environ)
    os.environ.update(env)
    try:
        container = build(Settings(redis_url=None, run_projector=False, run_webhooks=False))
    finally:
        os.environ.clear()
        os.environ.update(saved)
    try:
        tenant = await container.tenants.create("live-bench")
        for n in range(PAGE_COMMENTS):
            command = CreateComment(
                str(uuid.uuid4()), "post", PAGE_THREAD, f"page comment {n}", ContentFormat.PLAIN
            )
            actor = Actor(tenant.id, f"user-{n % TOKENS}", "U", None, Role.USER)
            await container.runner.run(create_comment, command, CommandContext(actor))
        tokens = [
            issue_token(tenant, user_id=f"user-{i}", name=f"User {i}", role=Role.USER, ttl_seconds=86400)
            for i in range(TOKENS)
        ]
        return tenant.id, tokens
    finally:
        await container.stop()


def cleanup(target: Target) -> None:
    for database in target.databases:
        with contextlib.suppress(subprocess.CalledProcessError):
            psql(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    if target.name == "postgres":
        from redis import Redis

        client = Redis.from_url(REDIS)
        try:
            keys = list(client.scan_iter(match=f"{REDIS_PREFIX}*", count=1000))
            if keys:
                client.delete(*keys)
        finally:
            client.close()


def serve(target: Target) -> list[Server]:
    servers = []
    try:
        if target.name == "postgres":
            servers.append(start("live-projector", [THREADLINE, "projector"], target.env))
        command = [THREADLINE, "serve", "--port", str(PORT), "--workers", str(target.workers)]
        servers.append(start(f"live-{target.name}-api", command, target.env))
        wait_ready(servers[-1], f"http://127.0.0.1:{PORT}/healthz")
    except BaseException:
        for server in servers:
            server.stop()
        raise
    return servers


def wait_for_page(base: str, tenant_id: str) -> bytes:
    """The cached page once the projector has applied the seeded thread."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        response = httpx.get(base + PAGE_PATH, headers={"X-Tenant-ID": tenant_id}, timeout=10)
        if response.status_code == 200 and len(response.json()["data"]) >= 20:
            return response.content
        time.sleep(0.2)
    raise RuntimeError("the cached page's thread was never projected")


# --- one API process's share: its RSS and how many streams it holds -------------------------------


def api_processes(server: Server) -> list[psutil.Process]:
    """The processes that serve requests: uvicorn's workers, or the one process without them."""
    processes = [p for p in server.processes() if "resource_tracker" not in " ".join(p.cmdline())]
    return processes[1:] if len(processes) > 1 else processes


def streams_held(process: psutil.Process, port: int) -> int:
    return sum(
        1
        for c in process.net_connections(kind="tcp")
        if c.status == psutil.CONN_ESTABLISHED and c.laddr and c.laddr.port == port
    )


def rss(processes: list[psutil.Process]) -> list[int]:
    return [p.memory_info().rss for p in processes]


# --- the subscribers' process ---------------------------------------------------------------------


class Crowd:
    """benchmarks/live_clients.py as a child process, spoken to one JSON line at a time."""

    def __init__(self, port: int, tenant_id: str) -> None:
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "benchmarks.live_clients",
                "127.0.0.1",
                str(port),
                tenant_id,
                PREFIX,
                str(THREADS),
                str(SUBSCRIBERS),
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=Path(__file__).resolve().parent.parent,
        )

    def answer(self) -> dict[str, Any]:
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError(f"the subscribers' process exited ({self.process.wait()})")
        return cast(dict[str, Any], json.loads(line))

    def ask(self, command: str) -> dict[str, Any]:
        assert self.process.stdin is not None
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()
        return self.answer()

    def receipts(self) -> tuple[list[dict[int, float]], dict[str, Any]]:
        path = DATA / "live-receipts.json"
        stats = self.ask(f"dump {path}")
        raw = orjson.loads(path.read_bytes())
        return [dict(zip(ids, times, strict=True)) for ids, times in raw], stats

    def close(self) -> None:
        if self.process.poll() is None:
            with contextlib.suppress(Exception):
                self.ask("close")
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


# --- creates at a steady rate, and what the subscribers heard of them -----------------------------


async def creates(base: str, tokens: list[str]) -> list[tuple[int, int, float]]:
    """(thread, position, response time) of each create, RATE a second for SECONDS."""
    done: list[tuple[int, int, float]] = []
    failures: list[str] = []
    pick = random.Random(7)
    limits = httpx.Limits(max_connections=64)
    async with httpx.AsyncClient(base_url=base, timeout=30, limits=limits) as client:

        async def one(n: int, thread: int) -> None:
            response = await client.post(
                "/v1/comments",
                json={"entity_type": "post", "entity_id": f"{PREFIX}-{thread}", "content": f"live {n}"},
                headers={"Authorization": f"Bearer {tokens[n % len(tokens)]}"},
            )
            answered = time.monotonic()
            if response.status_code != 201:
                failures.append(f"{response.status_code} {response.text[:200]}")
                return
            done.append((thread, int(response.headers["x-threadline-position"]), answered))

        tasks = []
        started = time.monotonic()
        for n in range(RATE * SECONDS):
            await asyncio.sleep(max(0.0, started + n / RATE - time.monotonic()))
            tasks.append(asyncio.create_task(one(n, pick.randrange(THREADS))))
        await asyncio.gather(*tasks)
    if failures:
        raise RuntimeError(f"{len(failures)} creates failed, e.g. {failures[0]}")
    return done


def latencies(made: list[tuple[int, int, float]], heard: list[dict[int, float]]) -> dict[str, Any]:
    """Per create: when the last subscriber of its thread heard it, after the create's response."""
    last: list[float] = []
    each: list[float] = []
    missing = 0
    for thread, position, answered in made:
        times = [heard[s].get(position) for s in range(thread, len(heard), THREADS)]
        missing += sum(t is None for t in times)
        got = [t - answered for t in times if t is not None]
        each += got
        if len(got) == len(times) and got:
            last.append(max(got))

    def ms(value: float) -> float:
        return round(value * 1000, 1)

    return {
        "creates": len(made),
        "deliveries": len(each),
        "missing": missing,
        "p50_ms": ms(percentile(last, 0.50)),
        "p99_ms": ms(percentile(last, 0.99)),
        "max_ms": ms(max(last, default=float("nan"))),
        "delivery_p99_ms": ms(percentile(each, 0.99)),
        "mean_ms": ms(statistics.fmean(last)) if last else None,
    }


# --- one measured run: the same steps on the service and on the ceiling ---------------------------


def measure_page(label: str, base: str, tenant_id: str) -> float:
    paths = lines_file("live-paths.txt", [PAGE_PATH])
    workload = w.Workload(w.LIVE_FANOUT.id, label)
    run = measure(label.split(":")[0], workload, base, "read.lua", [tenant_id, paths], 16, WRK_SECONDS)
    if run.errors:
        raise RuntimeError(f"{run.errors} errors reading the cached page ({label})")
    return run.requests_per_second


def profile(name: str, pid: int) -> subprocess.Popen[bytes] | None:
    """BENCH_LIVE_PROFILE=1: py-spy (with native frames, so the collector shows) records the API
    process while the cached page is read beside the subscribers, as collapsed stacks."""
    if not os.environ.get("BENCH_LIVE_PROFILE"):
        return None
    out = DATA / f"live-profile-{name}.txt"
    command = ["py-spy", "record", "--native", "--format", "raw", "-d", str(WRK_SECONDS + 2)]
    return subprocess.Popen([*command, "-o", str(out), "--pid", str(pid)], stdout=subprocess.DEVNULL)


def run_fanout(name: str, server: Server, base: str, target: Target) -> dict[str, Any]:
    """Steps 1-4 of the module's docstring against a server already up."""
    port = int(base.rsplit(":", 1)[1])
    processes = api_processes(server)
    alone = measure_page(f"{name}: cached page, no subscriber", base, target.tenant_id)
    time.sleep(1)
    before = rss(processes)
    crowd = Crowd(port, target.tenant_id)
    try:
        opened = crowd.answer()
        console.print(f"  {name}: {opened['ready']:,} subscribers ready in {opened['seconds']} s")
        if opened["failed"]:
            raise RuntimeError(f"{opened['failed']} subscribers could not connect")
        time.sleep(3)  # let the connects' garbage go
        after = rss(processes)
        held = [streams_held(p, port) for p in processes]
        per_subscriber = [(a - b) / n if n else None for a, b, n in zip(after, before, held, strict=True)]
        profiler = profile(name, processes[0].pid)
        crowded = measure_page(f"{name}: cached page, {SUBSCRIBERS:,} subscribers", base, target.tenant_id)
        if profiler is not None:
            profiler.wait()
        crowd.receipts()  # forget the heartbeats and the seeding's messages
        made = asyncio.run(creates(base, target.tokens))
        time.sleep(2)
        heard, stats = crowd.receipts()
        lag = latencies(made, heard)
    finally:
        crowd.close()
    result = {
        "subscribers": SUBSCRIBERS,
        "threads": THREADS,
        "connect_seconds": opened["seconds"],
        "streams_per_process": held,
        "rss_before_mib": [round(b / 2**20, 1) for b in before],
        "rss_after_mib": [round(a / 2**20, 1) for a in after],
        "bytes_per_idle_subscriber": [round(x) if x is not None else None for x in per_subscriber],
        "page_rps_alone": round(alone),
        "page_rps_with_subscribers": round(crowded),
        "page_ratio": round(crowded / alone, 3),
        "rate_per_s": RATE,
        "seconds": SECONDS,
        "latency": lag,
        "subscribers_after": stats,
    }
    console.print(f"  {name}: {result}")
    return result


def run_backend(name: str) -> dict[str, Any]:
    console.rule(f"[bold]live fan-out: {name}[/]")
    target = prepare(name)
    try:
        servers = serve(target)
        with running(*servers):
            base = f"http://127.0.0.1:{PORT}"
            page = wait_for_page(base, target.tenant_id)
            (DATA / "live-page.json").write_bytes(page)
            comment = httpx.get(
                f"{base}/v1/comments/{orjson.loads(page)['data'][0]['id']}",
                headers={"X-Tenant-ID": target.tenant_id},
            )
            (DATA / "live-frame-data.json").write_bytes(comment.content)
            return run_fanout(name, servers[-1], base, target)
    finally:
        cleanup(target)


def run_ceiling(tokens: list[str]) -> dict[str, Any]:
    console.rule("[bold]live fan-out: ceiling (bare ASGI SSE, 1 process)[/]")
    env = {
        **os.environ,
        "BENCH_CEILING_BODY": str(DATA / "live-page.json"),
        "BENCH_LIVE_FRAME_DATA": str(DATA / "live-frame-data.json"),
    }
    ceiling = start(
        "live-ceiling",
        [
            str(BIN / "uvicorn"),
            "benchmarks.live_ceiling:app",
            "--port",
            str(PORT_CEILING),
            "--loop",
            "uvloop",
            "--http",
            "httptools",
            "--no-access-log",
            "--log-level",
            "warning",
        ],
        env,
    )
    with running(ceiling):
        base = f"http://127.0.0.1:{PORT_CEILING}"
        wait_ready(ceiling, base + "/")
        return run_fanout("ceiling", ceiling, base, Target("ceiling", 1, env, "ceiling", tokens))


def run_live_fanout(backends: list[str]) -> dict[str, dict[str, Any]]:
    raise_open_files()
    out = {name: run_backend(name) for name in backends}
    out["ceiling"] = run_ceiling(["ceiling"])
    return out


if __name__ == "__main__":
    results = run_live_fanout(sys.argv[1:] or ["sqlite", "postgres"])
    live_report(results, [g for name in results if name != "ceiling" for g in live_targets(name, results)])
