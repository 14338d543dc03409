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
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from types import TracebackType
from typing import Any, Self

import click
import sqlalchemy as sa
from rich.progress import Progress

from threadline.adapters.rendering.content_html import ContentHtmlRenderer
from threadline.adapters.sql.comment_store import comment_row
from threadline.adapters.sql.comment_view_writer import SqlCommentViewWriter
from threadline.adapters.sql.event_log import LOG_LOCK_KEY, event_rows, stored_event
from threadline.adapters.sql.schema import comments, events
from threadline.adapters.sql.search_index import SearchRow
from threadline.application.command_runner import CommandContext, CommandPolicy, CommandRunner, utc_now
from threadline.application.commands.create_comment import create_comment
from threadline.application.ports import (
    CommentStore,
    CommentViewWriter,
    EventAppender,
    JsonObject,
    PendingEvent,
    ProjectionStatus,
    ProjectionTransaction,
    StoredEvent,
    ViewState,
)
from threadline.application.projection.projector import ProjectionSignal, Projector
from threadline.bootstrap import Threadline
from threadline.cli.seeding import seed_tenant, seed_users, text_pool, thread_commands
from threadline.domain.comment import Comment
from threadline.domain.events import EventMetadata

DEFAULT_CHUNK = 20_000


class BulkSeedError(click.ClickException):
    pass


def _only_creates(what: str) -> BulkSeedError:
    return BulkSeedError(f"the bulk seeder only creates comments; {what} is not supported")


# --- the write side in memory ------------------------------------------------------------------


class MemoryComments(CommentStore):
    """The write model of the chunk being built; parents are always in the same chunk."""

    def __init__(self) -> None:
        self.rows: dict[tuple[str, str], Comment] = {}

    async def get(self, tenant_id: str, comment_id: str, *, for_update: bool = False) -> Comment | None:
        return self.rows.get((tenant_id, comment_id))

    async def add(self, comment: Comment) -> bool:
        key = (comment.tenant_id, comment.id)
        if key in self.rows:
            return False
        self.rows[key] = comment
        return True

    async def save(self, comment: Comment, expected_version: int) -> None:
        raise _only_creates("changing a comment")

    async def set_like(
        self, tenant_id: str, comment_id: str, user_id: str, liked: bool, at: str
    ) -> int | None:
        raise _only_creates("liking")

    async def purge(self, tenant_id: str, comment_id: str) -> None:
        raise _only_creates("purging")


class MemoryLog(EventAppender):
    """Numbers events from the log head, as the database would, and keeps their rows."""

    def __init__(self, head: int) -> None:
        self.position = head
        self.rows: list[dict[str, Any]] = []
        self.stored: list[StoredEvent] = []

    async def append(self, tenant_id: str, pending: Sequence[PendingEvent], metadata: EventMetadata) -> int:
        for row in event_rows(tenant_id, pending, metadata, utc_now()):
            self.position += 1
            self.rows.append({"position": self.position, **row})
            self.stored.append(stored_event(self.position, row))
        return self.position

    async def head(self) -> int:
        return self.position

    async def redact_comment(self, tenant_id: str, comment_id: str) -> None:
        raise _only_creates("redacting")


class MemoryUnitOfWork:
    def __init__(self, comments: MemoryComments, events: MemoryLog) -> None:
        self.comments: CommentStore = comments
        self.events: EventAppender = events

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        return None

    async def commit(self) -> None:
        return None


class QuietBus:
    """Nobody listens while seeding: the projection is done in memory right after."""

    async def publish(self, position: int) -> None:
        return None

    async def wait(self, timeout: float) -> None:
        return None


# --- the read side in memory -------------------------------------------------------------------


@dataclass
class MemoryViews:
    """The rows ``SqlCommentViewWriter`` would write for a chunk of creates."""

    rows: dict[tuple[str, str], JsonObject] = field(default_factory=dict)
    stats: dict[tuple[str, str, str], list[int]] = field(default_factory=dict)
    search: list[SearchRow] = field(default_factory=list)

    async def get(self, tenant_id: str, comment_id: str) -> ViewState | None:
        row = self.rows.get((tenant_id, comment_id))
        if row is None:
            return None
        return ViewState(
            tenant_id=str(row["tenant_id"]),
            id=str(row["id"]),
            entity_type=str(row["entity_type"]),
            entity_id=str(row["entity_id"]),
            parent_id=row["parent_id"] if isinstance(row["parent_id"], str) else None,
            status=str(row["status"]),
            visible=bool(row["visible"]),
            reply_count=int(row["reply_count"]),  # type: ignore[call-overload]
            content=row["content"] if isinstance(row["content"], str) else None,
            content_format=str(row["content_format"]),
        )

    async def insert(self, row: JsonObject) -> None:
        self.rows[(str(row["tenant_id"]), str(row["id"]))] = dict(row)

    async def update(self, tenant_id: str, comment_id: str, values: JsonObject) -> None:
        self.rows[(tenant_id, comment_id)].update(values)

    async def delete(self, tenant_id: str, comment_id: str) -> None:
        raise _only_creates("deleting")

    async def add_reply_count(self, tenant_id: str, comment_id: str, delta: int) -> None:
        row = self.rows.get((tenant_id, comment_id))
        if row is None:
            raise BulkSeedError(f"parent {comment_id} is not in the chunk being seeded")
        row["reply_count"] = int(row["reply_count"]) + delta  # type: ignore[call-overload]

    async def add_like_count(self, tenant_id: str, comment_id: str, delta: int) -> None:
        raise _only_creates("liking")

    async def add_like(self, tenant_id: str, comment_id: str, user_id: str) -> bool:
        raise _only_creates("liking")

    async def remove_like(self, tenant_id: str, comment_id: str, user_id: str) -> bool:
        raise _only_creates("unliking")

    async def purge_likes(self, tenant_id: str, comment_id: str) -> None:
        raise _only_creates("purging likes")

    async def add_edit(self, row: JsonObject) -> None:
        raise _only_creates("editing")

    async def purge_edits(self, tenant_id: str, comment_id: str) -> None:
        raise _only_creates("purging edits")

    async def adjust_stats(
        self, tenant_id: str, entity_type: str, entity_id: str, comments: int, roots: int
    ) -> None:
        counts = self.stats.setdefault((tenant_id, entity_type, entity_id), [0, 0])
        counts[0] += comments
        counts[1] += roots

    async def index_for_search(
        self, tenant_id: str, comment_id: str, entity_type: str, entity_id: str, content: str
    ) -> None:
        self.search.append((tenant_id, comment_id, entity_type, entity_id, content))

    async def remove_from_search(self, tenant_id: str, comment_id: str) -> None:
        raise _only_creates("un-indexing")

    async def counted_views(self, tenant_id: str, comment_id: str) -> int:
        return 0  # views are counted per comment id, and these ids are new


class MemoryProjection:
    """Projector ports (event reader, projection store and transaction) over the chunk's events
    and the in-memory read model."""

    def __init__(self, log: MemoryLog, position: int, views: MemoryViews) -> None:
        self.log = log
        self.position = position
        self.views: CommentViewWriter = views

    # EventReader
    async def read_after(self, position: int, limit: int) -> list[StoredEvent]:
        stored = self.log.stored
        start = position - stored[0].position + 1 if stored else 0
        return stored[max(start, 0) : max(start, 0) + limit]

    async def last_position(self) -> int:
        return self.log.position

    async def audit(
        self,
        tenant_id: str,
        *,
        after_position: int,
        limit: int,
        comment_id: str | None,
        actor_id: str | None,
        event_type: str | None,
    ) -> list[StoredEvent]:
        raise NotImplementedError

    # ProjectionStore
    def transaction(self) -> AbstractAsyncContextManager[ProjectionTransaction]:
        return self._transaction()

    @asynccontextmanager
    async def _transaction(self) -> AsyncIterator[ProjectionTransaction]:
        yield self

    async def checkpoint(self, name: str) -> int:
        return self.position

    async def set_checkpoint(self, name: str, position: int) -> None:
        self.position = position

    async def commit(self) -> None:
        return None

    async def record_failure(self, name: str, position: int, error: str) -> None:
        raise BulkSeedError(f"projecting event {position} failed: {error}")

    async def status(self, name: str) -> ProjectionStatus:
        raise NotImplementedError

    async def reset(self, name: str) -> None:
        raise NotImplementedError

    async def add_views(self, counts: dict[tuple[str, str], int]) -> None:
        raise NotImplementedError


class MemoizedRenderer:
    """The real renderer; with a pool of seed texts (``--texts``) each is rendered once."""

    def __init__(self) -> None:
        self._render = lru_cache(maxsize=65_536)(ContentHtmlRenderer().render)

    def render(self, content: str, content_format: str) -> str:
        return self._render(content, content_format)


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
