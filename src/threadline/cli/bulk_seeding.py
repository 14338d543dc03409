"""``threadline seed --bulk``: millions of comments in minutes, exactly as the real path makes them.

The command path runs a few hundred creates per second and the projector a few hundred events
per second, too slow for a benchmark table of a million comments. The bulk seeder runs the *same*
code in memory and only batches the storage:

1. each create goes through the real ``CommandRunner`` and ``create_comment`` handler, over an
   in-memory unit of work whose event log numbers positions from the current head and builds its
   rows with ``event_rows`` (what ``SqlEventAppender`` inserts);
2. the real ``Projector`` with the real renderer then applies those events (``comment_views``)
   to an in-memory read model that records the rows ``SqlCommentViewWriter`` would write;
3. each chunk of whole threads is stored in two big transactions: write model and event log
   (holding the log lock, refusing if the log moved), then read model, search index, entity
   counts and the projector checkpoint, moved to the chunk's last event in the same transaction.

So the stores end exactly as if every comment had been created through the API and projected,
and a projections rebuild reaches the same read model (tests/cli/test_bulk_seed.py shows it on
SQLite and PostgreSQL). It only creates comments; writers and projectors must not run meanwhile.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import click
import sqlalchemy as sa
from rich.progress import Progress

from threadline.adapters.sql.comment_store import comment_row
from threadline.adapters.sql.comment_view_writer import SqlCommentViewWriter
from threadline.adapters.sql.event_log import LOG_LOCK_KEY
from threadline.adapters.sql.schema import comments, events
from threadline.application.command_runner import CommandContext, CommandPolicy, CommandRunner
from threadline.application.commands.create_comment import create_comment
from threadline.application.projection.projector import ProjectionSignal, Projector
from threadline.bootstrap import Threadline
from threadline.cli.seeding import seed_tenant, seed_users, text_pool, thread_commands
from threadline.cli.seeding_in_memory import (
    BulkSeedError,
    MemoizedRenderer,
    MemoryComments,
    MemoryLog,
    MemoryProjection,
    MemoryUnitOfWork,
    MemoryViews,
    QuietBus,
)
from threadline.domain.comment import Comment

DEFAULT_CHUNK = 20_000


# --- chunks --------------------------------------------------------------------------------------


@dataclass
class Chunk:
    comments: list[Comment]
    events: list[dict[str, Any]]
    views: MemoryViews
    first: int
    last: int


async def build_chunk(
    commands: Iterator[tuple[CommandContext, Any]],
    head: int,
    policy: CommandPolicy,
    renderer: MemoizedRenderer,
) -> Chunk:
    store, log = MemoryComments(), MemoryLog(head)
    runner = CommandRunner(
        uow_factory=lambda: MemoryUnitOfWork(store, log), bus=QuietBus(), policy=policy, retries=1
    )
    for context, command in commands:
        await runner.run(create_comment, command, context)
    views = MemoryViews()
    projection = MemoryProjection(log, head, views)
    projector = Projector(
        reader=projection,
        store=projection,
        renderer=renderer,
        cache=None,
        signal=ProjectionSignal(),
        batch_size=max(len(log.stored), 1),
    )
    await projector.catch_up()
    if projection.position != log.position:
        raise BulkSeedError(f"projected up to {projection.position}, the chunk ends at {log.position}")
    return Chunk(list(store.rows.values()), log.rows, views, head + 1, log.position)


async def log_head(container: Threadline) -> int:
    return await container.events.last_position()


async def store_chunk(container: Threadline, chunk: Chunk, projection_name: str) -> None:
    """Write model and log in one transaction, then the read model with its checkpoint in another."""
    async with container.write_db.writer.begin() as connection:  # SQLite: BEGIN IMMEDIATE
        if connection.dialect.name == "postgresql":
            await connection.execute(sa.text(f"SELECT pg_advisory_xact_lock({LOG_LOCK_KEY})"))
        head = (await connection.execute(sa.select(sa.func.max(events.c.position)))).scalar() or 0
        if head != chunk.first - 1:
            raise BulkSeedError(f"the event log moved to {head} while seeding: stop every writer and retry")
        await connection.execute(comments.insert(), [comment_row(c) for c in chunk.comments])
        await connection.execute(events.insert(), chunk.events)
        if connection.dialect.name == "postgresql":
            await connection.execute(
                sa.text("SELECT setval(pg_get_serial_sequence('events', 'position'), :head)"),
                {"head": chunk.last},
            )
    async with container.projection_store.transaction() as tx:
        checkpoint = await tx.checkpoint(projection_name)
        if checkpoint != chunk.first - 1:
            raise BulkSeedError(
                f"the projection is at {checkpoint}, not {chunk.first - 1}: stop every projector and retry"
            )
        views = tx.views
        assert isinstance(views, SqlCommentViewWriter)
        await views.insert_many(list(chunk.views.rows.values()))
        await views.index_many_for_search(chunk.views.search)
        for (tenant_id, entity_type, entity_id), (count, roots) in chunk.views.stats.items():
            await views.adjust_stats(tenant_id, entity_type, entity_id, count, roots)
        await tx.set_checkpoint(projection_name, chunk.last)
        await tx.commit()


async def bulk_seed_threads(
    container: Threadline,
    tenant_ref: str,
    entities: int,
    per_entity: int,
    entity_type: str,
    reply_ratio: float,
    prefix: str | None = None,
    chunk_size: int = DEFAULT_CHUNK,
    rng_seed: int = 42,
    distinct_texts: int = 0,
) -> None:
    """The same threads ``seed_threads`` makes (same generator), stored in big batches."""
    tenant = await seed_tenant(container, tenant_ref)
    name = container.projector.name
    head = await log_head(container)
    position = await container.reader.projection_position(name)
    if position != head:
        raise BulkSeedError(
            f"the projection is at {position} of {head}: run `threadline projector` (or a rebuild) first"
        )
    rng = random.Random(rng_seed)
    users = seed_users(tenant.id)
    texts = text_pool(rng, distinct_texts)
    policy = CommandPolicy(max_reply_depth=container.settings.max_reply_depth)
    renderer = MemoizedRenderer()
    threads_per_chunk = max(1, chunk_size // max(per_entity, 1))
    with Progress() as progress:
        bar = progress.add_task("bulk seeding comments", total=entities * per_entity)
        for first in range(0, entities, threads_per_chunk):

            def commands(first: int = first) -> Iterator[tuple[CommandContext, Any]]:
                for e in range(first, min(first + threads_per_chunk, entities)):
                    entity_id = f"{prefix or entity_type}-{e}"
                    for actor, command in thread_commands(
                        rng, users, entity_type, entity_id, per_entity, reply_ratio, texts
                    ):
                        yield CommandContext(actor), command

            chunk = await build_chunk(commands(), head, policy, renderer)
            await store_chunk(container, chunk, name)
            head = chunk.last
            progress.advance(bar, len(chunk.comments))
    click.echo(
        f"bulk-seeded {entities} entities of type {entity_type!r} with {per_entity} comments each"
        f" (log and projection at {head})"
    )
