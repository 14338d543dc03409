"""Creates per second on PostgreSQL through the command runner (no HTTP), 1 and 16 writers.

Shows the cost of serializing log appends (the advisory lock taken inside the event insert).
Needs PostgreSQL at THREADLINE_BENCH_POSTGRES (default postgresql://postgres@127.0.0.1:5432/postgres);
creates and drops its own databases.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
import uuid
from pathlib import Path

import asyncpg

from threadline.application.command_runner import CommandContext
from threadline.application.commands.create_comment import create_comment
from threadline.bootstrap import build
from threadline.domain.commands import CreateComment
from threadline.domain.identity import Actor, Role
from threadline.settings import Settings

ADMIN = os.environ.get("THREADLINE_BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")
RESULTS = Path(__file__).parent / "results"


async def admin(sql: str) -> None:
    connection = await asyncpg.connect(ADMIN)
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


async def measure(writers: int, per_writer: int) -> float:
    suffix = uuid.uuid4().hex[:8]
    names = [f"threadline_bench_{suffix}_w", f"threadline_bench_{suffix}_r"]
    for name in names:
        await admin(f'CREATE DATABASE "{name}"')
    base = ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://", 1)
    container = build(
        Settings(
            database_url=f"{base}/{names[0]}",
            read_database_url=f"{base}/{names[1]}",
            run_projector=False,
            database_pool_size=writers + 2,
        )
    )
    try:
        await container.migrate()
        tenant = await container.tenants.create("bench")

        async def writer(index: int) -> None:
            actor = Actor(tenant.id, f"user-{index}", "User", None, Role.USER)
            for i in range(per_writer):
                command = CreateComment(str(uuid.uuid4()), "post", f"p{i % 50}", f"comment {index}-{i}")
                await container.runner.run(create_comment, command, CommandContext(actor))

        started = time.perf_counter()
        await asyncio.gather(*(writer(i) for i in range(writers)))
        return writers * per_writer / (time.perf_counter() - started)
    finally:
        await container.stop()
        for name in names:
            await admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> None:
    results = {
        "creates_per_second_1_writer": asyncio.run(measure(1, 500)),
        "creates_per_second_16_writers": asyncio.run(measure(16, 150)),
    }
    for name, value in results.items():
        print(f"  {name:36s} {value:10,.0f}")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "writes_postgres.json").write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
