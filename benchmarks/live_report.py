"""The live fan-out's table and the live-updates issue's targets (benchmarks/live_fanout.py)."""

from __future__ import annotations

from typing import Any

from rich.table import Table

from benchmarks.config import console
from benchmarks.report import Target, targets_table

P99_MS = 250.0
BYTES_PER_SUBSCRIBER = 20 * 1024
PAGE_RATIO = 0.90


def _per_subscriber(result: dict[str, Any]) -> list[int]:
    return [x for x in result["bytes_per_idle_subscriber"] if x is not None]


def live_targets(backend: str, results: dict[str, dict[str, Any]]) -> list[Target]:
    result = results[backend]
    ceiling = results.get("ceiling")
    lag = result["latency"]
    beside = f" (ceiling {ceiling['latency']['p99_ms']} ms)" if ceiling else ""
    memory = _per_subscriber(result)
    memory_beside = f" (ceiling {_per_subscriber(ceiling)[0]:,} B)" if ceiling else ""
    page_beside = f" (ceiling {ceiling['page_ratio']:.1%})" if ceiling else ""
    n = f"{result['subscribers']:,}"
    return [
        Target(
            backend,
            f"live: {n} subscribers, creates at {result['rate_per_s']}/s: p99 response → every "
            f"subscriber of the thread <= {P99_MS:.0f} ms, none missing",
            f"p99 {lag['p99_ms']} ms, p50 {lag['p50_ms']} ms, {lag['missing']} missing{beside}",
            lag["p99_ms"] <= P99_MS and lag["missing"] == 0,
        ),
        Target(
            backend,
            "live: memory per idle subscriber <= 20 KB (RSS with - without, per process)",
            ", ".join(f"{x:,} B" for x in memory) + memory_beside,
            bool(memory) and all(x <= BYTES_PER_SUBSCRIBER for x in memory),
        ),
        Target(
            backend,
            f"live: cached page with {n} subscribers connected within 10% of without",
            f"{result['page_rps_with_subscribers']:,} vs {result['page_rps_alone']:,} req/s "
            f"({result['page_ratio']:.1%}){page_beside}",
            result["page_ratio"] >= PAGE_RATIO,
        ),
    ]


def live_table(results: dict[str, dict[str, Any]]) -> Table:
    table = Table(title="Live fan-out: SSE subscribers held by one client process")
    columns = (
        "run",
        "subscribers",
        "connect s",
        "streams/process",
        "B/idle subscriber",
        "page req/s alone",
        "with subscribers",
        "ratio",
        "creates",
        "p50 ms",
        "p99 ms",
        "max ms",
        "missing",
    )
    for column in columns:
        table.add_column(column, justify="left" if column == "run" else "right")
    for name, r in results.items():
        lag = r["latency"]
        table.add_row(
            name,
            f"{r['subscribers']:,}",
            str(r["connect_seconds"]),
            " / ".join(str(x) for x in r["streams_per_process"]),
            " / ".join(f"{x:,}" for x in _per_subscriber(r)),
            f"{r['page_rps_alone']:,}",
            f"{r['page_rps_with_subscribers']:,}",
            f"{r['page_ratio']:.1%}",
            f"{lag['creates']:,}",
            str(lag["p50_ms"]),
            str(lag["p99_ms"]),
            str(lag["max_ms"]),
            str(lag["missing"]),
        )
    return table


def live_report(results: dict[str, dict[str, Any]], goals: list[Target]) -> None:
    console.print(live_table(results))
    console.print(targets_table(goals, "Live targets"))
