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

from threadline.adapters.sql.comment_view_writer import SqlCommentViewWriter
from threadline.adapters.sql.schema import projection_checkpoints, read_metadata
from threadline.application.command_runner import utc_now
from threadline.application.ports import CommentViewWriter, ProjectionStatus

checkpoints = projection_checkpoints


class SqlProjectionTransaction:
    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection
        self.views: CommentViewWriter = SqlCommentViewWriter(connection)

    async def checkpoint(self, name: str) -> int:
        query = sa.select(checkpoints.c.position).where(checkpoints.c.name == name)
        if self._connection.dialect.name != "sqlite":
            query = query.with_for_update()
        position = (await self._connection.execute(query)).scalar()
        if position is None:
            await self._connection.execute(
                checkpoints.insert().values(name=name, position=0, updated_at=utc_now())
            )
            return 0
        return int(position)

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

    async def position(self, name: str) -> int:
        async with self._engine.connect() as connection:
            value = (
                await connection.execute(sa.select(checkpoints.c.position).where(checkpoints.c.name == name))
            ).scalar()
        return int(value or 0)

    async def reset(self, name: str) -> None:
        async with self._engine.begin() as connection:
            for table in reversed(read_metadata.sorted_tables):
                if table is not checkpoints:
                    await connection.execute(table.delete())
            if connection.dialect.name == "sqlite":
                await connection.execute(sa.text("DELETE FROM comment_search"))
            await connection.execute(checkpoints.delete().where(checkpoints.c.name == name))
