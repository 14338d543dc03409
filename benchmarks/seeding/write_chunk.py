"""One write transaction for a chunk of creates: the real command handlers decide, the real SQL
stores answer what is already stored, and the chunk's rows go in as a few large statements.

Every command of a chunk joins one ``ChunkUnitOfWork`` over one connection of the writer
engine. New comments are kept until the chunk is stored (later commands of the chunk find their
parents there), and each command's events are kept as an ``EventGroup``; ``store`` inserts the
comments and hands every group to the event log's ``append_batch``, which takes the log lock,
draws the positions in order and refuses a claimed aggregate version. Nothing here numbers a
position or touches the lock.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from types import TracebackType
from typing import Self

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from threadline.adapters.sql.comment_store import SqlCommentStore, comment_row
from threadline.adapters.sql.event_log import SqlEventAppender
from threadline.adapters.sql.moderation_store import SqlModerationStore
from threadline.adapters.sql.schema import comments
from threadline.application.ports.write import (
    CommentStore,
    EventAppender,
    EventGroup,
    ModerationStore,
)
from threadline.domain.comment import Comment
from threadline.domain.events import EventMetadata, PendingEvent
from threadline.domain.moderation import Ban, ThreadLock

LOOKUP_PAGE = 500  # ids per lookup query (SQLite allows a few thousand bound parameters)


class ChunkComments:
    """New comments wait here for ``store``; anything else is the SQL store's business.

    Every create first looks its own id up; ``expect`` answers those lookups for a whole chunk
    in a few queries (one per page of ids) instead of one query per comment."""

    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection
        self._stored = SqlCommentStore(connection)
        self.new: dict[tuple[str, str], Comment] = {}
        self._absent: set[tuple[str, str]] = set()

    async def expect(self, tenant_id: str, comment_ids: Sequence[str]) -> None:
        """Note which of these ids the store does not hold, so their lookups need no query."""
        for start in range(0, len(comment_ids), LOOKUP_PAGE):
            page = comment_ids[start : start + LOOKUP_PAGE]
            query = sa.select(comments.c.id).where(comments.c.tenant_id == tenant_id, comments.c.id.in_(page))
            stored = set((await self._connection.execute(query)).scalars())
            self._absent.update((tenant_id, comment_id) for comment_id in page if comment_id not in stored)

    async def get(self, tenant_id: str, comment_id: str, *, for_update: bool = False) -> Comment | None:
        key = (tenant_id, comment_id)
        found = self.new.get(key)
        if found is not None or key in self._absent:
            return found
        return await self._stored.get(tenant_id, comment_id, for_update=for_update)

    async def add(self, comment: Comment) -> bool:
        """The handler has just looked the id up (``get``) in this transaction; an id stored
        meanwhile would fail the chunk's insert on the primary key, rolling the chunk back."""
        key = (comment.tenant_id, comment.id)
        if key in self.new:
            return False
        self.new[key] = comment
        return True

    async def save(self, comment: Comment, expected_version: int) -> None:
        raise NotImplementedError("the bulk seeder only creates comments")

    async def set_like(
        self, tenant_id: str, comment_id: str, user_id: str, liked: bool, at: str
    ) -> int | None:
        raise NotImplementedError("the bulk seeder only creates comments")

    async def purge(self, tenant_id: str, comment_id: str) -> None:
        raise NotImplementedError("the bulk seeder only creates comments")


class RememberedModeration:
    """The SQL moderation store, each ban and thread lock read once per chunk: every create
    checks both, and nothing changes them inside the chunk's transaction (creates only)."""

    def __init__(self, stored: SqlModerationStore) -> None:
        self._stored = stored
        self._bans: dict[tuple[str, str], Ban | None] = {}
        self._locks: dict[tuple[str, str, str], ThreadLock | None] = {}

    async def ban(self, tenant_id: str, user_id: str) -> Ban | None:
        key = (tenant_id, user_id)
        if key not in self._bans:
            self._bans[key] = await self._stored.ban(tenant_id, user_id)
        return self._bans[key]

    async def thread_lock(self, tenant_id: str, entity_type: str, entity_id: str) -> ThreadLock | None:
        key = (tenant_id, entity_type, entity_id)
        if key not in self._locks:
            self._locks[key] = await self._stored.thread_lock(*key)
        return self._locks[key]

    async def add_report(self, tenant_id: str, comment_id: str, user_id: str, reason: str, at: str) -> bool:
        raise NotImplementedError("the bulk seeder only creates comments")

    async def dismiss_reports(self, tenant_id: str, comment_id: str, at: str) -> int:
        raise NotImplementedError("the bulk seeder only creates comments")

    async def save_ban(self, ban: Ban, expected_version: int) -> None:
        raise NotImplementedError("the bulk seeder only creates comments")

    async def save_thread_lock(self, lock: ThreadLock, expected_version: int) -> None:
        raise NotImplementedError("the bulk seeder only creates comments")


class ChunkEvents:
    """Each command's events, kept as one group for the chunk's single ``append_batch``."""

    def __init__(self, log: SqlEventAppender) -> None:
        self._log = log
        self.groups: list[EventGroup] = []

    async def append(self, tenant_id: str, events: Sequence[PendingEvent], metadata: EventMetadata) -> int:
        """Positions are drawn when the chunk is stored; until then a command's outcome says 0
        (the seeder reads no outcome and announces nothing)."""
        self.groups.append(EventGroup(tenant_id, list(events), metadata))
        return 0

    async def append_batch(self, groups: Sequence[EventGroup]) -> list[int]:
        self.groups.extend(groups)
        return [0] * len(groups)

    async def head(self) -> int:
        return await self._log.head()

    async def redact_comment(self, tenant_id: str, comment_id: str) -> None:
        raise NotImplementedError("the bulk seeder only creates comments")

    async def anonymize_comment(self, tenant_id: str, comment_id: str) -> None:
        raise NotImplementedError("the bulk seeder only creates comments")


class ChunkUnitOfWork:
    """The unit of work every command of a chunk enters: one transaction, committed by ``store``.

    A command's own ``commit`` does nothing (the chunk commits once, after ``store``); a command
    that fails leaves the chunk unusable and the seeder rolls the whole chunk back, so no
    half-decided command is ever stored.
    """

    comments: CommentStore
    moderation: ModerationStore
    events: EventAppender

    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection
        self._log = SqlEventAppender(connection)
        self._comments = ChunkComments(connection)
        self._events = ChunkEvents(self._log)
        self.comments = self._comments
        self.moderation = RememberedModeration(SqlModerationStore(connection))
        self.events = self._events
        self.broken = False

    async def __aenter__(self) -> Self:
        if self.broken:
            raise RuntimeError("a command of this chunk failed: roll the chunk back")
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.broken = self.broken or exc is not None

    async def commit(self) -> None:
        return None

    def savepoint(self) -> AbstractAsyncContextManager[None]:
        raise NotImplementedError("a chunk is stored whole or not at all: it has no savepoints")

    async def expect(self, tenant_id: str, comment_ids: Sequence[str]) -> None:
        await self._comments.expect(tenant_id, comment_ids)

    @property
    def created(self) -> int:
        return len(self._comments.new)

    async def store(self) -> list[int]:
        """Insert the chunk's comments, then append its events last (the log lock is held from
        there to commit only); the position of each command's last event."""
        if self.broken:
            raise RuntimeError("a command of this chunk failed: roll the chunk back")
        rows = [comment_row(comment) for comment in self._comments.new.values()]
        if rows:
            await self._connection.execute(comments.insert(), rows)
        return await self._log.append_batch(self._events.groups) if self._events.groups else []
