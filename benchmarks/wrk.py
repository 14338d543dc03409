"""wrk runs: a warm-up, then the measured run, parsed from the Lua scripts' BENCH_JSON line."""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass, field
from typing import Any

from benchmarks.config import (
    DATA,
    LUA,
    WARMUP,
    WRK_THREADS,
    console,
)
from benchmarks.workloads import Workload


@dataclass
class Run:
    backend: str
    workload: str  # the label, as the report and RESULTS.md show it
    workload_id: str  # what targets look runs up by
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
    workload: Workload,
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
        workload=workload.label,
        workload_id=workload.id,
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
        f"  {backend:8s} {workload.label:34s} c{concurrency:<3d} {run.requests_per_second:9,.0f} req/s"
        f"  p50 {run.p50_ms:7.2f} ms  p99 {run.p99_ms:7.2f} ms  [{style}]errors {run.errors}[/]"
    )
    return run


def lines_file(name: str, lines: list[str]) -> str:
    path = DATA / name
    path.write_text("\n".join(lines) + "\n")
    return str(path)
