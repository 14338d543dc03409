"""Checkpoints and read-model transactions for the projector.

The checkpoint row is written in the same transaction as the read-model change it covers
(EVENT-LOG-NOTES §3). Reading it takes the lock that keeps a second projector instance from
applying the same events: SQLite's write lock from ``BEGIN IMMEDIATE``, ``FOR UPDATE`` elsewhere.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from threadline.adapters.sql.comment_reader import SqlCommentReader
from threadline.adapters.sql.comment_view_writer import SqlCommentViewWriter
from threadline.adapters.sql.live_feed import SqlLiveFeedWriter
from threadline.adapters.sql.moderation_view_writer import SqlModerationViewWriter
from threadline.adapters.sql.prepared_pages import SqlPreparedPages
from threadline.adapters.sql.schema import (
    comment_view,
    projection_checkpoints,
    view_totals,
)
from threadline.adapters.sql.upsert import dialect_insert, insert_if_absent
from threadline.application.ports.live import LiveFeedWriter
from threadline.application.ports.projection import (
    CommentViewWriter,
    ModerationViewWriter,
    PreparedPageWriter,
    ProjectionStatus,
)
from threadline.application.ports.query import CommentReader
from threadline.domain.clock import utc_now

checkpoints = projection_checkpoints


class SqlProjectionTransaction:
    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection
        self.views: CommentViewWriter = SqlCommentViewWriter(connection)
        self.moderation: ModerationViewWriter = SqlModerationViewWriter(connection)
        self.prepared: PreparedPageWriter = SqlPreparedPages(connection)
        self.live: LiveFeedWriter = SqlLiveFeedWriter(connection)
        self._reader = SqlCommentReader(connection)

    async def read_back(self) -> CommentReader:
        return self._reader

    async def checkpoint(self, name: str) -> int:
        # Make sure the row exists first, so two new projectors lock the same row, not nothing.
        await insert_if_absent(
            self._connection, checkpoints, {"name": name, "position": 0, "updated_at": utc_now()}
        )
        query = sa.select(checkpoints.c.position).where(checkpoints.c.name == name)
        if self._connection.dialect.name != "sqlite":
            query = query.with_for_update()
        return int((await self._connection.execute(query)).scalar_one())

    async def set_checkpoint(self, name: str, position: int) -> None:
        c = checkpoints.c
        await self._connection.execute(
            checkpoints.update().where(c.name == name).values(position=position, updated_at=utc_now())
        )
        await self._connection.execute(
            checkpoints.update()
            .where(c.name == name, c.failed_position <= position)
            .values(failed_position=None, error=None)
        )

    async def commit(self) -> None:
        await self._connection.commit()


class SqlProjectionStore:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[SqlProjectionTransaction]:
        async with self._engine.connect() as connection:
            await connection.begin()
            try:
                yield SqlProjectionTransaction(connection)
            finally:
                if connection.in_transaction():
                    await connection.rollback()

    async def record_failure(self, name: str, position: int, error: str) -> None:
        async with self._engine.begin() as connection:
            # A new projection failing its first batch rolled back the row ``checkpoint`` made.
            await insert_if_absent(
                connection, checkpoints, {"name": name, "position": 0, "updated_at": utc_now()}
            )
            await connection.execute(
                checkpoints.update()
                .where(checkpoints.c.name == name)
                .values(failed_position=position, error=error[:2000], updated_at=utc_now())
            )

    async def status(self, name: str) -> ProjectionStatus:
        async with self._engine.connect() as connection:
            row = (await connection.execute(sa.select(checkpoints).where(checkpoints.c.name == name))).first()
        if row is None:
            return ProjectionStatus(name, 0, None, None, None)
        return ProjectionStatus(
            name=name,
            position=int(row.position),
            failed_position=row.failed_position,
            error=row.error,
            updated_at=row.updated_at,
        )

    async def add_views(self, counts: dict[tuple[str, str], int]) -> None:
        """Add counted views to the read model and to the totals a rebuild keeps.

        A busy minute brings tens of thousands of counts. They go in chunks, each one transaction
        of two batched statements (executemany) in key order, so the row locks the projector may
        also need are held for milliseconds, never for the whole flush."""
        rows = [
            {"t": tenant_id, "c": comment_id, "v": views}
            for (tenant_id, comment_id), views in sorted(counts.items())
        ]
        for start in range(0, len(rows), VIEW_CHUNK):
            chunk = rows[start : start + VIEW_CHUNK]
            async with self._engine.begin() as connection:
                await connection.execute(_ADD_VIEWS, chunk)
                await connection.execute(_upsert_totals(connection), chunk)


VIEW_CHUNK = 1_000
_v = comment_view.c
_ADD_VIEWS = (
    comment_view.update()
    .where(_v.tenant_id == sa.bindparam("t"), _v.id == sa.bindparam("c"))
    .values(view_count=_v.view_count + sa.bindparam("v"))
)


def _upsert_totals(connection: AsyncConnection) -> sa.Insert:
    statement = dialect_insert(view_totals, connection.dialect.name).values(
        tenant_id=sa.bindparam("t"), comment_id=sa.bindparam("c"), views=sa.bindparam("v")
    )
    return statement.on_conflict_do_update(
        index_elements=["tenant_id", "comment_id"],
        set_={"views": view_totals.c.views + statement.excluded.views},
    )
