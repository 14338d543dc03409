"""Every workload on one backend: the cached server, the uncached server, then the ceiling, each
started and stopped here; the runs come back in that order with their ceiling ratios."""

from __future__ import annotations

import json
import os
from typing import Any

import httpx

from benchmarks import workloads as w
from benchmarks.backends import Backend, tenant_and_tokens
from benchmarks.config import (
    BIN,
    DATA,
    DURATION,
    MIXED_DURATION,
    PAGE,
    PORT_API,
    PORT_CEILING,
    POSTGRES,
    console,
)
from benchmarks.lag import CheckpointWatcher, drain_projection, lag_probe
from benchmarks.seeding.plan import MIX_THREADS, SCALE_SIZES
from benchmarks.servers import Server, running, serve, start, wait_ready
from benchmarks.workloads import Workload, selected
from benchmarks.write_ceiling import postgres_ceiling, sqlite_ceiling
from benchmarks.wrk import Run, lines_file, measure
from threadline.cli.seeding import WORDS


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


def mixed_run(
    backend: Backend,
    base: str,
    tenant_id: str,
    tokens: list[str],
    tokens_file: str,
    servers: list[Server],
    extra: dict[str, Any],
) -> Run:
    """Workload 6, reads and writes at once, with the projection lag followed through it."""
    watcher = CheckpointWatcher(backend)
    lag_stop = lag_probe(base, tenant_id, tokens[0])
    mixed = measure(
        backend.name,
        w.MIXED,
        base,
        "mixed.lua",
        [tenant_id, tokens_file, "mix", str(MIX_THREADS)],
        64,
        MIXED_DURATION,
    )
    extra["lag_api"] = lag_stop()
    extra["lag"] = watcher.finish()
    mixed.rss_mib = {k: v for server in servers for k, v in server.rss().items()}
    console.print(f"  projection lag (checkpoint vs recorded_at): {extra['lag']}")
    console.print(f"  end-to-end lag (create, then GET by id until 200): {extra['lag_api']}")
    console.print(f"  RSS after mixed (MiB): {mixed.rss_mib}")
    return mixed


def write_ceiling(backend: Backend, tenant_id: str, writes: Run) -> Run:
    """The raw driver's creates at the writes' concurrency, on the same database, with no server
    running (last in the run: its rows are in no one's way)."""
    console.rule(f"[bold]{backend.name}[/]: write ceiling (create transactions on the raw driver)")
    if backend.name == "sqlite":
        rate = sqlite_ceiling(backend.write_db, tenant_id, DURATION)
    else:
        rate = postgres_ceiling(f"{POSTGRES}/{backend.write_db}", tenant_id, DURATION, writes.concurrency)
    console.print(
        f"  {rate:,.0f} creates/s; creates through HTTP: {writes.requests_per_second / rate:.1%} of it"
    )
    return Run(
        backend=backend.name,
        workload=w.WRITE_CEILING.label,
        workload_id=w.WRITE_CEILING.id,
        concurrency=writes.concurrency,
        requests_per_second=rate,
        p50_ms=0.0,
        p99_ms=0.0,
        max_ms=0.0,
        errors=0,
        detail={"requests": 0, "bytes": 0},
    )


def run_backend(backend: Backend) -> tuple[list[Run], dict[str, Any]]:
    """Every workload BENCH_ONLY selects (all by default), then the ceiling."""
    base = f"http://127.0.0.1:{PORT_API}"
    tenant_id, tokens = tenant_and_tokens(backend)
    tokens_file = lines_file("tokens.txt", tokens)
    runs: list[Run] = []
    extra: dict[str, Any] = {"tenant_id": tenant_id}
    name = backend.name

    def read(workload: Workload, paths: list[str], concurrency: int, *, timeout: int = 10) -> Run | None:
        if not selected(workload):
            return None
        paths_file = lines_file("paths.txt", paths)
        args = [tenant_id, paths_file]
        run = measure(name, workload, base, "read.lua", args, concurrency, DURATION, timeout=timeout)
        runs.append(run)
        return run

    reads = [w.CACHED_PAGE, w.UNCACHED_PAGE, w.DEEP_PAGE, w.COUNTS, w.SEARCH_COMMON, w.SEARCH_SELECTIVE]
    reads_selected = any(selected(workload) for workload in reads) or selected(w.first_page(0))

    console.rule(f"[bold]{name}[/]: cache on")
    servers = serve(backend, cache=True)
    with running(*servers):
        body = httpx.get(base + page_path("page"), headers={"X-Tenant-ID": tenant_id}).content
        body_file = DATA / f"ceiling-body-{name}.json"
        body_file.write_bytes(body)
        extra["page_body_bytes"] = len(body)
        extra["page_roots"] = len(json.loads(body)["data"])
        for concurrency in (16, 64) if selected(w.CACHED_PAGE) else ():
            read(w.CACHED_PAGE, [page_path("page")], concurrency)
        if selected(w.WRITES):
            writes = measure(name, w.WRITES, base, "write.lua", [tokens_file, "w", "100"], 16, DURATION)
            runs.append(writes)
            # The writes leave a backlog for the projector: time its catch-up (its throughput under
            # no load), so the mixed run starts from a drained log and its lag is its own.
            extra["projection_drain_after_writes"] = drain_projection(backend)
            console.print(f"  projector catch-up after the writes: {extra['projection_drain_after_writes']}")
        if selected(w.MIXED):
            runs.append(mixed_run(backend, base, tenant_id, tokens, tokens_file, servers, extra))
        # Seeded text uses 22 common words, each in about half of all comments; the writes and
        # the mixed run add comments ending in a counter, so a number is a selective term.
        selective = [f"/v1/search?q={n}" for n in (101, 202, 303, 404, 505)]
        if selected(w.SEARCH_SELECTIVE):
            read(w.SEARCH_SELECTIVE, selective, 16)
        if selected(w.SEARCH_SELECTIVE_THREAD):
            read(
                w.SEARCH_SELECTIVE_THREAD,
                [f"{path}&entity_type=post&entity_id=mix-0" for path in selective],
                16,
            )
        if selected(w.COUNTS):
            counts = "/v1/counts?entity_type=post&" + "&".join(f"entity_id=mix-{i}" for i in range(50))
            read(w.COUNTS, [counts], 16)
        common = [f"/v1/search?q={w}" for w in ("performance", "release", "design", "question")]
        if selected(w.SEARCH_COMMON):
            read(w.SEARCH_COMMON, common, 2, timeout=120)
        if selected(w.SEARCH_COMMON_THREAD):
            read(w.SEARCH_COMMON_THREAD, [f"{path}&entity_type=post&entity_id=mix-1" for path in common], 16)
        if selected(w.SEARCH_PHRASE):
            phrases = [f"/v1/search?q=%22{a}+{b}%22" for a, b in (("great", "point"), ("bug", "fix"))]
            read(w.SEARCH_PHRASE, phrases, 16)
        if selected(w.SEARCH_PATHOLOGICAL):
            twelve = "+".join(WORDS[:12])  # seeded words: each common, all twelve together rare
            read(w.SEARCH_PATHOLOGICAL, [f"/v1/search?q={twelve}"], 16)

    cache_off = [w.UNCACHED_PAGE, w.DEEP_PAGE, *(w.first_page(size) for size in SCALE_SIZES)]
    if selected(*cache_off):
        console.rule(f"[bold]{name}[/]: cache off (THREADLINE_CACHE_ENABLED=false)")
        servers = serve(backend, cache=False)
        with running(*servers):
            for concurrency in (16, 64) if selected(w.UNCACHED_PAGE) else ():
                read(w.UNCACHED_PAGE, [page_path("page")], concurrency)
            if selected(w.DEEP_PAGE):
                deep = cursor_of_page(base, tenant_id, "deep", 500)
                extra["deep_path"] = deep
                read(w.DEEP_PAGE, [deep], 16)
            for size in SCALE_SIZES:
                read(w.first_page(size), [page_path(f"scale{size}")], 16)
    writes_run = next((run for run in runs if run.workload_id == w.WRITES.id), None)
    if not reads_selected:
        if writes_run is not None:
            ceiling_run = write_ceiling(backend, tenant_id, writes_run)
            runs.append(ceiling_run)
            writes_run.ceiling_ratio = writes_run.requests_per_second / ceiling_run.requests_per_second
        return runs, extra

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
                w.CEILING,
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
    if writes_run is not None:
        # Creates are held to the write ceiling, not to a read's.
        ceiling_run = write_ceiling(backend, tenant_id, writes_run)
        runs.append(ceiling_run)
        writes_run.ceiling_ratio = writes_run.requests_per_second / ceiling_run.requests_per_second
    return runs, extra
