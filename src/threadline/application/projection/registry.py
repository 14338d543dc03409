"""Which function applies each event type to the read models: the one table the projector reads.

A stored event is decoded into its ``domain.events`` class once, here, through ``EVENT_TYPES``,
so apply functions read typed fields instead of payload dicts; a redacted payload decodes too
(its personal fields are ``None``). Each entry names the class it expects, and the dispatch
checks the decoded event is one, so an entry can never be handed another class's event.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from threadline.application.ports.projection import StoredEvent
from threadline.application.projection import comment_views, moderation_views, user_actions
from threadline.application.projection.context import Logged, ProjectionContext
from threadline.domain import events
from threadline.domain.events import EVENT_TYPES, LoggedEvent

E = TypeVar("E", bound=LoggedEvent)


Apply = Callable[[ProjectionContext, E, Logged], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Projection(Generic[E]):
    """How events of one class change the read models: ``first`` (indexes that must see the read
    model as it was before the event, e.g. whose comment it is), then ``apply``."""

    event_class: type[E]
    apply: Apply[E]
    first: Apply[E] | None = None

    async def __call__(self, ctx: ProjectionContext, event: LoggedEvent, logged: Logged) -> None:
        if not isinstance(event, self.event_class):
            raise TypeError(f"{self.event_class.__name__} expected, got {type(event).__name__}")
        if self.first is not None:
            await self.first(ctx, event, logged)
        await self.apply(ctx, event, logged)


def _registry(*projections: Projection[Any]) -> dict[str, Projection[Any]]:
    return {projection.event_class.event_type: projection for projection in projections}


# The actions a moderator looks up by user (``user_actions.py``) are filed by ``first``.
_AUTHOR = user_actions.filed_under_author

APPLY: dict[str, Projection[Any]] = _registry(
    Projection(events.CommentCreated, comment_views.comment_created),
    Projection(events.CommentUpdated, comment_views.comment_updated),
    Projection(events.CommentDeleted, comment_views.comment_deleted, _AUTHOR),
    Projection(events.CommentHardDeleted, comment_views.comment_hard_deleted, _AUTHOR),
    Projection(events.CommentLiked, comment_views.comment_liked),
    Projection(events.CommentUnliked, comment_views.comment_unliked),
    Projection(events.CommentPinned, comment_views.comment_pinned, _AUTHOR),
    Projection(events.CommentUnpinned, comment_views.comment_unpinned, _AUTHOR),
    Projection(events.CommentApproved, moderation_views.comment_approved, _AUTHOR),
    Projection(events.CommentRejected, moderation_views.comment_rejected, _AUTHOR),
    Projection(events.CommentReported, moderation_views.comment_reported, _AUTHOR),
    Projection(events.CommentAnonymized, moderation_views.comment_anonymized, user_actions.unfiled),
    Projection(events.UserBanned, moderation_views.user_banned, user_actions.filed_under_user),
    Projection(events.UserUnbanned, moderation_views.user_unbanned, user_actions.filed_under_user),
    Projection(events.ThreadLocked, moderation_views.thread_locked),
    Projection(events.ThreadUnlocked, moderation_views.thread_unlocked),
)


def decoded(stored: StoredEvent) -> LoggedEvent:
    """The stored event as its dataclass. Raises ``LookupError`` for a type the log should not
    hold, ``TypeError`` for a payload that does not fit its class."""
    event_class = EVENT_TYPES.get(stored.event_type)
    if event_class is None:
        raise LookupError(f"unknown event type {stored.event_type!r}")
    return event_class(**stored.payload)


async def project(ctx: ProjectionContext, stored: StoredEvent) -> None:
    """Apply one stored event: decoded once, handed to the entry for its type."""
    projection = APPLY.get(stored.event_type)
    if projection is None:
        raise LookupError(f"no projection for event type {stored.event_type!r}")
    await projection(ctx, decoded(stored), Logged.of(stored))
