"""The ports the bulk seeder runs the real command handler and projector over, in memory: a
chunk of creates is decided and projected here, then stored in a few large statements."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from types import TracebackType
from typing import Any, Self

import click

from threadline.adapters.rendering.content_html import ContentHtmlRenderer
from threadline.adapters.sql.event_log import event_rows, stored_event
from threadline.adapters.sql.search_index import SearchRow
from threadline.application.ports.cross_cutting import JsonObject
from threadline.application.ports.projection import (
    CommentViewWriter,
    ModerationViewWriter,
    ProjectionStatus,
    ProjectionTransaction,
    QueueEntry,
    StoredEvent,
    ViewState,
)
from threadline.application.ports.write import CommentStore, EventAppender, ModerationStore, PendingEvent
from threadline.domain.clock import utc_now
from threadline.domain.comment import Comment
from threadline.domain.events import EventMetadata
from threadline.domain.moderation import Ban, ThreadLock


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

    async def anonymize_comment(self, tenant_id: str, comment_id: str) -> None:
        raise _only_creates("anonymizing")


class OpenTenant(ModerationStore):
    """Seeded threads are open and their authors unbanned."""

    async def add_report(self, tenant_id: str, comment_id: str, user_id: str, reason: str, at: str) -> bool:
        raise _only_creates("reporting")

    async def dismiss_reports(self, tenant_id: str, comment_id: str, at: str) -> int:
        raise _only_creates("moderating")

    async def ban(self, tenant_id: str, user_id: str) -> Ban | None:
        return None

    async def save_ban(self, ban: Ban, expected_version: int) -> None:
        raise _only_creates("banning")

    async def thread_lock(self, tenant_id: str, entity_type: str, entity_id: str) -> ThreadLock | None:
        return None

    async def save_thread_lock(self, lock: ThreadLock, expected_version: int) -> None:
        raise _only_creates("locking")


class NoModerationViews(ModerationViewWriter):
    """Seeded comments are published at once: nothing reaches the moderation read models."""

    async def enqueue(self, item: QueueEntry, *, reported_at: str | None) -> None:
        raise _only_creates("queueing for moderation")

    async def dequeue(self, tenant_id: str, comment_id: str) -> None:
        raise _only_creates("moderating")

    async def add_report(
        self, tenant_id: str, comment_id: str, user_id: str, reason: str | None, at: str
    ) -> None:
        raise _only_creates("reporting")

    async def clear_reports(self, tenant_id: str, comment_id: str) -> None:
        raise _only_creates("moderating")

    async def set_ban(
        self, tenant_id: str, user_id: str, reason: str | None, expires_at: str | None, by: str, at: str
    ) -> None:
        raise _only_creates("banning")

    async def lift_ban(self, tenant_id: str, user_id: str) -> None:
        raise _only_creates("banning")

    async def set_thread_locked(self, tenant_id: str, entity_type: str, entity_id: str, locked: bool) -> None:
        raise _only_creates("locking")


class MemoryUnitOfWork:
    def __init__(self, comments: MemoryComments, events: MemoryLog) -> None:
        self.comments: CommentStore = comments
        self.moderation: ModerationStore = OpenTenant()
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
        self.moderation: ModerationViewWriter = NoModerationViews()

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
        raise BulkSeedError("the bulk seeder keeps no audit trail of its own; read the database's")

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
        return ProjectionStatus(name, self.position, None, None, None)

    async def reset(self, name: str) -> None:
        raise BulkSeedError("a chunk being seeded is never rebuilt; `threadline projections rebuild` is")

    async def add_views(self, counts: dict[tuple[str, str], int]) -> None:
        raise _only_creates("counting views")


class MemoizedRenderer:
    """The real renderer; with a pool of seed texts (``--texts``) each is rendered once."""

    def __init__(self) -> None:
        self._render = lru_cache(maxsize=65_536)(ContentHtmlRenderer().render)

    def render(self, content: str, content_format: str) -> str:
        return self._render(content, content_format)
