"""What the load suite seeds (groups of threads, one per workload family) and how: the bulk
seeder as a subprocess per group. ``SEED_KEY`` names the cached seeds; bump ``SEED_VERSION``
when the seeding code changes what it writes."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass

from benchmarks.config import QUICK, ROOT, TENANT, THREADLINE, console


@dataclass(frozen=True)
class Group:
    """`python -m benchmarks.seeding --prefix PREFIX --entities N --comments M --reply-ratio R`."""

    prefix: str
    entities: int
    comments: int
    reply_ratio: float


SEED_VERSION = 3  # bump when the seeding code changes what it writes (3: prepared pages keyed by shape)
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


def seed_env(env: dict[str, str], after_group: Callable[[], None] = lambda: None) -> None:
    """Run `threadline migrate` and the bulk seeder (its progress bars) for every group, calling
    ``after_group`` after each (PostgreSQL: ANALYZE, so the next group's lookups are not planned
    from the statistics of a nearly empty table)."""
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
        after_group()
