"""``python -m benchmarks.search_latency``: search latency over a seeded read model, per query shape.

Run it against a copy of the load suite's seed (THREADLINE_DATABASE_URL and, on PostgreSQL,
THREADLINE_READ_DATABASE_URL, as for ``threadline``), under ``flock /tmp/bench.lock``. The seed's
text is 22 common words each in about half of the comments, so the script first adds a few
comments with rare words through the command path and the projector (once; their ids are fixed).
Every shape is the search query the API runs (``search_comments`` over the SQL reader), timed
sequentially and with a few concurrent callers; it prints p50, p99 and max in milliseconds.
"""

from __future__ import annotations

import asyncio
import statistics
import time
import uuid
from typing import Any

import click

from benchmarks.config import TENANT
from threadline.application.command_runner import CommandContext
from threadline.application.commands.create_comment import create_comment
from threadline.application.queries.search_comments import search_comments
from threadline.bootstrap import Threadline, build
from threadline.cli.seeding import WORDS
from threadline.domain.commands import ContentFormat, CreateComment
from threadline.domain.errors import DomainError
from threadline.domain.identity import Actor, Role
from threadline.settings import Settings

# 12 of the seed's 22 common words (cli/seeding.py's WORDS), as many as a query may have
COMMON = " ".join(WORDS[:12])
SHAPES: list[tuple[str, str, dict[str, str]]] = [
    ("common word", "performance", {}),
    ("rare word", "zanzibar", {}),
    ("phrase", '"great point"', {}),
    ("two words", "design review", {}),
    ("one thread, common word", "performance", {"entity_type": "post", "entity_id": "mix-0"}),
    ("one thread, rare word", "zanzibar", {"entity_type": "post", "entity_id": "mix-0"}),
    ("100k thread, phrase", '"great point"', {"entity_type": "post", "entity_id": "scale100000-0"}),
    ("entity type, common word", "performance", {"entity_type": "post"}),
    ("pathological: repeated-word phrase", '"thanks thanks thanks thanks"', {}),
    ("pathological: 12 common words", COMMON, {}),
    ("pathological: 8 alternatives", " or ".join(COMMON.split()[:8]), {}),
    ("page 50 of a common word", "performance", {"page": "50"}),
]
RARE = 24  # comments with a rare word: 8 in thread mix-0, the rest spread over other threads


async def add_rare_comments(container: Threadline, tenant_id: str) -> None:
    actor = Actor(tenant_id, "user-1", "User 1", None, Role.USER)
    for n in range(RARE):
        entity = "mix-0" if n < 8 else f"mix-{n * 37}"
        comment_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"threadline-bench-rare-{n}"))
        command = CreateComment(
            comment_id, "post", entity, f"zanzibar sighting {n} great point", ContentFormat.PLAIN, None
        )
        await container.runner.run(create_comment, command, CommandContext(actor))
    await container.projector.catch_up()


async def one(container: Threadline, tenant_id: str, q: str, params: dict[str, str]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = await search_comments(
        tenant_id,
        q,
        entity_type=params.get("entity_type"),
        entity_id=params.get("entity_id"),
        page=int(params.get("page", "1")),
        limit=20,
        reader=container.reader,
    )
    return (time.perf_counter() - started) * 1000, result.meta


async def concurrently(
    container: Threadline, tenant_id: str, q: str, params: dict[str, str], runs: int, callers: int
) -> list[float]:
    async def caller() -> list[float]:
        return [(await one(container, tenant_id, q, params))[0] for _ in range(runs)]

    return [t for times in await asyncio.gather(*(caller() for _ in range(callers))) for t in times]


def summary(times: list[float]) -> str:
    ordered = sorted(times)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return f"p50 {statistics.median(ordered):7.1f}  p99 {p99:7.1f}  max {ordered[-1]:7.1f}"


@click.command()
@click.option("--runs", default=40, show_default=True, type=int, help="Sequential runs per shape.")
@click.option("--concurrency", default=4, show_default=True, type=int)
def main(runs: int, concurrency: int) -> None:
    async def work() -> None:
        container = build(Settings(redis_url=None, run_projector=False))
        await container.start(projector=False)
        try:
            tenant = await container.tenants.by_name(TENANT)
            assert tenant is not None, "seed the load suite's data first"
            await add_rare_comments(container, tenant.id)
            for label, q, params in SHAPES:
                try:
                    await one(container, tenant.id, q, params)  # warm
                except DomainError as error:
                    click.echo(f"{label:40} refused: {error.code}")
                    continue
                sequential = [(await one(container, tenant.id, q, params))[0] for _ in range(runs)]
                concurrent = await concurrently(container, tenant.id, q, params, runs // 2, concurrency)
                meta = (await one(container, tenant.id, q, params))[1]
                found = f"total {meta['total']}{'+' if meta.get('more_results') else ''}"
                timing = f"seq {summary(sequential)} | c{concurrency} {summary(concurrent)}"
                click.echo(f"{label:40} {found:12} {timing}")
        finally:
            await container.stop()

    asyncio.run(work())


if __name__ == "__main__":
    main()
