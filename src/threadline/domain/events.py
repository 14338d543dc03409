"""Domain events: past-tense facts with a schema version, as stored in the event log.

``PERSONAL_FIELDS`` names the payload fields that a hard delete redacts in place, so the log
keeps its rows and positions while the words and names of an erased comment are gone.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import ClassVar


@dataclass(frozen=True, slots=True)
class DomainEvent:
    event_type: ClassVar[str]
    schema_version: ClassVar[int] = 1
    personal_fields: ClassVar[tuple[str, ...]] = ()

    comment_id: str
    entity_type: str
    entity_id: str
    occurred_at: str

    def payload(self) -> dict[str, object]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class CommentCreated(DomainEvent):
    event_type: ClassVar[str] = "CommentCreated"
    personal_fields: ClassVar[tuple[str, ...]] = ("content", "author_name", "author_avatar")

    parent_id: str | None = None
    depth: int = 0
    path: str = ""
    author_id: str = ""
    author_name: str | None = None
    author_avatar: str | None = None
    author_role: str = "user"
    content: str | None = None
    content_format: str = "plain"


@dataclass(frozen=True, slots=True)
class CommentUpdated(DomainEvent):
    event_type: ClassVar[str] = "CommentUpdated"
    personal_fields: ClassVar[tuple[str, ...]] = ("content",)

    content: str | None = None
    editor_id: str = ""


@dataclass(frozen=True, slots=True)
class CommentDeleted(DomainEvent):
    event_type: ClassVar[str] = "CommentDeleted"
    personal_fields: ClassVar[tuple[str, ...]] = ("reason",)

    reason: str | None = None


@dataclass(frozen=True, slots=True)
class CommentHardDeleted(DomainEvent):
    event_type: ClassVar[str] = "CommentHardDeleted"

    reason: str = ""


@dataclass(frozen=True, slots=True)
class CommentLiked(DomainEvent):
    event_type: ClassVar[str] = "CommentLiked"

    user_id: str = ""


@dataclass(frozen=True, slots=True)
class CommentUnliked(DomainEvent):
    event_type: ClassVar[str] = "CommentUnliked"

    user_id: str = ""


@dataclass(frozen=True, slots=True)
class CommentPinned(DomainEvent):
    event_type: ClassVar[str] = "CommentPinned"


@dataclass(frozen=True, slots=True)
class CommentUnpinned(DomainEvent):
    event_type: ClassVar[str] = "CommentUnpinned"


EVENT_TYPES: dict[str, type[DomainEvent]] = {
    cls.event_type: cls
    for cls in (
        CommentCreated,
        CommentUpdated,
        CommentDeleted,
        CommentHardDeleted,
        CommentLiked,
        CommentUnliked,
        CommentPinned,
        CommentUnpinned,
    )
}


def redact(event_type: str, payload: dict[str, object]) -> dict[str, object]:
    """The payload with every personal field blanked; structure (ids, parent, depth) stays."""
    cls = EVENT_TYPES.get(event_type)
    if cls is None:
        return payload
    return {k: (None if k in cls.personal_fields else v) for k, v in payload.items()}


@dataclass(frozen=True, slots=True)
class EventMetadata:
    actor_id: str
    actor_role: str
    correlation_id: str
    causation_id: str
    extra: dict[str, str] = field(default_factory=dict)
