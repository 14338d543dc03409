"""Read-model queries in SQL. Every page is an index range scan sized by the page, not the thread."""

from __future__ import annotations

import html
from collections.abc import Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any, TypeVar, cast

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from tenacity import retry, retry_if_exception, stop_after_attempt, wait_exponential

from threadline.adapters.sql.engine import is_transient
from threadline.adapters.sql.replicas import ReadRouter
from threadline.adapters.sql.schema import (
    comment_view,
    comment_view_edits,
    comment_view_likes,
    entity_stats,
    projection_checkpoints,
)
from threadline.adapters.sql.search_index import MARK_END, MARK_START, search_fts5, search_postgres
from threadline.application.client_comment import CLIENT_FIELDS
from threadline.application.ports.query import (
    CommentRow,
    EditRecord,
    PageKey,
    SearchHit,
    ThreadNode,
    ThreadSummary,
)
from threadline.domain.comment import UNPUBLISHED
from threadline.domain.search_query import SearchQuery, SearchWindow

_c = comment_view.c
# In ``CommentRow``'s field order, so a row is built from the result tuple by its constructor alone.
ROW_COLUMNS = [_c[name] for name in CLIENT_FIELDS] + [_c.created_seq, _c.owner_id]
_CHUNK = 200

_retrying = retry(
    retry=retry_if_exception(is_transient),
    stop=stop_after_attempt(3),
    wait=wait_exponential(multiplier=0.05, max=0.5),
    reraise=True,
)
_Read = TypeVar("_Read", bound=Callable[..., Awaitable[Any]])


def retry_lost_connection(read: _Read) -> _Read:
    """A read that lost its connection (a restarted server, a failover) is simply asked again;
    the method keeps its own signature (tenacity's wrapper type would hide it from subclasses)."""
    return cast(_Read, _retrying(read))


def _order(sort: str) -> list[sa.ColumnElement[Any]]:
    if sort == "oldest":
        return [_c.created_seq.asc()]
    if sort == "popular":
        return [_c.like_count.desc(), _c.created_seq.desc()]
    return [_c.created_seq.desc()]


def _after(sort: str, key: PageKey) -> sa.ColumnElement[bool]:
    if sort == "oldest":
        return _c.created_seq > key.created_seq
    if sort == "popular":
        return sa.tuple_(_c.like_count, _c.created_seq) < sa.tuple_(key.like_count, key.created_seq)
    return _c.created_seq < key.created_seq


class SqlCommentReader:
    def __init__(self, engine: AsyncEngine | ReadRouter, *, primary_only: bool = False) -> None:
        self._router = engine if isinstance(engine, ReadRouter) else ReadRouter(engine, [])
        self._primary_only = primary_only

    def _connect(self) -> AbstractAsyncContextManager[AsyncConnection]:
        return self._router.connect(primary=self._primary_only)

    def fresh(self) -> SqlCommentReader:
        """A reader of the primary read database only: for reads that must see a position."""
        return SqlCommentReader(self._router, primary_only=True)

    @retry_lost_connection
    async def by_id(self, tenant_id: str, comment_id: str) -> CommentRow | None:
        # Hidden rows are gone for everyone, except pending and rejected ones: their author and
        # moderators may read them, which the query side decides.
        shown = sa.or_(_c.visible == sa.true(), _c.status.in_(sorted(UNPUBLISHED)))
        query = sa.select(*ROW_COLUMNS).where(_c.tenant_id == tenant_id, _c.id == comment_id, shown)
        async with self._connect() as connection:
            row = (await connection.execute(query)).first()
        return CommentRow(*row) if row else None

    def _siblings(
        self, tenant_id: str, entity_type: str, entity_id: str, parent_id: str | None
    ) -> sa.Select[Any]:
        parent = _c.parent_key == (parent_id or "")
        return sa.select(*ROW_COLUMNS).where(
            _c.tenant_id == tenant_id,
            _c.entity_type == entity_type,
            _c.entity_id == entity_id,
            parent,
            _c.visible == sa.true(),
        )

    @retry_lost_connection
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
        base = self._siblings(tenant_id, entity_type, entity_id, parent_id)
        async with self._connect() as connection:
            if after is None and offset:
                query = base.order_by(_c.is_pinned.desc(), *_order(sort)).offset(offset).limit(limit)
                return [ThreadNode(*r, replies=[]) for r in (await connection.execute(query)).all()]
            # Pinned first: walk the pinned segment, then the rest, each one clean range scan.
            rows: list[ThreadNode] = []
            for pinned in (True, False):
                if after is not None and pinned and not after.is_pinned:
                    continue
                query = base.where(_c.is_pinned == (sa.true() if pinned else sa.false()))
                if after is not None and after.is_pinned == pinned:
                    query = query.where(_after(sort, after))
                query = query.order_by(*_order(sort)).limit(limit - len(rows))
                rows.extend(ThreadNode(*r, replies=[]) for r in (await connection.execute(query)).all())
                if len(rows) >= limit:
                    break
            return rows

    @retry_lost_connection
    async def children(
        self, tenant_id: str, entity_type: str, entity_id: str, parent_ids: Sequence[str], per_parent: int
    ) -> list[ThreadNode]:
        rows: list[ThreadNode] = []
        async with self._connect() as connection:
            for start in range(0, len(parent_ids), _CHUNK):
                # Replies are never pinned, so binding is_pinned lets the index give them in order.
                parts = [
                    self._siblings(tenant_id, entity_type, entity_id, parent_id)
                    .where(_c.is_pinned == sa.false())
                    .order_by(_c.created_seq.asc())
                    .limit(per_parent)
                    .subquery()
                    for parent_id in parent_ids[start : start + _CHUNK]
                ]
                union = (
                    sa.union_all(*(sa.select(part) for part in parts))
                    if len(parts) > 1
                    else sa.select(parts[0])
                )
                rows.extend(ThreadNode(*r, replies=[]) for r in (await connection.execute(union)).all())
        return rows

    @retry_lost_connection
    async def thread_summary(self, tenant_id: str, entity_type: str, entity_id: str) -> ThreadSummary:
        c = entity_stats.c
        query = sa.select(c.root_count, c.locked).where(
            c.tenant_id == tenant_id, c.entity_type == entity_type, c.entity_id == entity_id
        )
        async with self._connect() as connection:
            row = (await connection.execute(query)).first()
        return ThreadSummary(int(row.root_count), bool(row.locked)) if row else ThreadSummary(0, False)

    @retry_lost_connection
    async def counts(self, tenant_id: str, entity_type: str, entity_ids: Sequence[str]) -> dict[str, int]:
        c = entity_stats.c
        query = sa.select(c.entity_id, c.comment_count).where(
            c.tenant_id == tenant_id, c.entity_type == entity_type, c.entity_id.in_(list(entity_ids))
        )
        async with self._connect() as connection:
            found = {row.entity_id: int(row.comment_count) for row in (await connection.execute(query)).all()}
        return {entity_id: found.get(entity_id, 0) for entity_id in entity_ids}

    @retry_lost_connection
    async def liked_among(self, tenant_id: str, user_id: str, comment_ids: Sequence[str]) -> set[str]:
        if not comment_ids:
            return set()
        c = comment_view_likes.c
        query = sa.select(c.comment_id).where(
            c.tenant_id == tenant_id, c.user_id == user_id, c.comment_id.in_(list(comment_ids))
        )
        async with self._connect() as connection:
            return {row.comment_id for row in (await connection.execute(query)).all()}

    @retry_lost_connection
    async def edits(self, tenant_id: str, comment_id: str) -> list[EditRecord]:
        c = comment_view_edits.c
        query = (
            sa.select(c.previous_content, c.new_content, c.editor_id, c.edited_at)
            .where(c.tenant_id == tenant_id, c.comment_id == comment_id)
            .order_by(c.position)
        )
        async with self._connect() as connection:
            return [EditRecord(*row) for row in (await connection.execute(query)).all()]

    @retry_lost_connection
    async def search(
        self,
        tenant_id: str,
        query: SearchQuery,
        *,
        entity_type: str | None,
        entity_id: str | None,
        limit: int,
        offset: int,
    ) -> tuple[list[SearchHit], SearchWindow]:
        async with self._connect() as connection:
            search = search_fts5 if connection.dialect.name == "sqlite" else search_postgres
            hits, total = await search(
                connection,
                tenant_id,
                query,
                entity_type=entity_type,
                entity_id=entity_id,
                limit=limit,
                offset=offset,
            )
            if not hits:
                return [], total
            found = sa.select(*ROW_COLUMNS).where(
                _c.tenant_id == tenant_id, _c.id.in_([hit.comment_id for hit in hits])
            )
            rows = {row.id: row for row in (await connection.execute(found)).all()}
        results = []
        for hit in hits:
            row = rows.get(hit.comment_id)
            if row is None:
                continue
            snippet = html.escape(hit.snippet).replace(MARK_START, "<mark>").replace(MARK_END, "</mark>")
            results.append(SearchHit(*row, snippet=snippet, rank=hit.rank))
        return results, total

    @retry_lost_connection
    async def projection_position(self, name: str) -> int:
        c = projection_checkpoints.c
        async with self._router.connect(primary=True) as connection:
            value = (await connection.execute(sa.select(c.position).where(c.name == name))).scalar()
        return int(value or 0)
