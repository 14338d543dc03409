"""`make bench-inprocess`: in-process timings of the hot paths on the embedded default.

This measures the application layer without HTTP (the full load-generator suite with a bare
ASGI ceiling belongs to the performance issue): creates per second through the command runner,
and thread pages per second with the page cache warm and with it off, for a 1,000-comment thread.
Results print as a table and go to benchmarks/results/inprocess.json.
"""

from __future__ import annotations

import asyncio
import json
import platform
import random
import tempfile
import time
import uuid
from pathlib import Path

from threadline.application.command_runner import CommandContext
from threadline.application.commands.create_comment import create_comment
from threadline.application.queries.thread_page import Sort, ThreadPageQuery, cached_thread_page
from threadline.bootstrap import build
from threadline.domain.commands import ContentFormat, CreateComment
from threadline.domain.identity import Actor, Role
from threadline.settings import Settings

RESULTS = Path(__file__).parent / "results"


async def measure(path: Path) -> dict[str, float]:
    container = build(Settings(database_url=f"sqlite+aiosqlite:///{path}", run_projector=False))
    await container.migrate()
    tenant = await container.tenants.create("bench")
    rng = random.Random(7)
    actors = [Actor(tenant.id, f"user-{i}", f"User {i}", None, Role.USER) for i in range(20)]
    ids: list[tuple[str, int]] = []

    started = time.perf_counter()
    for i in range(1000):
        parent = rng.choice(ids) if ids and rng.random() < 0.6 else None
        if parent is not None and parent[1] >= 3:
            parent = None
        comment_id = str(uuid.uuid4())
        command = CreateComment(
            comment_id,
            "post",
            "big-thread",
            f"comment {i} with **markdown**",
            ContentFormat.MARKDOWN,
            parent[0] if parent else None,
        )
        await container.runner.run(create_comment, command, CommandContext(rng.choice(actors)))
        ids.append((comment_id, parent[1] + 1 if parent else 0))
    creates_per_second = 1000 / (time.perf_counter() - started)

    started = time.perf_counter()
    await container.projector.catch_up()
    projected_per_second = 1000 / (time.perf_counter() - started)

    query = ThreadPageQuery(tenant.id, "post", "big-thread", None, 0, Sort.NEWEST, 20, 1, None, 3, 5)
    results = {"creates_per_second": creates_per_second, "events_projected_per_second": projected_per_second}
    for label, cache in (("cached_page_per_second", container.cache), ("uncached_page_per_second", None)):
        rounds = 5000 if cache else 300
        await cached_thread_page(query, container.reader, cache, 60)
        started = time.perf_counter()
        for _ in range(rounds):
            await cached_thread_page(query, container.reader, cache, 60)
        results[label] = rounds / (time.perf_counter() - started)
    await container.write_db.dispose()
    return results


def main() -> None:
    with tempfile.TemporaryDirectory() as directory:
        results = asyncio.run(measure(Path(directory) / "bench.db"))
    machine = f"{platform.machine()}, {platform.python_implementation()} {platform.python_version()}"
    print(f"Threadline in-process benchmark ({machine})")
    for name, value in results.items():
        print(f"  {name:32s} {value:12,.0f}")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "inprocess.json").write_text(json.dumps({"machine": machine, **results}, indent=2) + "\n")


if __name__ == "__main__":
    main()
