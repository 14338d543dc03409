"""The comment aggregate: its write-side state and every transition a command may make to it.

Each transition checks its guards, changes the state, bumps ``version`` and ``updated_at`` once,
and returns the event it causes already stamped with the aggregate version it claims, or
``None`` when the comment is already in the state asked for (so a retried command applies once).
Handlers load, call, save; none of them repeats this bookkeeping.

Likes and reports are aggregates of their own (one per comment and user), so a popular comment
never turns concurrent likes or reports into version conflicts on the comment.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from enum import StrEnum

from threadline.domain.commands import CreateComment
from threadline.domain.errors import CommentDeleted, CommentPending, OnlyRootsCanBePinned
from threadline.domain.events import (
    CommentAnonymized,
    CommentApproved,
    CommentCreated,
    CommentHardDeleted,
    CommentLiked,
    CommentPinned,
    CommentRejected,
    CommentReported,
    CommentUnliked,
    CommentUnpinned,
    CommentUpdated,
    DomainEvent,
    PendingEvent,
)
from threadline.domain.events import (
    CommentDeleted as CommentDeletedEvent,
)
from threadline.domain.identity import Actor
from threadline.domain.rules import allowed_reply_depth


class Status(StrEnum):
    PENDING = "PENDING"  # awaiting a moderator: seen only by its author and moderators
    ACTIVE = "ACTIVE"
    REJECTED = "REJECTED"  # turned down by a moderator; never (again) shown publicly
    DELETED = "DELETED"
    HARD_DELETED = "HARD_DELETED"


UNPUBLISHED = frozenset({Status.PENDING, Status.REJECTED})


def is_unpublished(status: str) -> bool:
    """Pending and rejected comments exist only for their author and moderators."""
    return status in UNPUBLISHED


@dataclass(slots=True)
class Comment:
    tenant_id: str
    id: str
    entity_type: str
    entity_id: str
    parent_id: str | None
    depth: int
    path: str
    author_id: str | None
    author_name: str | None
    author_avatar: str | None
    author_role: str | None
    content: str | None
    content_format: str
    status: Status
    is_pinned: bool
    version: int
    request_fingerprint: str
    created_at: str
    updated_at: str
    edited_at: str | None = None

    @classmethod
    def create(
        cls,
        cmd: CreateComment,
        author: Actor,
        *,
        parent: Comment | None,
        max_depth: int,
        fingerprint: str,
        pending: bool,
        now: str,
    ) -> tuple[Comment, PendingEvent]:
        """A new comment, or a reply under ``parent`` (which the caller found live) no deeper than
        ``max_depth``."""
        depth = allowed_reply_depth(parent.depth, max_depth) if parent else 0
        comment = cls(
            tenant_id=author.tenant_id,
            id=cmd.comment_id,
            entity_type=cmd.entity_type,
            entity_id=cmd.entity_id,
            parent_id=cmd.parent_id,
            depth=depth,
            path=child_path(parent.path if parent else None, cmd.comment_id),
            author_id=author.user_id,
            author_name=author.name,
            author_avatar=author.avatar,
            author_role=author.role.value,
            content=cmd.content,
            content_format=cmd.content_format.value,
            status=Status.PENDING if pending else Status.ACTIVE,
            is_pinned=False,
            version=1,
            request_fingerprint=fingerprint,
            created_at=now,
            updated_at=now,
        )
        event = CommentCreated(
            comment_id=comment.id,
            entity_type=comment.entity_type,
            entity_id=comment.entity_id,
            occurred_at=now,
            parent_id=comment.parent_id,
            depth=comment.depth,
            path=comment.path,
            author_id=author.user_id,
            author_name=author.name,
            author_avatar=author.avatar,
            author_role=author.role.value,
            content=comment.content,
            content_format=comment.content_format,
            pending=pending,
        )
        return comment, PendingEvent(event, comment.id, comment.version)

    @property
    def is_live(self) -> bool:
        return self.status is Status.ACTIVE

    @property
    def is_pending(self) -> bool:
        return self.status is Status.PENDING

    @property
    def is_editable(self) -> bool:
        """Live, or pending (its author may still correct it before approval)."""
        return self.status in (Status.ACTIVE, Status.PENDING)

    def ensure_published(self) -> None:
        """Likes, pins, reports and replies need a published comment: a pending one is not out
        yet, and anything else is gone."""
        if self.is_pending:
            raise CommentPending()
        if not self.is_live:
            raise CommentDeleted()

    def ensure_editable(self) -> None:
        if not self.is_editable:
            raise CommentDeleted()

    def edit(self, content: str, editor_id: str, now: str) -> PendingEvent | None:
        self.ensure_editable()
        if self.content == content:
            return None
        self.content = content
        self.edited_at = now
        return self._record(CommentUpdated, now, content=content, editor_id=editor_id)

    def delete(self, reason: str | None, now: str) -> PendingEvent | None:
        """A soft delete: the comment leaves the thread, or stays as a tombstone over its replies."""
        if not self.is_editable:
            return None
        self.status = Status.DELETED
        self.is_pinned = False
        return self._record(CommentDeletedEvent, now, reason=reason)

    def hard_delete(self, reason: str, now: str) -> PendingEvent:
        """Its words and its author's name go for good; a content-less skeleton keeps the id
        taken and the replies attached."""
        self.status = Status.HARD_DELETED
        self.content = self.author_name = self.author_avatar = None
        # The create fingerprint hashes the content: a guess could be confirmed against it, so it goes
        # too (a retry of the original create now meets an idempotency conflict, not the erased comment).
        self.request_fingerprint = ""
        self.is_pinned = False
        return self._record(CommentHardDeleted, now, reason=reason)

    def pin(self, now: str) -> PendingEvent | None:
        self.ensure_published()
        if self.parent_id is not None:
            raise OnlyRootsCanBePinned()
        if self.is_pinned:
            return None
        self.is_pinned = True
        return self._record(CommentPinned, now)

    def unpin(self, now: str) -> PendingEvent | None:
        if not self.is_pinned:
            return None
        self.is_pinned = False
        return self._record(CommentUnpinned, now)

    def ensure_approvable(self) -> None:
        """A pending comment can be published and a live one kept; anything else is gone."""
        if not self.is_pending and not self.is_live:
            raise CommentDeleted()

    def approve(self, reports_dismissed: int, now: str) -> PendingEvent | None:
        """Publish a pending comment, or keep a reported live one and dismiss its reports. The
        caller has checked that a pending reply's parent is still live."""
        self.ensure_approvable()
        if not self.is_pending and not reports_dismissed:
            return None  # already published, nothing reported: nothing to approve
        self.status = Status.ACTIVE
        return self._record(CommentApproved, now, reports_dismissed=reports_dismissed)

    def reject(self, reason: str | None, now: str) -> PendingEvent | None:
        """Turn a pending comment down for good, or take a live one down."""
        if not self.is_editable:
            return None
        self.status = Status.REJECTED
        self.is_pinned = False
        return self._record(CommentRejected, now, reason=reason)

    def anonymize(self, now: str) -> PendingEvent | None:
        """Its author is erased: the words stay, who wrote them goes."""
        if self.author_id is None:
            return None
        self.author_id = self.author_name = self.author_avatar = self.author_role = None
        return self._record(CommentAnonymized, now)

    def like_changed(self, user_id: str, liked: bool, like_version: int, now: str) -> PendingEvent:
        """The event of the (comment, user) like aggregate reaching ``like_version``."""
        event_type = CommentLiked if liked else CommentUnliked
        return PendingEvent(
            self._event(event_type, now, user_id=user_id), like_id(self.id, user_id), like_version
        )

    def reported(self, user_id: str, reason: str, now: str) -> PendingEvent:
        """The one event of the (comment, reporter) report aggregate: each user reports once."""
        event = self._event(CommentReported, now, user_id=user_id, reason=reason)
        return PendingEvent(event, report_id(self.id, user_id), 1)

    def _record(self, event_type: type[DomainEvent], now: str, **fields: object) -> PendingEvent:
        self.version += 1
        self.updated_at = now
        return PendingEvent(self._event(event_type, now, **fields), self.id, self.version)

    def _event(self, event_type: type[DomainEvent], now: str, **fields: object) -> DomainEvent:
        return event_type(
            comment_id=self.id,
            entity_type=self.entity_type,
            entity_id=self.entity_id,
            occurred_at=now,
            **fields,
        )


def like_id(comment_id: str, user_id: str) -> str:
    """The aggregate id of one user's like of one comment."""
    return f"{comment_id}/like/{user_id}"


def report_id(comment_id: str, user_id: str) -> str:
    """The aggregate id of one user's report of one comment."""
    return f"{comment_id}/report/{user_id}"


def create_fingerprint(tenant_id: str, author_id: str, cmd: CreateComment) -> str:
    """What makes two creates 'the same request', so a retry is recognised and a reuse is not."""
    parts = (
        tenant_id,
        author_id,
        cmd.entity_type,
        cmd.entity_id,
        cmd.parent_id or "",
        cmd.content_format.value,
        cmd.content,
    )
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def child_path(parent_path: str | None, comment_id: str) -> str:
    """Materialized path: ancestor ids joined by '/', so a subtree is one prefix range."""
    return f"{parent_path}/{comment_id}" if parent_path else comment_id
