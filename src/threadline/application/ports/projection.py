"""The projection side's ports: the log as the projector reads it, and the read-model writers it
changes inside its own transaction."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from threadline.application.ports.cross_cutting import JsonObject

if TYPE_CHECKING:  # the query port imports ClientComment, which imports this module
    from threadline.application.ports.live import LiveFeedWriter
    from threadline.application.ports.query import CommentReader


@dataclass(frozen=True, slots=True)
class StoredEvent:
    position: int
    event_id: str
    tenant_id: str
    aggregate_id: str
    aggregate_version: int
    comment_id: str
    event_type: str
    schema_version: int
    payload: JsonObject
    metadata: JsonObject
    recorded_at: str


class EventReader(Protocol):
    async def read_after(self, position: int, limit: int) -> list[StoredEvent]: ...

    async def last_position(self) -> int: ...

    async def audit(
        self,
        tenant_id: str,
        *,
        after_position: int = 0,
        before_position: int | None = None,
        limit: int,
        comment_id: str | None = None,
        actor_id: str | None = None,
        event_types: Collection[str] | None = None,
        newest_first: bool = False,
    ) -> list[StoredEvent]:
        """One tenant's events between the two positions (exclusive), matching every filter given,
        oldest first unless ``newest_first``: the audit trail and a comment's timeline."""
        ...

    async def at_positions(self, tenant_id: str, positions: Collection[int]) -> list[StoredEvent]:
        """The tenant's events at these positions, oldest first (a read model's index into the log)."""
        ...


class ContentRenderer(Protocol):
    def render(self, content: str, content_format: str) -> str: ...


@dataclass(slots=True)
class ViewState:
    """What a projection needs to know of a comment already in the read model."""

    tenant_id: str
    id: str
    entity_type: str
    entity_id: str
    parent_id: str | None
    status: str
    visible: bool
    reply_count: int
    content: str | None
    content_format: str
    owner_id: str | None = None


class CommentViewWriter(Protocol):
    """Read-model changes, made inside the projector's transaction."""

    async def get(self, tenant_id: str, comment_id: str) -> ViewState | None: ...
    async def insert(self, row: JsonObject) -> None: ...
    async def update(self, tenant_id: str, comment_id: str, values: JsonObject) -> None: ...
    async def delete(self, tenant_id: str, comment_id: str) -> None: ...
    async def add_reply_count(self, tenant_id: str, comment_id: str, delta: int) -> None: ...
    async def add_like_count(self, tenant_id: str, comment_id: str, delta: int) -> None: ...
    async def add_like(self, tenant_id: str, comment_id: str, user_id: str) -> bool: ...
    async def remove_like(self, tenant_id: str, comment_id: str, user_id: str) -> bool: ...
    async def purge_likes(self, tenant_id: str, comment_id: str) -> None: ...
    async def add_edit(self, row: JsonObject) -> None: ...
    async def purge_edits(self, tenant_id: str, comment_id: str) -> None: ...
    async def adjust_stats(
        self, tenant_id: str, entity_type: str, entity_id: str, comments: int, roots: int
    ) -> None: ...
    async def index_for_search(
        self, tenant_id: str, comment_id: str, entity_type: str, entity_id: str, content: str
    ) -> None: ...
    async def remove_from_search(self, tenant_id: str, comment_id: str) -> None: ...
    async def counted_views(self, tenant_id: str, comment_id: str) -> int:
        """Views already counted for this comment (non-zero only when rebuilding)."""
        ...


@dataclass(frozen=True, slots=True)
class QueueEntry:
    """A comment as the moderator queue files it."""

    tenant_id: str
    comment_id: str
    entity_type: str
    entity_id: str
    owner_id: str | None
    seq: int  # log position it was queued at: the queue is served oldest first
    pending: bool


@dataclass(frozen=True, slots=True)
class LockEntry:
    """A thread's lock as the list of locked threads files it."""

    reason: str | None
    locked_by: str
    locked_at: str
    seq: int  # log position of the lock: the list is served newest first


class ModerationViewWriter(Protocol):
    """Moderation read models, changed inside the projector's transaction."""

    async def enqueue(self, item: QueueEntry, *, reported_at: str | None) -> None:
        """Put the comment in the queue, or count one more report on it if it is there."""
        ...

    async def dequeue(self, tenant_id: str, comment_id: str) -> None: ...
    async def add_report(
        self, tenant_id: str, comment_id: str, user_id: str, reason: str | None, at: str
    ) -> None: ...
    async def clear_reports(self, tenant_id: str, comment_id: str) -> None: ...
    async def set_ban(
        self, tenant_id: str, user_id: str, reason: str | None, expires_at: str | None, by: str, at: str
    ) -> None: ...
    async def lift_ban(self, tenant_id: str, user_id: str) -> None: ...
    async def file_user_action(self, tenant_id: str, user_id: str, position: int, comment_id: str) -> None:
        """Index the event at ``position`` under the user it was done to (idempotent)."""
        ...

    async def unfile_comment_actions(self, tenant_id: str, comment_id: str) -> None:
        """Forget whose the comment's actions were (its author was anonymized)."""
        ...

    async def set_thread_locked(
        self, tenant_id: str, entity_type: str, entity_id: str, lock: LockEntry | None
    ) -> None:
        """Lock the thread (its page flag and its row in the list of locks), or unlock it (``None``)."""
        ...


@dataclass(frozen=True, slots=True)
class PreparedPageRow:
    """A thread's first page in one sort, as a reader is sent it (``ids\nbody``)."""

    tenant_id: str
    entity_type: str
    entity_id: str
    sort: str
    stored: bytes


class PreparedPageWriter(Protocol):
    """The prepared pages and documents, replaced inside the projector's transaction."""

    async def put_pages(self, pages: Sequence[PreparedPageRow]) -> None: ...
    async def put_comments(self, tenant_id: str, documents: Mapping[str, bytes | None]) -> None:
        """Store each comment's document; ``None`` removes it (no longer readable by the public)."""
        ...


class ProjectionTransaction(Protocol):
    views: CommentViewWriter
    moderation: ModerationViewWriter
    prepared: PreparedPageWriter
    live: LiveFeedWriter

    async def read_back(self) -> CommentReader:
        """A reader of this transaction's read model as it stands, everything written so far in it
        included: what the prepared pages are rendered from before the commit."""
        ...

    async def checkpoint(self, name: str) -> int:
        """The projection's position, locked so a second projector instance waits its turn."""
        ...

    async def set_checkpoint(self, name: str, position: int) -> None: ...
    async def commit(self) -> None: ...


class ProjectionStore(Protocol):
    def transaction(self) -> AbstractAsyncContextManager[ProjectionTransaction]: ...

    async def record_failure(self, name: str, position: int, error: str) -> None: ...

    async def status(self, name: str) -> ProjectionStatus: ...

    async def add_views(self, counts: dict[tuple[str, str], int]) -> None: ...


class ShadowReadModel(Protocol):
    """A read model being built from the log beside the one being served, invisible to readers."""

    store: ProjectionStore

    async def switch_over(self, catch_up: Callable[[], Awaitable[object]]) -> None:
        """Make it the served read model and drop the old one, in one atomic step. With the live
        projector held off, ``catch_up`` brings the shadow to the head first, so the read model
        switched in is never behind the one it replaces; its checkpoint comes with it, and the
        live projector goes on from there."""
        ...

    async def close(self) -> None: ...


class ShadowReadModels(Protocol):
    async def open(self, *, fresh: bool) -> ShadowReadModel:
        """The shadow a killed rebuild left, to resume, or a new empty one (always new if ``fresh``)."""
        ...


@dataclass(frozen=True, slots=True)
class ProjectionStatus:
    name: str
    position: int
    failed_position: int | None
    error: str | None
    updated_at: str | None
