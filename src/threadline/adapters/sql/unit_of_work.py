"""One write transaction over the write database: the comment change and its events together."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from types import TracebackType
from typing import Self

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncTransaction

from threadline.adapters.sql.comment_store import SqlCommentStore
from threadline.adapters.sql.event_log import SqlEventAppender
from threadline.adapters.sql.moderation_store import SqlModerationStore
from threadline.application.ports.write import CommentStore, EventAppender, ModerationStore


class SqlUnitOfWork:
    comments: CommentStore
    moderation: ModerationStore
    events: EventAppender

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._connection: AsyncConnection | None = None
        self._transaction: AsyncTransaction | None = None

    async def __aenter__(self) -> Self:
        self._connection = await self._engine.connect()
        self._transaction = await self._connection.begin()
        self.comments = SqlCommentStore(self._connection)
        self.moderation = SqlModerationStore(self._connection)
        self.events = SqlEventAppender(self._connection)
        return self

    async def commit(self) -> None:
        assert self._transaction is not None
        await self._transaction.commit()

    @asynccontextmanager
    async def savepoint(self) -> AsyncIterator[None]:
        """SAVEPOINT … RELEASE, or ROLLBACK TO on an exception (which then goes on)."""
        assert self._connection is not None
        async with self._connection.begin_nested():
            yield

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self._connection is not None and self._transaction is not None
        try:
            if self._transaction.is_active:
                await self._transaction.rollback()
        finally:
            await self._connection.close()


class SqlUnitOfWorkFactory:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    def __call__(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self._engine)
