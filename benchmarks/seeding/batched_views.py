"""The real projector over the real log and checkpoint, writing the read model in bulk.

``BatchedProjectionStore`` is the SQL projection store with one change: inside each projector
transaction, the comment read model is written behind (``BatchedViews``). A new comment's row,
its parent's reply count, the entity counts and the search rows are gathered and written as a
few executemany statements just before the transaction commits, in the same transaction as the
checkpoint (EVENT-LOG-NOTES §3). Any other change first writes out what was gathered and then
goes to the SQL writer as it is, so the order of changes is kept whatever the events are.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from functools import lru_cache

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from benchmarks.seeding.write_chunk import LOOKUP_PAGE
from threadline.adapters.rendering.content_html import ContentHtmlRenderer
from threadline.adapters.sql.comment_view_writer import SqlCommentViewWriter
from threadline.adapters.sql.projection_store import SqlProjectionStore
from threadline.adapters.sql.schema import view_totals
from threadline.adapters.sql.search_index import SearchRow
from threadline.application.ports.cross_cutting import JsonObject
from threadline.application.ports.live import LiveFeedWriter
from threadline.application.ports.projection import (
    CommentViewWriter,
    ModerationViewWriter,
    PreparedPageWriter,
    ProjectionStatus,
    ProjectionTransaction,
    ViewState,
)
from threadline.application.ports.query import CommentReader


class BatchedViews:
    """``SqlCommentViewWriter`` with inserts, reply counts of new rows, entity counts and search
    rows gathered until ``flush``."""

    def __init__(self, stored: SqlCommentViewWriter, unviewed: set[tuple[str, str]]) -> None:
        self._stored = stored
        self._unviewed = unviewed
        self._rows: dict[tuple[str, str], JsonObject] = {}
        self._stats: dict[tuple[str, str, str], list[int]] = {}
        self._search: list[SearchRow] = []

    async def flush(self) -> None:
        await self._stored.insert_many(list(self._rows.values()))
        await self._stored.index_many_for_search(self._search)
        for (tenant_id, entity_type, entity_id), (count, roots) in self._stats.items():
            await self._stored.adjust_stats(tenant_id, entity_type, entity_id, count, roots)
        self._rows, self._stats, self._search = {}, {}, []

    async def _written(self) -> SqlCommentViewWriter:
        """The SQL writer, once everything gathered so far is written."""
        await self.flush()
        return self._stored

    async def get(self, tenant_id: str, comment_id: str) -> ViewState | None:
        row = self._rows.get((tenant_id, comment_id))
        if row is None:
            return await self._stored.get(tenant_id, comment_id)
        return ViewState(
            tenant_id=tenant_id,
            id=comment_id,
            entity_type=str(row["entity_type"]),
            entity_id=str(row["entity_id"]),
            parent_id=row["parent_id"] if isinstance(row["parent_id"], str) else None,
            status=str(row["status"]),
            visible=bool(row["visible"]),
            reply_count=int(str(row["reply_count"])),
            content=row["content"] if isinstance(row["content"], str) else None,
            content_format=str(row["content_format"]),
            owner_id=row["owner_id"] if isinstance(row["owner_id"], str) else None,
        )

    async def insert(self, row: JsonObject) -> None:
        self._rows[(str(row["tenant_id"]), str(row["id"]))] = dict(row)

    async def add_reply_count(self, tenant_id: str, comment_id: str, delta: int) -> None:
        row = self._rows.get((tenant_id, comment_id))
        if row is None:
            await (await self._written()).add_reply_count(tenant_id, comment_id, delta)
            return
        row["reply_count"] = int(str(row["reply_count"])) + delta

    async def adjust_stats(
        self, tenant_id: str, entity_type: str, entity_id: str, comments: int, roots: int
    ) -> None:
        counts = self._stats.setdefault((tenant_id, entity_type, entity_id), [0, 0])
        counts[0] += comments
        counts[1] += roots

    async def index_for_search(
        self, tenant_id: str, comment_id: str, entity_type: str, entity_id: str, content: str
    ) -> None:
        self._search.append((tenant_id, comment_id, entity_type, entity_id, content))

    async def counted_views(self, tenant_id: str, comment_id: str) -> int:
        if (tenant_id, comment_id) in self._unviewed:
            return 0
        return await self._stored.counted_views(tenant_id, comment_id)

    async def update(self, tenant_id: str, comment_id: str, values: JsonObject) -> None:
        await (await self._written()).update(tenant_id, comment_id, values)

    async def delete(self, tenant_id: str, comment_id: str) -> None:
        await (await self._written()).delete(tenant_id, comment_id)

    async def add_like_count(self, tenant_id: str, comment_id: str, delta: int) -> None:
        await (await self._written()).add_like_count(tenant_id, comment_id, delta)

    async def add_like(self, tenant_id: str, comment_id: str, user_id: str) -> bool:
        return await (await self._written()).add_like(tenant_id, comment_id, user_id)

    async def remove_like(self, tenant_id: str, comment_id: str, user_id: str) -> bool:
        return await (await self._written()).remove_like(tenant_id, comment_id, user_id)

    async def purge_likes(self, tenant_id: str, comment_id: str) -> None:
        await (await self._written()).purge_likes(tenant_id, comment_id)

    async def add_edit(self, row: JsonObject) -> None:
        await (await self._written()).add_edit(row)

    async def purge_edits(self, tenant_id: str, comment_id: str) -> None:
        await (await self._written()).purge_edits(tenant_id, comment_id)

    async def remove_from_search(self, tenant_id: str, comment_id: str) -> None:
        await (await self._written()).remove_from_search(tenant_id, comment_id)


class BatchedTransaction:
    """A SQL projection transaction whose comment read model is ``BatchedViews``."""

    def __init__(self, stored: ProjectionTransaction, unviewed: set[tuple[str, str]]) -> None:
        self._stored = stored
        assert isinstance(stored.views, SqlCommentViewWriter)
        self._views = BatchedViews(stored.views, unviewed)
        self.views: CommentViewWriter = self._views
        self.moderation: ModerationViewWriter = stored.moderation
        self.prepared: PreparedPageWriter = stored.prepared
        self.live: LiveFeedWriter = stored.live

    async def read_back(self) -> CommentReader:
        await self._views.flush()  # the pages are rendered from every row gathered so far
        return await self._stored.read_back()

    async def checkpoint(self, name: str) -> int:
        return await self._stored.checkpoint(name)

    async def set_checkpoint(self, name: str, position: int) -> None:
        await self._stored.set_checkpoint(name, position)

    async def commit(self) -> None:
        await self._views.flush()
        await self._stored.commit()


class BatchedProjectionStore:
    """Each new comment's row asks for its counted views (kept across rebuilds); ``expect``
    answers that for a whole chunk in a few queries instead of one per comment."""

    def __init__(self, stored: SqlProjectionStore, engine: AsyncEngine) -> None:
        self._stored = stored
        self._engine = engine
        self._unviewed: set[tuple[str, str]] = set()

    async def expect(self, tenant_id: str, comment_ids: Sequence[str]) -> None:
        """Note which of these comments have no counted views, so asking needs no query."""
        self._unviewed.clear()
        c = view_totals.c
        async with self._engine.connect() as connection:
            for start in range(0, len(comment_ids), LOOKUP_PAGE):
                page = comment_ids[start : start + LOOKUP_PAGE]
                query = sa.select(c.comment_id).where(c.tenant_id == tenant_id, c.comment_id.in_(page))
                viewed = set((await connection.execute(query)).scalars())
                self._unviewed.update(
                    (tenant_id, comment_id) for comment_id in page if comment_id not in viewed
                )

    def transaction(self) -> AbstractAsyncContextManager[ProjectionTransaction]:
        return self._transaction()

    @asynccontextmanager
    async def _transaction(self) -> AsyncIterator[ProjectionTransaction]:
        async with self._stored.transaction() as tx:
            yield BatchedTransaction(tx, self._unviewed)

    async def record_failure(self, name: str, position: int, error: str) -> None:
        await self._stored.record_failure(name, position, error)

    async def status(self, name: str) -> ProjectionStatus:
        return await self._stored.status(name)

    async def add_views(self, counts: dict[tuple[str, str], int]) -> None:
        await self._stored.add_views(counts)


class MemoizedRenderer:
    """The real renderer; with a pool of seed texts (``--texts``) each is rendered once."""

    def __init__(self) -> None:
        self._render = lru_cache(maxsize=65_536)(ContentHtmlRenderer().render)

    def render(self, content: str, content_format: str) -> str:
        return self._render(content, content_format)
