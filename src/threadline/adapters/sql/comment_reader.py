"""Read-model queries in SQL. Every page is an index range scan sized by the page, not the thread;
the statements are written once (``read_statements.py``) and run on the raw driver."""

from __future__ import annotations

import asyncio
import functools
import html
from collections.abc import Awaitable, Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any, TypeVar, cast

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from threadline.adapters.sql.engine import SqliteReaders, is_transient
from threadline.adapters.sql.raw_reads import InTransaction, RawReads
from threadline.adapters.sql.read_statements import (
    BY_IDS,
    CHILDREN,
    COUNTS,
    EDITS,
    LIKED_AMONG,
    PAGES,
    PREPARED_COMMENT,
    PREPARED_PAGE,
    PROJECTION_POSITION,
    THREAD_SUMMARY,
    Statement,
)
from threadline.adapters.sql.replicas import ReadRouter
from threadline.adapters.sql.schema import comment_view
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
from threadline.domain.search_query import SearchQuery, SearchWindow

_c = comment_view.c
# In ``CommentRow``'s field order, so a row is built from the result tuple by its constructor alone.
ROW_COLUMNS = [_c[name] for name in CLIENT_FIELDS] + [_c.created_seq, _c.owner_id]

_Read = TypeVar("_Read", bound=Callable[..., Awaitable[Any]])
READ_ATTEMPTS = 3


def retry_lost_connection(read: _Read) -> _Read:
    """A read that lost its connection (a restarted server, a failover) is simply asked again,
    up to three times with a short backoff (50 ms, then 100 ms). A loop rather than tenacity's
    wrapper: that one cost ~25 µs of inspection per call, as much as a read itself on SQLite."""

    @functools.wraps(read)
    async def retried(*args: Any, **kwargs: Any) -> Any:
        for attempt in range(READ_ATTEMPTS):
            try:
                return await read(*args, **kwargs)
            except Exception as error:
                if attempt == READ_ATTEMPTS - 1 or not is_transient(error):
                    raise
                await asyncio.sleep(min(0.05 * 2**attempt, 0.5))
        raise AssertionError("unreachable")

    return cast(_Read, retried)


class SqlCommentReader:
    """The read model's queries, each a statement written once (``read_statements.py``).

    A read runs on the raw driver, with no SQLAlchemy in between: on SQLite, a reader connection
    of ``SqliteReaders`` (synchronously: a read of the read model takes microseconds, less than a
    hop to a worker thread), on PostgreSQL the asyncpg connection of a pooled connection (asyncpg
    prepares each statement once per connection). The router still chooses the connection (a
    replica or the primary read database) and a read that lost it is asked again.
    """

    def __init__(
        self,
        engine: AsyncEngine | ReadRouter | AsyncConnection,
        *,
        primary_only: bool = False,
        sqlite: SqliteReaders | None = None,
    ) -> None:
        self._router: ReadRouter | InTransaction
        if isinstance(engine, AsyncConnection):
            self._router = InTransaction(engine)
        else:
            self._router = engine if isinstance(engine, ReadRouter) else ReadRouter(engine, [])
        self._primary_only = primary_only
        self._reads = RawReads(self._router, sqlite=sqlite)

    def _connect(self) -> AbstractAsyncContextManager[AsyncConnection]:
        return self._router.connect(primary=self._primary_only)

    def fresh(self) -> SqlCommentReader:
        """A reader of the primary read database only: for reads that must see a position.
        (SQLite has no replicas: its reader connections read the one database, committed state.)"""
        reader = SqlCommentReader.__new__(SqlCommentReader)
        reader._router, reader._primary_only, reader._reads = self._router, True, self._reads
        return reader

    async def _rows(
        self, statement: Statement, parameters: Mapping[str, Any], *, primary: bool = False
    ) -> list[Sequence[Any]]:
        return await self._reads.rows(statement, parameters, primary=primary or self._primary_only)

    async def _comments(self, statement: Statement, parameters: Mapping[str, Any]) -> list[Sequence[Any]]:
        return await self._reads.comments(statement, parameters, primary=self._primary_only)

    async def _nodes(self, statement: Statement, parameters: Mapping[str, Any]) -> list[ThreadNode]:
        return [ThreadNode(*row, replies=[]) for row in await self._comments(statement, parameters)]

    async def _body(self, statement: Statement, parameters: Mapping[str, Any]) -> bytes | None:
        rows = await self._rows(statement, parameters)
        return bytes(rows[0][0]) if rows else None

    async def by_id(self, tenant_id: str, comment_id: str) -> CommentRow | None:
        rows = await self.by_ids(tenant_id, (comment_id,))
        return rows[0] if rows else None

    @retry_lost_connection
    async def by_ids(self, tenant_id: str, comment_ids: Sequence[str]) -> list[CommentRow]:
        if not comment_ids:
            return []
        return [
            CommentRow(*row) for row in await self._comments(BY_IDS, {"t": tenant_id, "ids": comment_ids})
        ]

    @retry_lost_connection
    async def prepared_page(
        self, tenant_id: str, entity_type: str, entity_id: str, sort: str
    ) -> bytes | None:
        return await self._body(
            PREPARED_PAGE, {"t": tenant_id, "et": entity_type, "eid": entity_id, "s": sort}
        )

    @retry_lost_connection
    async def prepared_comment(self, tenant_id: str, comment_id: str) -> bytes | None:
        return await self._body(PREPARED_COMMENT, {"t": tenant_id, "c": comment_id})

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
        statements = PAGES[sort if sort in PAGES else "newest"]
        parameters: dict[str, Any] = {
            "t": tenant_id,
            "et": entity_type,
            "eid": entity_id,
            "parent": parent_id or "",
            "n": limit,
        }
        if after is None:
            if offset:
                parameters["offset"] = offset
                return await self._nodes(statements.offset, parameters)
            return await self._nodes(statements.first, parameters)
        parameters.update(seq=after.created_seq)
        if sort == "popular":
            parameters.update(likes=after.like_count)
        chosen = statements.after_pinned if after.is_pinned else statements.after_unpinned
        return await self._nodes(chosen, parameters)

    @retry_lost_connection
    async def children(
        self, tenant_id: str, entity_type: str, entity_id: str, parent_ids: Sequence[str], per_parent: int
    ) -> list[ThreadNode]:
        if not parent_ids or per_parent <= 0:
            return []
        parameters = {
            "t": tenant_id,
            "et": entity_type,
            "eid": entity_id,
            "parents": parent_ids,
            "n": per_parent,
        }
        return await self._nodes(CHILDREN, parameters)

    @retry_lost_connection
    async def thread_summary(self, tenant_id: str, entity_type: str, entity_id: str) -> ThreadSummary:
        rows = await self._rows(THREAD_SUMMARY, {"t": tenant_id, "et": entity_type, "eid": entity_id})
        return ThreadSummary(int(rows[0][0]), bool(rows[0][1])) if rows else ThreadSummary(0, False)

    @retry_lost_connection
    async def counts(self, tenant_id: str, entity_type: str, entity_ids: Sequence[str]) -> dict[str, int]:
        found = {
            row[0]: int(row[1])
            for row in await self._rows(COUNTS, {"t": tenant_id, "et": entity_type, "ids": entity_ids})
        }
        return {entity_id: found.get(entity_id, 0) for entity_id in entity_ids}

    @retry_lost_connection
    async def liked_among(self, tenant_id: str, user_id: str, comment_ids: Sequence[str]) -> set[str]:
        if not comment_ids:
            return set()
        rows = await self._rows(LIKED_AMONG, {"t": tenant_id, "u": user_id, "ids": comment_ids})
        return {row[0] for row in rows}

    @retry_lost_connection
    async def edits(self, tenant_id: str, comment_id: str) -> list[EditRecord]:
        return [EditRecord(*row) for row in await self._rows(EDITS, {"t": tenant_id, "c": comment_id})]

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
        rows = await self._rows(PROJECTION_POSITION, {"name": name}, primary=True)
        return int(rows[0][0] or 0) if rows else 0
