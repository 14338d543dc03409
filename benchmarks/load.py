"""`make bench`: load runs with wrk against real servers, every throughput beside a bare-ASGI ceiling.

For each backend — the embedded default (SQLite file, 1 API worker with its in-process projector,
in-memory cache) and PostgreSQL + Redis (2 API workers and one `threadline projector`) — it:

1. seeds its data once with the bulk seeder, `python -m benchmarks.seeding` (cached under benchmarks/.data and in
   PostgreSQL databases named after the seed parameters; BENCH_RESEED=1 forces a new seed) and
   runs on a fresh copy of that seed (file copy / CREATE DATABASE … TEMPLATE), so every run
   starts from the same data;
2. starts `threadline serve` (and `threadline projector`), runs the workloads with wrk and the Lua
   scripts in benchmarks/lua, and stops every process it started (process groups, also on errors);
3. serves benchmarks/ceiling.py (bare ASGI, uvicorn with uvloop/httptools, the same worker count)
   returning the exact bytes of workload 1, measured with the same wrk script.

Results: a rich table in the terminal and benchmarks/results/load[-quick].json. Any non-2xx
answer or socket error during a run fails the suite (exit status 1) after the report.
BENCH_QUICK=1: short runs and smaller data, for iteration. BENCH_BACKENDS=sqlite,postgres picks
backends. Needs wrk (Debian: apt-get install wrk), and for the second backend PostgreSQL at
BENCH_POSTGRES (postgresql://postgres@127.0.0.1:5432) and Redis at BENCH_REDIS
(redis://127.0.0.1:6379/0).
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import hashlib
import json
import os
import platform
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import psutil
from rich.console import Console
from rich.table import Table

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DATA = HERE / ".data"
RESULTS = HERE / "results"
LUA = HERE / "lua"
BIN = Path(sys.executable).parent
THREADLINE = str(BIN / "threadline")

QUICK = os.environ.get("BENCH_QUICK", "") not in ("", "0")
RESEED = os.environ.get("BENCH_RESEED", "") not in ("", "0")
BACKENDS = os.environ.get("BENCH_BACKENDS", "sqlite,postgres").split(",")
POSTGRES = os.environ.get("BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432")
REDIS = os.environ.get("BENCH_REDIS", "redis://127.0.0.1:6379/0")
REDIS_PREFIX = "threadline-bench:"
PORT_API, PORT_CEILING = 18471, 18472
DURATION = 5 if QUICK else 15
MIXED_DURATION = 15 if QUICK else 60
WARMUP = 2
WRK_THREADS = 2
TENANT = "bench"
PAGE = "limit=20&depth=3"

console = Console(width=None if sys.stdout.isatty() else 200)


# --- what to seed -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Group:
    """`python -m benchmarks.seeding --prefix PREFIX --entities N --comments M --reply-ratio R`."""

    prefix: str
    entities: int
    comments: int
    reply_ratio: float


SEED_VERSION = 1  # bump when the seeding code changes what it writes
SCALE_SIZES = (100, 10_000, 20_000 if QUICK else 100_000)
MIX_THREADS = 1_000
GROUPS = [
    Group("page", 1, 1_000, 0.6),  # workloads 1 and 2: the 1,000-comment thread
    Group("deep", 1, 10_000, 0.0),  # workload 3: 10,000 roots, page 500 by cursor
    *(Group(f"scale{size}", 1, size, 0.6) for size in SCALE_SIZES),  # workload 4
    Group("mix", MIX_THREADS, 10 if QUICK else 100, 0.6),  # workloads 6 and 7
    # filler: the table holds >= 1,000,000 comments in the full run
    *([] if QUICK else [Group("filler", 780, 1_000, 0.6)]),
]
TOTAL_COMMENTS = sum(g.entities * g.comments for g in GROUPS)
SEED_KEY = hashlib.sha256(json.dumps([SEED_VERSION, [g.__dict__ for g in GROUPS]]).encode()).hexdigest()[:10]


def seed_env(env: dict[str, str]) -> None:
    """Run `threadline migrate` and the bulk seeder (its progress bars) for every group."""
    subprocess.run([THREADLINE, "migrate"], env=env, check=True)
    for number, group in enumerate(GROUPS):
        console.print(f"[bold]seeding[/] {group.entities} x {group.comments:,} comments ({group.prefix}-*)")
        subprocess.run(
            [
                sys.executable,
                "-m",
                "benchmarks.seeding",
                "--tenant",
                TENANT,
                "--prefix",
                group.prefix,
                "--entities",
                str(group.entities),
                "--comments",
                str(group.comments),
                "--reply-ratio",
                str(group.reply_ratio),
                "--texts",
                "5000",
                "--seed",
                str(100 + number),
            ],
            env=env,
            cwd=ROOT,
            check=True,
        )


# --- processes ----------------------------------------------------------------------------------


def base_env(**values: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("THREADLINE_")}
    # The limits stay on (their cost is part of every request), set high enough for one load
    # generator on one address to be a crowd rather than an abuser.
    generous = "1000000/minute"
    env.update(
        {
            "THREADLINE_RATE_LIMIT_READS_PER_ADDRESS": generous,
            "THREADLINE_RATE_LIMIT_READS_PER_USER": generous,
            "THREADLINE_RATE_LIMIT_WRITES_PER_ADDRESS": generous,
            "THREADLINE_RATE_LIMIT_WRITES_PER_USER": generous,
            **values,
        }
    )
    return env


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


# --- wrk ----------------------------------------------------------------------------------------


@dataclass
class Run:
    backend: str
    workload: str
    concurrency: int
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    max_ms: float
    errors: int
    detail: dict[str, Any]
    ceiling_ratio: float | None = None
    rss_mib: dict[str, float] = field(default_factory=dict)

    @property
    def bytes_per_response(self) -> float:
        return float(self.detail["bytes"]) / max(1, int(self.detail["requests"]))


def wrk(
    url: str, script: str, args: list[str], concurrency: int, duration: int, *, timeout: int = 10
) -> dict[str, Any]:
    command = [
        "wrk",
        f"-t{WRK_THREADS}",
        f"-c{concurrency}",
        f"-d{duration}s",
        "--timeout",
        f"{timeout}s",
        "-s",
        str(LUA / script),
        url,
        "--",
        *args,
    ]
    result = subprocess.run(
        command, capture_output=True, text=True, env={**os.environ, "BENCH_LUA_DIR": str(LUA)}, check=False
    )
    line = next((x for x in result.stdout.splitlines() if x.startswith("BENCH_JSON ")), None)
    if result.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
    data: dict[str, Any] = json.loads(line.removeprefix("BENCH_JSON "))
    data["errors"] = sum(
        data[k] for k in ("non2xx", "connect_errors", "read_errors", "write_errors", "timeouts")
    )
    return data


def measure(
    backend: str,
    workload: str,
    url: str,
    script: str,
    args: list[str],
    concurrency: int,
    duration: int,
    *,
    timeout: int = 10,
) -> Run:
    wrk(url, script, args, concurrency, WARMUP, timeout=timeout)  # fill caches and connection pools
    data = wrk(url, script, args, concurrency, duration, timeout=timeout)
    seconds = data["duration_us"] / 1e6
    run = Run(
        backend=backend,
        workload=workload,
        concurrency=concurrency,
        requests_per_second=data["requests"] / seconds,
        p50_ms=data["p50_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
        max_ms=data["max_us"] / 1000,
        errors=data["errors"],
        detail=data,
    )
    style = "red" if run.errors else "green"
    console.print(
        f"  {backend:8s} {workload:34s} c{concurrency:<3d} {run.requests_per_second:9,.0f} req/s"
        f"  p50 {run.p50_ms:7.2f} ms  p99 {run.p99_ms:7.2f} ms  [{style}]errors {run.errors}[/]"
    )
    return run


def lines_file(name: str, lines: list[str]) -> str:
    path = DATA / name
    path.write_text("\n".join(lines) + "\n")
    return str(path)


# --- the backend runs ---------------------------------------------------------------------------


@dataclass
class Backend:
    name: str
    workers: int
    env: dict[str, str]
    with_projector: bool
    write_db: str  # a SQLite file, or a PostgreSQL database name
    read_db: str


def prepare_sqlite() -> Backend:
    DATA.mkdir(exist_ok=True)
    pristine = DATA / f"seed-{SEED_KEY}.db"
    done = DATA / f"seed-{SEED_KEY}.done"
    if RESEED or not done.exists() or not pristine.exists():
        for path in DATA.glob(f"seed-{SEED_KEY}.db*"):
            path.unlink()
        done.unlink(missing_ok=True)
        seed_env(base_env(THREADLINE_DATABASE_URL=f"sqlite+aiosqlite:///{pristine}"))
        with contextlib.closing(sqlite3.connect(pristine)) as connection:
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        done.write_text(json.dumps([g.__dict__ for g in GROUPS]))
    else:
        console.print(f"reusing the SQLite seed {pristine.name} ({TOTAL_COMMENTS:,} comments)")
    work = DATA / "run.db"
    for path in DATA.glob("run.db*"):
        path.unlink()
    shutil.copyfile(pristine, work)
    url = f"sqlite+aiosqlite:///{work}"
    env = base_env(THREADLINE_DATABASE_URL=url)
    subprocess.run([THREADLINE, "migrate"], env=env, check=True)  # a seed older than the schema
    return Backend("sqlite", 1, env, False, str(work), str(work))


def psql(sql: str, database: str = "postgres") -> str:
    result = subprocess.run(
        ["psql", f"{POSTGRES}/{database}", "-XAtqc", sql], capture_output=True, text=True, check=True
    )
    return result.stdout.strip()


def prepare_postgres() -> Backend:
    pristine = (f"threadline_bench_{SEED_KEY}_w", f"threadline_bench_{SEED_KEY}_r")
    work = ("threadline_bench_write", "threadline_bench_read")
    done = DATA / f"pg-{SEED_KEY}.done"
    url = POSTGRES.replace("postgresql://", "postgresql+asyncpg://", 1)
    existing = set(psql("SELECT datname FROM pg_database").split())
    if RESEED or not done.exists() or not set(pristine) <= existing:
        done.unlink(missing_ok=True)
        for name in pristine:
            psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            psql(f'CREATE DATABASE "{name}"')
        seed_env(
            base_env(
                THREADLINE_DATABASE_URL=f"{url}/{pristine[0]}",
                THREADLINE_READ_DATABASE_URL=f"{url}/{pristine[1]}",
            )
        )
        for name in pristine:
            psql("VACUUM ANALYZE", name)
        DATA.mkdir(exist_ok=True)
        done.write_text(json.dumps([g.__dict__ for g in GROUPS]))
    else:
        console.print(
            f"reusing the PostgreSQL seed {pristine[0]}/{pristine[1]} ({TOTAL_COMMENTS:,} comments)"
        )
    for source, target in zip(pristine, work, strict=True):
        psql(f'DROP DATABASE IF EXISTS "{target}" WITH (FORCE)')
        psql(f'CREATE DATABASE "{target}" TEMPLATE "{source}"')
    flush_redis()
    env = base_env(
        THREADLINE_DATABASE_URL=f"{url}/{work[0]}",
        THREADLINE_READ_DATABASE_URL=f"{url}/{work[1]}",
        THREADLINE_REDIS_URL=REDIS,
        THREADLINE_REDIS_PREFIX=REDIS_PREFIX,
        THREADLINE_RUN_PROJECTOR="false",
    )
    subprocess.run([THREADLINE, "migrate"], env=env, check=True)  # a seed older than the schema
    return Backend(
        "postgres",
        2,
        env,
        True,
        work[0],
        work[1],
    )


def flush_redis() -> None:
    """Delete this suite's keys only."""
    from redis import Redis

    client = Redis.from_url(REDIS)
    try:
        keys = list(client.scan_iter(match=f"{REDIS_PREFIX}*", count=1000))
        for start_at in range(0, len(keys), 1000):
            client.delete(*keys[start_at : start_at + 1000])
    finally:
        client.close()


def tenant_and_tokens(backend: Backend) -> tuple[str, list[str]]:
    """The bench tenant's id and tokens of 100 users (line i: user-(i-1)), signed in-process."""
    from threadline.adapters.auth.jwt_tokens import issue_token
    from threadline.bootstrap import build
    from threadline.domain.identity import Role
    from threadline.settings import Settings

    async def work() -> tuple[str, list[str]]:
        saved = dict(os.environ)
        os.environ.update(backend.env)
        try:
            container = build(Settings(redis_url=None))
        finally:
            os.environ.clear()
            os.environ.update(saved)
        try:
            tenant = await container.tenants.by_name(TENANT)
            assert tenant is not None
            tokens = [
                issue_token(tenant, user_id=f"user-{i}", name=f"User {i}", role=Role.USER, ttl_seconds=86400)
                for i in range(100)
            ]
            return tenant.id, tokens
        finally:
            await container.stop()

    return asyncio.run(work())


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


def page_path(prefix: str, entity: int = 0, extra: str = "") -> str:
    return f"/v1/entities/post/{prefix}-{entity}/comments?{PAGE}{extra}"


def cursor_of_page(base: str, tenant_id: str, prefix: str, page: int) -> str:
    """Walk next_cursor from page 1 to ``page``; the URL of that page by cursor."""
    headers = {"X-Tenant-ID": tenant_id}
    path = page_path(prefix)
    with httpx.Client(base_url=base, headers=headers, timeout=30) as client:
        for _ in range(page - 1):
            response = client.get(path)
            response.raise_for_status()
            cursor = response.json()["meta"]["next_cursor"]
            assert cursor, "ran out of pages"
            path = page_path(prefix, extra=f"&cursor={cursor}")
    return path


def run_backend(backend: Backend) -> tuple[list[Run], dict[str, Any]]:
    base = f"http://127.0.0.1:{PORT_API}"
    tenant_id, tokens = tenant_and_tokens(backend)
    tokens_file = lines_file("tokens.txt", tokens)
    runs: list[Run] = []
    extra: dict[str, Any] = {"tenant_id": tenant_id}
    name = backend.name

    def read(workload: str, paths: list[str], concurrency: int, *, timeout: int = 10) -> Run:
        paths_file = lines_file("paths.txt", paths)
        args = [tenant_id, paths_file]
        run = measure(name, workload, base, "read.lua", args, concurrency, DURATION, timeout=timeout)
        runs.append(run)
        return run

    console.rule(f"[bold]{name}[/]: cache on")
    servers = serve(backend, cache=True)
    with running(*servers):
        body = httpx.get(base + page_path("page"), headers={"X-Tenant-ID": tenant_id}).content
        body_file = DATA / f"ceiling-body-{name}.json"
        body_file.write_bytes(body)
        extra["page_body_bytes"] = len(body)
        extra["page_roots"] = len(json.loads(body)["data"])
        for concurrency in (16, 64):
            read("1 cached page (1,000-comment thread)", [page_path("page")], concurrency)
        writes = measure(
            name, "5 writes (creates+replies)", base, "write.lua", [tokens_file, "w", "100"], 16, DURATION
        )
        runs.append(writes)
        # The writes leave a backlog for the projector: time its catch-up (its throughput under no
        # load), so the mixed run starts from a drained log and its lag is its own.
        extra["projection_drain_after_writes"] = drain_projection(backend)
        console.print(f"  projector catch-up after the writes: {extra['projection_drain_after_writes']}")
        watcher = CheckpointWatcher(backend)
        lag_stop = lag_probe(base, tenant_id, tokens[0])
        mixed = measure(
            name,
            f"6 mixed 95/5 ({MIXED_DURATION} s)",
            base,
            "mixed.lua",
            [tenant_id, tokens_file, "mix", str(MIX_THREADS)],
            64,
            MIXED_DURATION,
        )
        extra["lag_api"] = lag_stop()
        extra["lag"] = watcher.finish()
        mixed.rss_mib = {k: v for server in servers for k, v in server.rss().items()}
        runs.append(mixed)
        console.print(f"  projection lag (checkpoint vs recorded_at): {extra['lag']}")
        console.print(f"  end-to-end lag (create, then GET by id until 200): {extra['lag_api']}")
        console.print(f"  RSS after mixed (MiB): {mixed.rss_mib}")
        # Seeded text uses 22 common words, each in about half of all comments; the writes and
        # the mixed run add comments ending in a counter, so a number is a selective term.
        selective = [f"/v1/search?q={n}" for n in (101, 202, 303, 404, 505)]
        read("7 search, selective term (tenant-wide)", selective, 16)
        read(
            "7 search, selective term (one thread)",
            [f"{path}&entity_type=post&entity_id=mix-0" for path in selective],
            16,
        )
        counts = "/v1/counts?entity_type=post&" + "&".join(f"entity_id=mix-{i}" for i in range(50))
        read("7 counts (50 entities)", [counts], 16)
        # last on this server: requests wrk abandons at the end keep it busy for a while
        common = [f"/v1/search?q={w}" for w in ("performance", "release", "design", "question")]
        read("7 search, common word (~half the table)", common, 2, timeout=120)

    console.rule(f"[bold]{name}[/]: cache off (THREADLINE_CACHE_ENABLED=false)")
    servers = serve(backend, cache=False)
    with running(*servers):
        for concurrency in (16, 64):
            read("2 uncached page (1,000-comment thread)", [page_path("page")], concurrency)
        deep = cursor_of_page(base, tenant_id, "deep", 500)
        extra["deep_path"] = deep
        read("3 page 500 by cursor (10,000 roots)", [deep], 16)
        for size in SCALE_SIZES:
            read(f"4 first page, {size:,}-comment thread", [page_path(f"scale{size}")], 16)

    console.rule(f"[bold]{name}[/]: ceiling (bare ASGI, {backend.workers} worker(s))")
    ceiling = start(
        f"{name}-ceiling",
        [
            str(BIN / "uvicorn"),
            "benchmarks.ceiling:app",
            "--port",
            str(PORT_CEILING),
            "--workers",
            str(backend.workers),
            "--loop",
            "uvloop",
            "--http",
            "httptools",
            "--no-access-log",
            "--log-level",
            "warning",
        ],
        {**os.environ, "BENCH_CEILING_BODY": str(body_file)},
    )
    with running(ceiling):
        wait_ready(ceiling, f"http://127.0.0.1:{PORT_CEILING}/")
        ceilings = {}
        for concurrency in (16, 64):
            paths_file = lines_file("paths.txt", [page_path("page")])
            run = measure(
                name,
                "ceiling: bare ASGI, same bytes",
                f"http://127.0.0.1:{PORT_CEILING}",
                "read.lua",
                [tenant_id, paths_file],
                concurrency,
                DURATION,
            )
            ceilings[concurrency] = run.requests_per_second
            runs.append(run)
    for run in runs:
        run.ceiling_ratio = run.requests_per_second / ceilings.get(run.concurrency, ceilings[16])
    return runs, extra


# --- projection lag -----------------------------------------------------------------------------


def lag_probe(base: str, tenant_id: str, token: str) -> Callable[[], dict[str, Any]]:
    """Every 100 ms: create a comment in one of the hot mixed threads, then poll
    GET /v1/comments/{id} (anonymous, as any reader) every 2 ms until it answers 200.

    Lag = from the create's 201 arriving (the command committed before it was sent) to the first
    200 arriving. It is end to end: projection, cache invalidation and one read under full load,
    so it includes the read's own round trip (reported as poll_rtt, the floor of what this
    method can measure)."""
    stop = threading.Event()
    samples: list[float] = []
    rtts: list[float] = []
    failures: list[str] = []
    auth = {"Authorization": f"Bearer {token}"}
    anonymous = {"X-Tenant-ID": tenant_id}

    def probe(client: httpx.Client, n: int) -> None:
        comment_id = str(uuid.uuid4())
        body = {
            "id": comment_id,
            "entity_type": "post",
            "entity_id": f"mix-{n % 10}",
            "content": f"lag probe {n}",
        }
        created = client.post("/v1/comments", json=body, headers=auth)
        committed = time.monotonic()
        if created.status_code != 201:
            failures.append(f"create {created.status_code}")
            return
        while True:
            sent = time.monotonic()
            got = client.get(f"/v1/comments/{comment_id}", headers=anonymous)
            now = time.monotonic()
            rtts.append(now - sent)
            if got.status_code == 200:
                samples.append(now - committed)
                return
            if got.status_code != 404:
                failures.append(f"read {got.status_code}")
                return
            if now - committed > 10:
                failures.append("not visible after 10 s")
                return
            time.sleep(0.002)

    def loop() -> None:
        with httpx.Client(base_url=base, timeout=10) as client:
            n = 0
            while not stop.is_set():
                tick = time.monotonic()
                try:
                    probe(client, n)
                except httpx.HTTPError as error:  # a timeout under load is a failure, not a crash
                    failures.append(f"{type(error).__name__}: {error}")
                n += 1
                stop.wait(max(0.0, 0.1 - (time.monotonic() - tick)))

    thread = threading.Thread(target=loop, name="lag-probe", daemon=True)
    thread.start()

    def finish() -> dict[str, Any]:
        stop.set()
        thread.join(30)
        ms = sorted(x * 1000 for x in samples)
        return {
            "samples": len(ms),
            "p50_ms": round(percentile(ms, 50), 1),
            "p99_ms": round(percentile(ms, 99), 1),
            "max_ms": round(ms[-1], 1) if ms else float("nan"),
            "poll_rtt_p50_ms": round(percentile(sorted(x * 1000 for x in rtts), 50), 1),
            "failures": failures,
        }

    return finish


def drain_projection(backend: Backend, timeout: float = 600) -> dict[str, float]:
    """Wait until the projection reaches the log head; how many events that took, and how long."""
    watcher = CheckpointWatcher(backend)
    started = time.monotonic()
    head = watcher.start_position
    first = None
    try:
        while time.monotonic() - started < timeout:
            if watcher.seen:
                first = watcher.seen[0][1] if first is None else first
                if watcher.seen[-1][1] >= head:
                    break
            time.sleep(0.05)
        else:
            raise RuntimeError(f"the projection did not reach {head} within {timeout} s")
    finally:
        watcher.stop()
    seconds = time.monotonic() - started
    events = head - (first if first is not None else head)
    return {"events": events, "seconds": round(seconds, 2), "events_per_second": round(events / seconds, 1)}


class CheckpointWatcher:
    """Projection lag from the stores themselves, for every event of the mixed run.

    A thread reads the projector's checkpoint from the read database every ~5 ms and notes the
    wall-clock time each new position is first seen; the checkpoint commits in the same
    transaction as the read-model rows, so that is when queries can see the event. Afterwards each
    event's lag = (first time the checkpoint was seen at or past its position) - its
    ``recorded_at`` (set when it was appended, just before its command's commit: the lag includes
    that commit, so it errs on the long side, by up to the ~5 ms poll period too)."""

    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        self.seen: list[tuple[float, int]] = []
        self.start_position = self.log_head()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, name="checkpoint-watcher", daemon=True)
        self._thread.start()

    def log_head(self) -> int:
        return int(self._write_query("SELECT coalesce(max(position), 0) FROM events")[0][0])

    def _write_query(self, sql: str) -> list[list[str]]:
        if self.backend.name == "sqlite":
            with contextlib.closing(sqlite3.connect(f"file:{self.backend.write_db}?mode=ro", uri=True)) as db:
                return [[str(v) for v in row] for row in db.execute(sql).fetchall()]
        return [line.split("|") for line in psql(sql, self.backend.write_db).splitlines()]

    def _poll(self) -> None:
        query = "SELECT position FROM projection_checkpoints WHERE name = 'comments'"
        if self.backend.name == "sqlite":
            with contextlib.closing(sqlite3.connect(f"file:{self.backend.read_db}?mode=ro", uri=True)) as db:
                while not self._stop.wait(0.005):
                    self._note(int(db.execute(query).fetchone()[0]))
            return

        async def poll() -> None:
            import asyncpg

            connection = await asyncpg.connect(f"{POSTGRES}/{self.backend.read_db}")
            try:
                while not self._stop.is_set():
                    self._note(int(await connection.fetchval(query)))
                    await asyncio.sleep(0.005)
            finally:
                await connection.close()

        asyncio.run(poll())

    def _note(self, position: int) -> None:
        if not self.seen or position > self.seen[-1][1]:
            self.seen.append((time.time(), position))

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(10)

    def finish(self) -> dict[str, Any]:
        """Wait for the projection to drain the run's events, then compute each event's lag."""
        end = self.log_head()
        deadline = time.monotonic() + 30
        while (not self.seen or self.seen[-1][1] < end) and time.monotonic() < deadline:
            time.sleep(0.05)
        self.stop()
        rows = self._write_query(
            f"SELECT position, recorded_at FROM events WHERE position > {self.start_position}"
            f" AND position <= {end} ORDER BY position"
        )
        positions = [p for _, p in self.seen]
        lags = []
        for position_text, recorded_at in rows:
            index = bisect.bisect_left(positions, int(position_text))
            if index == len(positions):
                continue  # not projected within 30 s: counted below
            committed = datetime.fromisoformat(recorded_at.replace("Z", "+00:00")).timestamp()
            lags.append(max(0.0, self.seen[index][0] - committed) * 1000)
        lags.sort()
        return {
            "events": len(rows),
            "p50_ms": round(percentile(lags, 50), 1),
            "p99_ms": round(percentile(lags, 99), 1),
            "max_ms": round(lags[-1], 1) if lags else float("nan"),
            "not_projected": len(rows) - len(lags),
        }


def percentile(sorted_values: list[float], p: float) -> float:
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, round(p / 100 * len(sorted_values) + 0.5) - 1))
    return sorted_values[index]


# --- report -------------------------------------------------------------------------------------


def versions() -> dict[str, str]:
    import uvicorn

    out = {
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "uvicorn": uvicorn.__version__,
        "wrk": subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout.split("[")[0].strip(),
    }
    with contextlib.suppress(Exception):
        out["postgresql"] = psql("SHOW server_version")
    with contextlib.suppress(Exception):
        from redis import Redis

        client = Redis.from_url(REDIS)
        out["redis"] = str(client.info("server")["redis_version"])
        client.close()
    return out


def machine() -> dict[str, str]:
    lscpu = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
    fields = dict(line.split(":", 1) for line in lscpu.splitlines() if ":" in line)
    return {
        "cpu": fields.get("Model name", "?").strip(),
        "cpus": fields.get("CPU(s)", "?").strip(),
        "memory_gib": f"{psutil.virtual_memory().total / 2**30:.0f}",
        "kernel": platform.release(),
    }


@dataclass
class Target:
    backend: str
    name: str
    measured: str
    met: bool


def targets(backend: str, runs: list[Run], extra: dict[str, Any]) -> list[Target]:
    out: list[Target] = []
    mine = [r for r in runs if r.backend == backend]

    def find(prefix: str, concurrency: int = 16) -> Run | None:
        return next((r for r in mine if r.workload.startswith(prefix) and r.concurrency == concurrency), None)

    for concurrency in (16, 64):
        cached = find("1 ", concurrency)
        if cached and cached.ceiling_ratio is not None:
            out.append(
                Target(
                    backend,
                    f"cached page c{concurrency} >= 50% of ceiling, p99 < 5 x p50",
                    f"{cached.ceiling_ratio:.1%}, p99/p50 = {cached.p99_ms / cached.p50_ms:.1f}",
                    cached.ceiling_ratio >= 0.5 and cached.p99_ms < 5 * cached.p50_ms,
                )
            )
        uncached = find("2 ", concurrency)
        if uncached and uncached.ceiling_ratio is not None:
            out.append(
                Target(
                    backend,
                    f"uncached page c{concurrency} >= 15% of ceiling",
                    f"{uncached.ceiling_ratio:.1%}",
                    uncached.ceiling_ratio >= 0.15,
                )
            )
    small, deep, large = find("4 first page, 100-"), find("3 "), find(f"4 first page, {SCALE_SIZES[-1]:,}-")
    if small and deep and large:
        for label, run in (("page 500", deep), (f"first page of {SCALE_SIZES[-1]:,}", large)):
            out.append(
                Target(
                    backend,
                    f"{label} p50 <= 1.5 x the 100-comment thread's (uncached)",
                    f"{run.p50_ms:.2f} ms vs {small.p50_ms:.2f} ms ({run.p50_ms / small.p50_ms:.2f} x)",
                    run.p50_ms <= 1.5 * small.p50_ms,
                )
            )
    writes = find("5 ")
    if writes and backend == "postgres":
        out.append(
            Target(
                backend,
                "writes >= 1,000 creates/s (2 API workers)",
                f"{writes.requests_per_second:,.0f}/s",
                writes.requests_per_second >= 1000,
            )
        )
    lag = extra.get("lag")
    if lag:
        out.append(
            Target(
                backend,
                "projection lag p99 <= 100 ms, max <= 1 s (mixed run)",
                f"p50 {lag['p50_ms']} ms, p99 {lag['p99_ms']} ms, max {lag['max_ms']} ms",
                lag["p99_ms"] <= 100 and lag["max_ms"] <= 1000 and not lag["not_projected"],
            )
        )
    mixed = find("6 ", 64)
    if mixed and mixed.rss_mib:
        workers = {k: v for k, v in mixed.rss_mib.items() if "api" in k and "supervisor" not in k}
        out.append(
            Target(
                backend,
                "API worker RSS <= 150 MB after the mixed run",
                ", ".join(f"{v:.0f} MiB" for v in workers.values()),
                all(v * 2**20 <= 150e6 for v in workers.values()),
            )
        )
    return out


def report(runs: list[Run], extras: dict[str, dict[str, Any]], goals: list[Target]) -> None:
    table = Table(title=f"Threadline load benchmark{' (QUICK)' if QUICK else ''}: wrk -t{WRK_THREADS}")
    for column in (
        "backend",
        "workload",
        "conc",
        "req/s",
        "x ceiling",
        "p50 ms",
        "p99 ms",
        "max ms",
        "errors",
    ):
        table.add_column(column, justify="left" if column in ("backend", "workload") else "right")
    for run in runs:
        table.add_row(
            run.backend,
            run.workload,
            str(run.concurrency),
            f"{run.requests_per_second:,.0f}",
            f"{run.ceiling_ratio:.1%}" if run.ceiling_ratio is not None else "",
            f"{run.p50_ms:.2f}",
            f"{run.p99_ms:.2f}",
            f"{run.max_ms:.1f}",
            f"[red]{run.errors}[/]" if run.errors else "0",
            f"{run.bytes_per_response:,.0f}",
        )
    console.print(table)
    summary = Table(title="Targets")
    for column in ("backend", "target", "measured", "result"):
        summary.add_column(column)
    for goal in goals:
        summary.add_row(
            goal.backend, goal.name, goal.measured, "[green]met[/]" if goal.met else "[red]missed[/]"
        )
    console.print(summary)
    for backend, extra in extras.items():
        console.print(f"{backend}: projection lag {extra.get('lag')}; end to end {extra.get('lag_api')}")


def markdown(runs: list[Run], goals: list[Target]) -> str:
    lines = [
        "| backend | workload | conc | req/s | x ceiling | p50 ms | p99 ms | max ms | errors | bytes/resp |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in runs:
        ratio = f"{r.ceiling_ratio:.1%}" if r.ceiling_ratio is not None else ""
        lines.append(
            f"| {r.backend} | {r.workload} | {r.concurrency} | {r.requests_per_second:,.0f} | {ratio} |"
            f" {r.p50_ms:.2f} | {r.p99_ms:.2f} | {r.max_ms:.1f} | {r.errors} | {r.bytes_per_response:,.0f} |"
        )
    lines += ["", "| backend | target | measured | result |", "|---|---|---|---|"]
    lines += [
        f"| {g.backend} | {g.name} | {g.measured} | {'met' if g.met else '**missed**'} |" for g in goals
    ]
    return "\n".join(lines) + "\n"


# --- main ---------------------------------------------------------------------------------------


def preflight() -> None:
    problems = []
    if shutil.which("wrk") is None:
        problems.append("wrk is not installed: `apt-get install -y wrk` (Debian, version 4.1.0)")
    if "postgres" in BACKENDS:
        try:
            psql("SELECT 1")
        except (subprocess.CalledProcessError, FileNotFoundError) as error:
            problems.append(f"PostgreSQL is not reachable at {POSTGRES} (psql: {error})")
        try:
            from redis import Redis

            Redis.from_url(REDIS, socket_connect_timeout=2).ping()
        except Exception as error:
            problems.append(f"Redis is not reachable at {REDIS}: {error}")
    if problems:
        console.print("[red bold]The load benchmark cannot run:[/]")
        for problem in problems:
            console.print(f"  - {problem}")
        console.print("(BENCH_BACKENDS=sqlite runs the embedded default alone.)")
        sys.exit(2)


def main() -> None:
    preflight()
    console.print(
        f"Threadline load benchmark{' [yellow](QUICK)[/]' if QUICK else ''}: backends {BACKENDS},"
        f" {TOTAL_COMMENTS:,} comments, {DURATION} s per run ({MIXED_DURATION} s mixed)"
    )
    runs: list[Run] = []
    extras: dict[str, dict[str, Any]] = {}
    goals: list[Target] = []
    for name in BACKENDS:
        backend = prepare_sqlite() if name == "sqlite" else prepare_postgres()
        try:
            backend_runs, extra = run_backend(backend)
        finally:
            if name == "postgres":
                flush_redis()  # leave no cached pages or view counters of ours behind
        runs += backend_runs
        extras[name] = extra
        goals += targets(name, backend_runs, extra)
    report(runs, extras, goals)
    RESULTS.mkdir(exist_ok=True)
    stem = "load-quick" if QUICK else "load"
    result = {
        "when": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
        "quick": QUICK,
        "machine": machine(),
        "versions": versions(),
        "seed": {"comments": TOTAL_COMMENTS, "groups": [g.__dict__ for g in GROUPS]},
        "durations_s": {"run": DURATION, "mixed": MIXED_DURATION, "warmup": WARMUP},
        "runs": [r.__dict__ for r in runs],
        "extra": extras,
        "targets": [g.__dict__ for g in goals],
    }
    (RESULTS / f"{stem}.json").write_text(json.dumps(result, indent=2) + "\n")
    (RESULTS / f"{stem}.md").write_text(markdown(runs, goals))
    console.print(f"results: {RESULTS / (stem + '.json')} and {stem}.md")
    errors = sum(r.errors for r in runs) + sum(
        len(e.get("lag_api", {}).get("failures", [])) for e in extras.values()
    )
    if errors:
        console.print(f"[red bold]FAILED: {errors} errors or non-2xx responses during the runs[/]")
        sys.exit(1)


if __name__ == "__main__":
    main()
