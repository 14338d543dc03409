"""`make bench`: load runs with wrk against real servers, every throughput beside a bare-ASGI ceiling.

For each backend — the embedded default (SQLite file, 1 API worker with its in-process projector,
in-memory cache) and PostgreSQL + Redis (2 API workers and one `threadline projector`) — it:

1. seeds its data once with the bulk seeder (`python -m benchmarks.seeding`; cached under
   benchmarks/.data and in PostgreSQL databases named after the seed parameters; BENCH_RESEED=1
   forces a new seed) and runs on a fresh copy of that seed (file copy / CREATE DATABASE …
   TEMPLATE), so every run starts from the same data;
2. starts `threadline serve` (and `threadline projector`), runs the workloads with wrk and the Lua
   scripts in benchmarks/lua, and stops every process it started (process groups, also on errors);
3. serves benchmarks/ceiling.py (bare ASGI, uvicorn with uvloop/httptools, the same worker count)
   returning the exact bytes of workload 1, measured with the same wrk script.

Results: a rich table in the terminal and benchmarks/results/load[-quick].json. Any non-2xx
answer or socket error during a run fails the suite (exit status 1) after the report.
BENCH_QUICK=1: short runs and smaller data, for iteration. BENCH_BACKENDS=sqlite,postgres picks
backends; BENCH_ONLY=writes,mixed picks workloads by id (benchmarks/workloads.py). The writes are
held to a write ceiling measured in the same run (benchmarks/write_ceiling.py: the same create
transaction on the raw driver, last in the run, with no server up). Two workloads start their own
servers on fresh databases after the load runs: webhook delivery under faults
(BENCH_ONLY=webhook_delivery, benchmarks/webhook_delivery.py) and the live fan-out to 5,000 SSE
subscribers beside a bare SSE ceiling (BENCH_ONLY=live_fanout, benchmarks/live_fanout.py). Last,
the widget in Chromium beside a plain-loop ceiling (BENCH_ONLY=browser_widget,
benchmarks/browser_widget.py; the embedded default only).
Needs wrk (Debian: apt-get install wrk), and for the second backend PostgreSQL at
BENCH_POSTGRES (postgresql://postgres@127.0.0.1:5432) and Redis at BENCH_REDIS
(redis://127.0.0.1:6379/0).

The modules, by concern: config (knobs), seeding/plan (what is seeded), backends (preparing a
backend), servers (processes), workloads (ids and labels), backend_run (the runs on one
backend), wrk (one measurement), lag (projection lag), report (tables, targets, markdown).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from typing import Any

from benchmarks.backend_run import run_backend
from benchmarks.backends import flush_redis, prepare_postgres, prepare_sqlite, psql
from benchmarks.browser_widget import CHROMIUM, browser_table, browser_targets, run_browser_widget
from benchmarks.config import (
    BACKENDS,
    DURATION,
    MIXED_DURATION,
    ONLY,
    POSTGRES,
    QUICK,
    REDIS,
    RESULTS,
    WARMUP,
    console,
)
from benchmarks.live_fanout import run_live_fanout
from benchmarks.live_report import live_table, live_targets
from benchmarks.report import Target, machine, markdown, report, targets, versions, webhook_targets
from benchmarks.seeding.plan import GROUPS, TOTAL_COMMENTS
from benchmarks.webhook_delivery import run_webhook_delivery
from benchmarks.workloads import BROWSER_WIDGET, LIVE_FANOUT, STANDALONE, WEBHOOK_DELIVERY, selected
from benchmarks.wrk import Run


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
    if selected(BROWSER_WIDGET) and not CHROMIUM.exists():
        problems.append(f"{CHROMIUM} is missing: `apt-get install -y chromium` (or leave out browser_widget)")
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
    standalone_only = bool(ONLY) and STANDALONE >= ONLY
    for name in BACKENDS if not standalone_only else []:
        backend = prepare_sqlite() if name == "sqlite" else prepare_postgres()
        try:
            backend_runs, extra = run_backend(backend)
        finally:
            if name == "postgres":
                flush_redis()  # leave no cached pages or view counters of ours behind
        runs += backend_runs
        extras[name] = extra
        goals += targets(name, backend_runs, extra)
    # Webhooks (benchmarks/webhook_delivery.py): fresh databases of their own, no API servers.
    for name in BACKENDS if selected(WEBHOOK_DELIVERY) else []:
        extras.setdefault(name, {})["webhooks"] = run_webhook_delivery(name)
        goals += webhook_targets(name, extras[name]["webhooks"])
    # Live fan-out (benchmarks/live_fanout.py): fresh databases, its own servers and ceiling.
    if selected(LIVE_FANOUT):
        live = run_live_fanout(BACKENDS)
        console.print(live_table(live))
        for name in BACKENDS:
            extras.setdefault(name, {}).update(live=live[name], live_ceiling=live["ceiling"])
            goals += live_targets(name, live)
    # The widget in Chromium (benchmarks/browser_widget.py): its own server on a fresh database.
    if selected(BROWSER_WIDGET):
        browser = run_browser_widget()
        console.print(browser_table(browser))
        extras.setdefault("sqlite", {})["browser"] = browser
        goals += browser_targets(browser)
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
