"""Bulk seeding for the load benchmark: millions of comments in minutes, made by the real path.

The command path stores a few hundred creates per second and the projector applies a few
hundred events per second, too slow for a benchmark table of a million comments. The bulk
seeder runs the *same* code and only batches the storage, a chunk of whole threads at a time:

1. every create goes through the real ``CommandRunner`` and ``create_comment`` handler, all of
   the chunk's commands in one write transaction (``ChunkUnitOfWork``: the SQL stores answer
   lookups, new rows are inserted together), and the chunk's events go to the log in one
   ``append_batch`` (the log lock, positions in order, aggregate versions unique);
2. the real ``Projector`` then reads those events back from the log and applies them
   (``comment_views``) in one read-model transaction with the checkpoint, writing rows in bulk
   (``BatchedProjectionStore``).

So the stores end exactly as if every comment had been created through the API and projected,
and a projections rebuild reaches the same read model (tests/benchmarks/test_bulk_seed.py shows
it on SQLite and PostgreSQL). It only creates comments, and starts from a projection that has
caught up with the log.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any

import click
from rich.progress import Progress

from benchmarks.seeding.batched_views import BatchedProjectionStore, MemoizedRenderer
from benchmarks.seeding.write_chunk import ChunkUnitOfWork
from threadline.adapters.bus.in_process import InProcessBus
from threadline.application.command_runner import CommandContext, CommandPolicy, CommandRunner
from threadline.application.commands.create_comment import create_comment
from threadline.application.projection.projector import ProjectionSignal, Projector
from threadline.bootstrap import Threadline
from threadline.cli.seeding import seed_tenant, seed_users, text_pool, thread_commands

DEFAULT_CHUNK = 20_000
Commands = Iterator[tuple[CommandContext, Any]]


class BulkSeedError(click.ClickException):
    pass


async def store_chunk(
    container: Threadline, tenant_id: str, commands: list[tuple[CommandContext, Any]], policy: CommandPolicy
) -> int:
    """Run the chunk's creates in one write transaction and commit it; how many were created."""
    async with container.write_db.writer.connect() as connection:  # SQLite: BEGIN IMMEDIATE
        async with connection.begin():
            chunk = ChunkUnitOfWork(connection)
            await chunk.expect(tenant_id, [command.comment_id for _, command in commands])
            # Nobody hears of the chunk before it commits: the runner announces to a bus of its own.
            runner = CommandRunner(uow_factory=lambda: chunk, bus=InProcessBus(), policy=policy, retries=1)
            for context, command in commands:
                await runner.run(create_comment, command, context)
            await chunk.store()
        return chunk.created


async def project_chunk(
    container: Threadline, projector: Projector, store: BatchedProjectionStore, tenant_id: str, ids: list[str]
) -> int:
    """The real projector over the real log and checkpoint; every row written in bulk."""
    await store.expect(tenant_id, ids)
    head = await container.events.last_position()
    applied = await projector.catch_up()
    position = await container.reader.projection_position(projector.name)
    if position < head:
        raise BulkSeedError(f"projected up to {position}, the log is at {head}")
    return applied


def bulk_projector(container: Threadline, batch_size: int) -> tuple[BatchedProjectionStore, Projector]:
    """The container's projection (same name, checkpoint and page preparer) writing in bulk."""
    store = BatchedProjectionStore(container.projection_store, container.read_db.reader)
    projector = Projector(
        reader=container.events,
        store=store,
        renderer=MemoizedRenderer(),
        cache=None,  # nothing is served from these threads while they are seeded
        signal=ProjectionSignal(),
        batch_size=max(batch_size, 1),
        name=container.projector.name,
        preparer=container.projector.preparer,
    )
    return store, projector


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
    head = await container.events.last_position()
    position = await container.reader.projection_position(name)
    if position != head:
        raise BulkSeedError(
            f"the projection is at {position} of {head}: run `threadline projector` (or a rebuild) first"
        )
    rng = random.Random(rng_seed)
    users = seed_users(tenant.id)
    texts = text_pool(rng, distinct_texts)
    policy = CommandPolicy(max_reply_depth=container.settings.max_reply_depth)
    threads_per_chunk = max(1, chunk_size // max(per_entity, 1))
    store, projector = bulk_projector(container, threads_per_chunk * per_entity)
    with Progress() as progress:
        bar = progress.add_task("bulk seeding comments", total=entities * per_entity)
        for first in range(0, entities, threads_per_chunk):

            def commands(first: int = first) -> Commands:
                for e in range(first, min(first + threads_per_chunk, entities)):
                    entity_id = f"{prefix or entity_type}-{e}"
                    for actor, command in thread_commands(
                        rng, users, entity_type, entity_id, per_entity, reply_ratio, texts
                    ):
                        yield CommandContext(actor), command

            chunk = list(commands())
            created = await store_chunk(container, tenant.id, chunk, policy)
            await project_chunk(container, projector, store, tenant.id, [c.comment_id for _, c in chunk])
            progress.advance(bar, created)
    head = await container.events.last_position()
    click.echo(
        f"bulk-seeded {entities} entities of type {entity_type!r} with {per_entity} comments each"
        f" (log and projection at {head})"
    )
