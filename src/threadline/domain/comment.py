"""The write-side state of one comment, as command handlers see it."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from enum import StrEnum

from threadline.domain.commands import CreateComment


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

    @property
    def is_live(self) -> bool:
        return self.status is Status.ACTIVE

    @property
    def is_pending(self) -> bool:
        return self.status is Status.PENDING


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
