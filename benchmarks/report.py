"""The report: the rich tables, the targets each backend is held to, the markdown of
benchmarks/results/load*.md, and the machine and versions recorded with the results."""

from __future__ import annotations

import contextlib
import platform
import sqlite3
import subprocess
from dataclasses import dataclass
from typing import Any

import psutil
from rich.table import Table

from benchmarks import workloads as w
from benchmarks.backends import psql
from benchmarks.config import (
    QUICK,
    REDIS,
    WRK_THREADS,
    console,
)
from benchmarks.seeding.plan import SCALE_SIZES
from benchmarks.wrk import Run


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

    def find(workload: w.Workload, concurrency: int = 16) -> Run | None:
        return next((r for r in mine if r.workload_id == workload.id and r.concurrency == concurrency), None)

    for concurrency in (16, 64):
        cached = find(w.CACHED_PAGE, concurrency)
        if cached and cached.ceiling_ratio is not None:
            out.append(
                Target(
                    backend,
                    f"cached page c{concurrency} >= 50% of ceiling, p99 < 5 x p50",
                    f"{cached.ceiling_ratio:.1%}, p99/p50 = {cached.p99_ms / cached.p50_ms:.1f}",
                    cached.ceiling_ratio >= 0.5 and cached.p99_ms < 5 * cached.p50_ms,
                )
            )
        uncached = find(w.UNCACHED_PAGE, concurrency)
        if uncached and uncached.ceiling_ratio is not None:
            out.append(
                Target(
                    backend,
                    f"uncached first page (prepared) c{concurrency} >= 30% of ceiling",
                    f"{uncached.ceiling_ratio:.1%}",
                    uncached.ceiling_ratio >= 0.30,
                )
            )
    deep_page = find(w.DEEP_PAGE)
    if deep_page and deep_page.ceiling_ratio is not None:
        out.append(
            Target(
                backend,
                "cursor page (not prepared, uncached) >= 10% of ceiling",
                f"{deep_page.ceiling_ratio:.1%}",
                deep_page.ceiling_ratio >= 0.10,
            )
        )
    counts = find(w.COUNTS)
    if counts and counts.ceiling_ratio is not None:
        out.append(
            Target(
                backend,
                "counts of 50 entities >= 25% of ceiling",
                f"{counts.ceiling_ratio:.1%}",
                counts.ceiling_ratio >= 0.25,
            )
        )
    searches = [
        run
        for run in mine
        if run.workload_id.startswith("search_") and run.workload_id != w.SEARCH_PATHOLOGICAL.id
    ]
    pathological = find(w.SEARCH_PATHOLOGICAL)
    for run in [*searches, *([pathological] if pathological else [])]:
        out.append(
            Target(
                backend,
                f"{run.workload.removeprefix('7 ')} p99 <= 200 ms",
                f"p99 {run.p99_ms:.1f} ms",
                run.p99_ms <= 200,
            )
        )
    small, deep = find(w.first_page(SCALE_SIZES[0])), find(w.DEEP_PAGE)
    large = find(w.first_page(SCALE_SIZES[-1]))
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
    writes = find(w.WRITES)
    if writes:
        goal, shape = (1500, "PostgreSQL, 2 API workers") if backend == "postgres" else (1000, "embedded")
        ratio = f", {writes.ceiling_ratio:.0%} of the write ceiling" if writes.ceiling_ratio else ""
        out.append(
            Target(
                backend,
                f"creates >= {goal:,}/s at c16 ({shape}), >= 50% of the write ceiling",
                f"{writes.requests_per_second:,.0f}/s{ratio}",
                writes.requests_per_second >= goal and (writes.ceiling_ratio or 0) >= 0.5,
            )
        )
    lag = extra.get("lag")
    if lag:
        bound = 100 if backend == "postgres" else 250
        out.append(
            Target(
                backend,
                f"projection lag p99 <= {bound} ms (mixed run)",
                f"p50 {lag['p50_ms']} ms, p99 {lag['p99_ms']} ms, max {lag['max_ms']} ms",
                lag["p99_ms"] <= bound and not lag["not_projected"],
            )
        )
    mixed = find(w.MIXED, 64)
    if mixed:
        failures = len(extra.get("lag_api", {}).get("failures", []))
        out.append(
            Target(
                backend,
                "mixed 95/5 at c64: zero errors and timeouts",
                f"{mixed.errors} errors, {failures} reads not answered in time",
                mixed.errors == 0 and failures == 0,
            )
        )
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


def webhook_targets(backend: str, result: dict[str, Any]) -> list[Target]:
    """Issue 11's webhook target (benchmarks/webhook_delivery.py)."""
    return [
        Target(
            backend,
            "webhooks under faults: 0 lost, 0 out of order per thread, duplicates only after a timeout, "
            "each event within the retry schedule",
            f"{result['lost']} lost, {result['out_of_order_per_thread']} out of order, "
            f"{result['duplicates']} duplicates ({result['duplicates_after_a_timeout']} after a timeout), "
            f"slowest {result['slowest_event_span_s']} s of {result['retry_schedule_bound_s']} s, "
            f"{result['deliveries_per_s']}/s",
            result["lost"] == 0
            and result["out_of_order_per_thread"] == 0
            and result["duplicates"] == result["duplicates_after_a_timeout"]
            and result["slowest_event_span_s"] <= result["retry_schedule_bound_s"],
        )
    ]


def targets_table(goals: list[Target], title: str = "Targets") -> Table:
    """Each target, what was measured, and whether it was met."""
    summary = Table(title=title)
    for column in ("backend", "target", "measured", "result"):
        summary.add_column(column)
    for goal in goals:
        summary.add_row(
            goal.backend, goal.name, goal.measured, "[green]met[/]" if goal.met else "[red]missed[/]"
        )
    return summary


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
    console.print(targets_table(goals))
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
