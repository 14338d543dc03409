"""Driving Threadline through its command runner and reading back its tables, for integration tests."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from threadline.adapters.sql.comment_reader import SqlCommentReader
from threadline.adapters.sql.engine import Database, open_database
from threadline.adapters.sql.schema import PRESERVED_BY_REBUILD, read_metadata
from threadline.adapters.sql.unit_of_work import SqlUnitOfWork, SqlUnitOfWorkFactory
from threadline.application.command_runner import CommandContext, CommandOutcome, CommandRunner, Handler
from threadline.application.commands.create_comment import create_comment
from threadline.application.ports.query import PageKey, ThreadNode
from threadline.bootstrap import Threadline
from threadline.domain.commands import ContentFormat, CreateComment
from threadline.domain.identity import Actor


async def run(container: Threadline, actor: Actor, handler: Handler[Any], command: object) -> CommandOutcome:
    return await container.runner.run(handler, command, CommandContext(actor))


async def post(
    container: Threadline,
    actor: Actor,
    content: str = "hello",
    *,
    entity: tuple[str, str] = ("post", "p1"),
    parent_id: str | None = None,
    content_format: ContentFormat = ContentFormat.PLAIN,
) -> str:
    comment_id = str(uuid.uuid4())
    command = CreateComment(comment_id, entity[0], entity[1], content, content_format, parent_id)
    await run(container, actor, create_comment, command)
    return comment_id


# The checkpoint, and the live feed: what live streams were sent and when, which a rebuild starts
# empty (streams from before it reset) and two projectors record at different moments.
NOT_REPRODUCED = frozenset({"projection_checkpoints", "live_feed", "live_feed_horizon"})


async def read_model_snapshot(container: Threadline) -> dict[str, list[tuple[Any, ...]]]:
    """Every read-model row (and the search index), ordered, for equality checks."""
    snapshot: dict[str, list[tuple[Any, ...]]] = {}
    async with container.read_db.reader.connect() as connection:
        for table in read_metadata.sorted_tables:
            if table.name in NOT_REPRODUCED:
                continue
            rows = await connection.execute(sa.select(table).order_by(*table.primary_key.columns))
            snapshot[table.name] = [tuple(row) for row in rows.all()]
        # The search index is a dialect-specific table with the same columns on both.
        rows = await connection.execute(
            sa.text("SELECT tenant_id, comment_id, entity_type, entity_id, content FROM comment_search")
        )
        snapshot["comment_search"] = sorted(tuple(row) for row in rows.all())
    return snapshot


async def rebuild(container: Threadline, batch_size: int | None = None) -> int:
    """The operator's rebuild: into a shadow read model, then switched in."""
    if batch_size is not None:
        container.projector.batch_size = batch_size
    return (await container.rebuild_read_model()).applied


async def rewind_read_model(container: Threadline) -> None:
    """The read model emptied and its checkpoint back at 0 behind the service's back, as a backup
    restored from before its first event would leave it."""
    async with container.read_db.writer.begin() as connection:
        for table in reversed(read_metadata.sorted_tables):
            if table.name not in PRESERVED_BY_REBUILD:
                await connection.execute(table.delete())
        await connection.execute(sa.text("DELETE FROM comment_search"))
        await connection.execute(sa.text("DELETE FROM projection_checkpoints"))


async def scalar(container: Threadline, sql: str, **params: object) -> Any:
    async with container.write_db.reader.connect() as connection:
        return (await connection.execute(sa.text(sql), params)).scalar()


async def stored_text(container: Threadline) -> str:
    """Every row of every table in both databases (search index shadow tables included), as text."""
    chunks: list[str] = []
    databases = [container.write_db] + (
        [container.read_db] if container.read_db is not container.write_db else []
    )
    for database in databases:
        async with database.reader.connect() as connection:
            names = await connection.run_sync(lambda sync: sa.inspect(sync).get_table_names())
            for name in names:
                rows = await connection.execute(sa.text(f'SELECT * FROM "{name}"'))
                chunks.extend(repr(tuple(row)) for row in rows.all())
    return "\n".join(chunks)


async def table_text(container: Threadline, *tables: str) -> str:
    """Every row of these read-model tables, as text (for checks that ``stored_text`` covers them)."""
    async with container.read_db.reader.connect() as connection:
        rows = [
            row
            for name in tables
            for row in (await connection.execute(sa.text(f'SELECT * FROM "{name}"'))).all()
        ]
    return "\n".join(repr(tuple(row)) for row in rows)


PREPARED_TABLES = ("prepared_pages", "prepared_comments")


async def cached_text(container: Threadline) -> str:
    """Every page the cache holds for this container, in Redis or in memory."""
    if container.redis is None:
        pages = getattr(container.cache, "_pages", {})  # the in-memory cache of the embedded default
        return "\n".join([repr(value) for bucket in pages.values() for value in list(bucket.values())])
    values = []
    async for key in container.redis.scan_iter(match=f"{container.settings.redis_prefix}*"):
        if await container.redis.type(key) == b"string":
            values.append(repr(await container.redis.get(key)))
    return "\n".join(values)


@dataclass
class HeldWriter:
    """A command runner on a second connection pool whose commits wait at the door: ``in_commit``
    is set once a command has appended and reached its commit, which waits for ``release``. The
    held-transaction tests of the log's ordering (EVENT-LOG-NOTES §1) play writer A with it."""

    runner: CommandRunner
    database: Database
    in_commit: asyncio.Event
    release: asyncio.Event


def held_writer(container: Threadline) -> HeldWriter:
    database = open_database(container.settings.database_url)
    in_commit, release = asyncio.Event(), asyncio.Event()

    class HeldUnitOfWork(SqlUnitOfWork):
        async def commit(self) -> None:
            in_commit.set()
            await release.wait()
            await super().commit()

    class HeldFactory(SqlUnitOfWorkFactory):
        def __call__(self) -> SqlUnitOfWork:
            return HeldUnitOfWork(database.writer)

    runner = CommandRunner(HeldFactory(database.writer), container.bus, container.runner.policy)
    return HeldWriter(runner, database, in_commit, release)


class CountingReader(SqlCommentReader):
    """Counts how often a thread page is really built from the database."""

    builds = 0

    async def page(
        self,
        tenant_id: str,
        entity_type: str,
        entity_id: str,
        parent_id: str | None,
        sort: str,
        after: PageKey | None,
        offset: int,
        limit: int,
    ) -> list[ThreadNode]:
        CountingReader.builds += 1
        await asyncio.sleep(0.05)  # a slow page, so the readers really do pile up
        return await super().page(tenant_id, entity_type, entity_id, parent_id, sort, after, offset, limit)
