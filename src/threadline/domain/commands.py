"""Intentions to change a comment. Fields only; rules live in ``rules.py``."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class ContentFormat(StrEnum):
    PLAIN = "plain"
    MARKDOWN = "markdown"


@dataclass(frozen=True, slots=True)
class CreateComment:
    comment_id: str
    entity_type: str
    entity_id: str
    content: str
    content_format: ContentFormat = ContentFormat.PLAIN
    parent_id: str | None = None


@dataclass(frozen=True, slots=True)
class UpdateComment:
    comment_id: str
    content: str


@dataclass(frozen=True, slots=True)
class DeleteComment:
    comment_id: str
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class HardDeleteComment:
    comment_id: str
    reason: str


@dataclass(frozen=True, slots=True)
class LikeComment:
    comment_id: str


@dataclass(frozen=True, slots=True)
class UnlikeComment:
    comment_id: str


@dataclass(frozen=True, slots=True)
class PinComment:
    comment_id: str


@dataclass(frozen=True, slots=True)
class UnpinComment:
    comment_id: str


@dataclass(frozen=True, slots=True)
class ApproveComment:
    comment_id: str


@dataclass(frozen=True, slots=True)
class RejectComment:
    comment_id: str
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class ReportComment:
    comment_id: str
    reason: str


@dataclass(frozen=True, slots=True)
class AnonymizeComment:
    comment_id: str


@dataclass(frozen=True, slots=True)
class BanUser:
    user_id: str
    reason: str | None = None
    expires_at: str | None = None  # ISO-8601 UTC; None bans until lifted


@dataclass(frozen=True, slots=True)
class UnbanUser:
    user_id: str


@dataclass(frozen=True, slots=True)
class LockThread:
    entity_type: str
    entity_id: str
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class UnlockThread:
    entity_type: str
    entity_id: str


Command = (
    CreateComment
    | UpdateComment
    | DeleteComment
    | HardDeleteComment
    | LikeComment
    | UnlikeComment
    | PinComment
    | UnpinComment
    | ApproveComment
    | RejectComment
    | ReportComment
    | AnonymizeComment
    | BanUser
    | UnbanUser
    | LockThread
    | UnlockThread
)
