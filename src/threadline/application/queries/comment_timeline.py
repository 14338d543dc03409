"""A comment's timeline for staff: everything that happened to it, oldest first, from the event log.

The comment comes with it as a by-id read shows it to staff, in any status: a deleted comment
that left its thread is shown as its tombstone (the moderator is looking into why it went);
one erased without a trace is not found.

Likes are left out (they are readers' votes, not actions on the comment). The log is read as it
stands, so what a hard delete redacted (words, a report's or a deletion's reason) is ``None``
here too: erased content never comes back through the console. Each edit carries the word diff
against the text before it; the first edit of a page finds that text with one lookback read.
"""

from __future__ import annotations

from dataclasses import dataclass

from threadline.application.ports.cross_cutting import JsonObject
from threadline.application.ports.projection import EventReader, StoredEvent
from threadline.application.ports.query import CommentReader, ModerationReader
from threadline.application.queries.audit_trail import audit_cursor_position
from threadline.application.queries.liked_overlay import rows_with_likes
from threadline.domain.authorization import Action, ensure_allowed
from threadline.domain.errors import CommentNotFound
from threadline.domain.events import (
    EVENT_TYPES,
    CommentCreated,
    CommentLiked,
    CommentUnliked,
    CommentUpdated,
    DomainEvent,
)
from threadline.domain.identity import Actor
from threadline.domain.rules import valid_comment_id
from threadline.domain.text_diff import DiffOp, word_diff

# Every event about a comment but its likes.
TIMELINE_TYPES = frozenset(
    name
    for name, cls in EVENT_TYPES.items()
    if issubclass(cls, DomainEvent) and cls not in (CommentLiked, CommentUnliked)
)
TEXT_TYPES = frozenset({CommentCreated.event_type, CommentUpdated.event_type})


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    position: int
    event_type: str
    actor_id: str
    actor_role: str | None
    at: str
    reason: str | None
    content: str | None
    diff: list[DiffOp] | None  # edits only; empty when either text was erased


def _text(event: StoredEvent) -> str | None:
    content = event.payload.get("content")
    return content if isinstance(content, str) else None


def reason_of(event: StoredEvent) -> str | None:
    reason = event.payload.get("reason")
    return reason if isinstance(reason, str) and reason else None


def logged_at(event: StoredEvent) -> str:
    """When it happened (the command's clock), else when the log recorded it."""
    at = event.payload.get("occurred_at")
    return at if isinstance(at, str) and at else event.recorded_at


def actor_of(event: StoredEvent) -> str:
    return str(event.metadata.get("actor_id", ""))


async def comment_timeline(
    actor: Actor,
    comment_id: str,
    moderation: ModerationReader,
    comments: CommentReader,
    events: EventReader,
    *,
    cursor: str | None,
    limit: int,
) -> JsonObject:
    ensure_allowed(actor, Action.READ_ACTIVITY)
    after = audit_cursor_position(cursor)
    comment = await moderation.any_comment(actor.tenant_id, valid_comment_id(comment_id))
    if comment is None:
        raise CommentNotFound()
    found = await events.audit(
        actor.tenant_id,
        after_position=after,
        limit=limit + 1,
        comment_id=comment.id,
        event_types=TIMELINE_TYPES,
    )
    has_more = len(found) > limit
    found = found[:limit]
    previous = await _text_before(events, actor.tenant_id, comment.id, found)
    entries: list[TimelineEntry] = []
    for event in found:
        diff = None
        if event.event_type == CommentUpdated.event_type:
            diff = word_diff(previous, _text(event))
        if event.event_type in TEXT_TYPES:
            previous = _text(event)
        role = event.metadata.get("actor_role")
        entries.append(
            TimelineEntry(
                event.position,
                event.event_type,
                actor_of(event),
                role if isinstance(role, str) else None,
                logged_at(event),
                reason_of(event),
                _text(event) if event.event_type in TEXT_TYPES else None,
                diff,
            )
        )
    next_cursor = str(found[-1].position) if has_more and found else None
    [document] = await rows_with_likes([comment], actor.tenant_id, actor.user_id, comments)
    return {"comment": document, "data": entries, "meta": {"limit": limit, "next_cursor": next_cursor}}


async def _text_before(
    events: EventReader, tenant_id: str, comment_id: str, page: list[StoredEvent]
) -> str | None:
    """The comment's text just before the page, if the page's first text event is an edit."""
    first = next((event for event in page if event.event_type in TEXT_TYPES), None)
    if first is None or first.event_type != CommentUpdated.event_type:
        return None
    before = await events.audit(
        tenant_id,
        before_position=first.position,
        limit=1,
        comment_id=comment_id,
        event_types=TEXT_TYPES,
        newest_first=True,
    )
    return _text(before[0]) if before else None
