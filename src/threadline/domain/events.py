"""Domain events: past-tense facts with a schema version, as stored in the event log.

``PERSONAL_FIELDS`` names the payload fields that a hard delete redacts in place, so the log
keeps its rows and positions while the words and names of an erased comment are gone.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import ClassVar


@dataclass(frozen=True, slots=True)
class LoggedEvent:
    """Anything the log records. Comment events name their comment; moderation events about a
    user or a thread have none, and the log files them under an empty comment id."""

    event_type: ClassVar[str]
    schema_version: ClassVar[int] = 1
    personal_fields: ClassVar[tuple[str, ...]] = ()

    def payload(self) -> dict[str, object]:
        return asdict(self)

    @property
    def subject_comment_id(self) -> str:
        return ""


@dataclass(frozen=True, slots=True)
class DomainEvent(LoggedEvent):
    """An event about one comment."""

    comment_id: str
    entity_type: str
    entity_id: str
    occurred_at: str

    @property
    def subject_comment_id(self) -> str:
        return self.comment_id


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
    pending: bool = False  # pre-moderation: hidden from everyone but its author and moderators


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


@dataclass(frozen=True, slots=True)
class CommentApproved(DomainEvent):
    """A pending comment is published, or a reported one is kept and its reports dismissed."""

    event_type: ClassVar[str] = "CommentApproved"

    reports_dismissed: int = 0


@dataclass(frozen=True, slots=True)
class CommentRejected(DomainEvent):
    """A moderator turned the comment down: a pending one is never shown, a live one is taken down."""

    event_type: ClassVar[str] = "CommentRejected"

    reason: str | None = None


@dataclass(frozen=True, slots=True)
class CommentReported(DomainEvent):
    event_type: ClassVar[str] = "CommentReported"
    personal_fields: ClassVar[tuple[str, ...]] = ("reason",)

    user_id: str = ""
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class CommentAnonymized(DomainEvent):
    """Its author was erased under the tenant's 'anonymize' mode: the words stay, the person goes."""

    event_type: ClassVar[str] = "CommentAnonymized"


@dataclass(frozen=True, slots=True)
class UserBanned(LoggedEvent):
    event_type: ClassVar[str] = "UserBanned"

    user_id: str
    occurred_at: str
    reason: str | None = None
    expires_at: str | None = None  # None: until lifted


@dataclass(frozen=True, slots=True)
class UserUnbanned(LoggedEvent):
    event_type: ClassVar[str] = "UserUnbanned"

    user_id: str
    occurred_at: str


@dataclass(frozen=True, slots=True)
class ThreadLocked(LoggedEvent):
    event_type: ClassVar[str] = "ThreadLocked"

    entity_type: str
    entity_id: str
    occurred_at: str
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class ThreadUnlocked(LoggedEvent):
    event_type: ClassVar[str] = "ThreadUnlocked"

    entity_type: str
    entity_id: str
    occurred_at: str


EVENT_TYPES: dict[str, type[LoggedEvent]] = {
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
        CommentApproved,
        CommentRejected,
        CommentReported,
        CommentAnonymized,
        UserBanned,
        UserUnbanned,
        ThreadLocked,
        ThreadUnlocked,
    )
}

# What an anonymized author leaves behind: the words stay, who wrote them goes.
AUTHOR_FIELDS = ("author_name", "author_avatar")


def redact(event_type: str, payload: dict[str, object]) -> dict[str, object]:
    """The payload with every personal field blanked; structure (ids, parent, depth) stays."""
    cls = EVENT_TYPES.get(event_type)
    if cls is None:
        return payload
    return {k: (None if k in cls.personal_fields else v) for k, v in payload.items()}


def anonymize(payload: dict[str, object]) -> dict[str, object]:
    """The payload without its author's name and avatar; the words and structure stay."""
    return {k: (None if k in AUTHOR_FIELDS else v) for k, v in payload.items()}


@dataclass(frozen=True, slots=True)
class PendingEvent:
    """An event an aggregate just caused, with the aggregate version it claims: the log refuses a
    second event claiming the same version, which is how a concurrent change is caught."""

    event: LoggedEvent
    aggregate_id: str
    aggregate_version: int


@dataclass(frozen=True, slots=True)
class EventMetadata:
    actor_id: str
    actor_role: str
    correlation_id: str
    causation_id: str
    extra: dict[str, str] = field(default_factory=dict)
