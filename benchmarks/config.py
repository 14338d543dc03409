"""The load suite's knobs (BENCH_* variables), paths and console, read once at import."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from rich.console import Console

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
# BENCH_ONLY=writes,mixed,counts: only these workloads (ids from workloads.py; "first_page" names
# every scale's first page). The read ceiling runs when a read workload does, the write ceiling
# with the writes; empty (the default) runs every one.
ONLY = frozenset(name.strip() for name in os.environ.get("BENCH_ONLY", "").split(",") if name.strip())
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
