"""The write side's ports: one transaction over the write model and the event log."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from types import TracebackType
from typing import Protocol, Self

from threadline.domain.comment import Comment
from threadline.domain.events import EventMetadata, PendingEvent
from threadline.domain.moderation import Ban, ThreadLock


@dataclass(frozen=True, slots=True)
class EventGroup:
    """The events of one command (or of one imported item): one tenant, one metadata."""

    tenant_id: str
    events: Sequence[PendingEvent]
    metadata: EventMetadata


class CommentStore(Protocol):
    """The write model: current state of each comment and of each like."""

    async def get(self, tenant_id: str, comment_id: str, *, for_update: bool = False) -> Comment | None: ...

    async def add(self, comment: Comment) -> bool:
        """Insert; ``False`` when the id is already taken (a retry or a reuse)."""
        ...

    async def save(self, comment: Comment, expected_version: int) -> None:
        """Compare-and-set on ``version``; raises ``ConcurrencyConflict`` if it moved."""
        ...

    async def set_like(
        self, tenant_id: str, comment_id: str, user_id: str, liked: bool, at: str
    ) -> int | None:
        """Set the like; the new like-record version, or ``None`` when nothing changed."""
        ...

    async def purge(self, tenant_id: str, comment_id: str) -> None:
        """Remove the comment's likes and personal data, keeping a content-less skeleton."""
        ...


class ModerationStore(Protocol):
    """The write side of moderation: reports, bans and thread locks."""

    async def add_report(self, tenant_id: str, comment_id: str, user_id: str, reason: str, at: str) -> bool:
        """Record a report; ``False`` when this user already reported this comment."""
        ...

    async def dismiss_reports(self, tenant_id: str, comment_id: str, at: str) -> int:
        """Close the comment's open reports; how many there were."""
        ...

    async def ban(self, tenant_id: str, user_id: str) -> Ban | None: ...

    async def save_ban(self, ban: Ban, expected_version: int) -> None:
        """Insert (expected version 0) or compare-and-set; ``ConcurrencyConflict`` if it moved."""
        ...

    async def thread_lock(self, tenant_id: str, entity_type: str, entity_id: str) -> ThreadLock | None: ...

    async def save_thread_lock(self, lock: ThreadLock, expected_version: int) -> None: ...


class EventAppender(Protocol):
    async def append(self, tenant_id: str, events: Sequence[PendingEvent], metadata: EventMetadata) -> int:
        """Append in this transaction; returns the position of the last event."""
        ...

    async def append_batch(self, groups: Sequence[EventGroup]) -> list[int]:
        """Append many groups (any tenants, any aggregates) in this transaction, in order.

        Positions follow the groups' order without gaps and become visible at commit behind
        every position already committed; one aggregate version claimed twice (in the log or
        within the batch) raises ``ConcurrencyConflict`` and the caller's rollback drops the
        whole batch. Returns the position of each group's last event. Groups must not be empty.
        """
        ...

    async def head(self) -> int:
        """The position of the newest committed event, for commands that changed nothing."""
        ...

    async def redact_comment(self, tenant_id: str, comment_id: str) -> None:
        """Blank the personal fields of every event about this comment, keeping the rows."""
        ...

    async def anonymize_comment(self, tenant_id: str, comment_id: str) -> None:
        """Blank the author's name and avatar in every event about this comment; words stay."""
        ...


class UnitOfWork(Protocol):
    """One write transaction: write model and event log commit together or not at all."""

    comments: CommentStore
    moderation: ModerationStore
    events: EventAppender

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    async def commit(self) -> None: ...

    def savepoint(self) -> AbstractAsyncContextManager[None]:
        """A nested scope of this transaction: an exception leaving it undoes the writes made
        inside it and nothing else (one command of a batch failing alone)."""
        ...


class UnitOfWorkFactory(Protocol):
    def __call__(self) -> UnitOfWork: ...
