"""A user as the moderation console sees them: their comments, their ban, and the actions taken
on them and on their comments, each newest first and paged by an opaque cursor.

The actions are found through the projector's index (``user_actions``: the user and the log
position, one range scan per page) and then read from the log by those positions, so a page
costs two indexed reads however long the log is, and what a hard delete redacted stays redacted.
"""

from __future__ import annotations

from dataclasses import dataclass

from threadline.application.ports.cross_cutting import JsonObject
from threadline.application.ports.projection import EventReader
from threadline.application.ports.query import CommentReader, ModerationReader
from threadline.application.queries.audit_trail import audit_cursor_position
from threadline.application.queries.comment_timeline import actor_of, logged_at, reason_of
from threadline.application.queries.liked_overlay import rows_with_likes
from threadline.domain.authorization import Action, ensure_allowed
from threadline.domain.identity import Actor
from threadline.domain.moderation import valid_user_id


@dataclass(frozen=True, slots=True)
class UserAction:
    position: int
    event_type: str
    actor_id: str
    at: str
    comment_id: str | None  # None for an action on the user (a ban, an unban)
    reason: str | None


def _page(limit: int, positions: list[int]) -> tuple[list[int], str | None]:
    has_more = len(positions) > limit
    positions = positions[:limit]
    return positions, str(positions[-1]) if has_more and positions else None


async def user_comments(
    actor: Actor,
    user_id: str,
    moderation: ModerationReader,
    comments: CommentReader,
    now: str,
    *,
    cursor: str | None,
    limit: int,
) -> JsonObject:
    """Their comments in any status (deleted ones as tombstones; erased ones are no longer
    theirs), with the ban in force on them, if any."""
    ensure_allowed(actor, Action.READ_ACTIVITY, user_id)
    valid_user_id(user_id)
    before = audit_cursor_position(cursor) or None
    rows = await moderation.comments_of(actor.tenant_id, user_id, before_seq=before, limit=limit + 1)
    seqs, next_cursor = _page(limit, [row.created_seq for row in rows])
    documents = await rows_with_likes(rows[: len(seqs)], actor.tenant_id, actor.user_id, comments)
    return {
        "ban": await moderation.ban_of(actor.tenant_id, user_id, now),
        "data": documents,
        "meta": {"limit": limit, "next_cursor": next_cursor},
    }


async def user_actions(
    actor: Actor,
    user_id: str,
    moderation: ModerationReader,
    events: EventReader,
    *,
    cursor: str | None,
    limit: int,
) -> JsonObject:
    ensure_allowed(actor, Action.READ_ACTIVITY, user_id)
    valid_user_id(user_id)
    before = audit_cursor_position(cursor) or None
    found = await moderation.user_action_positions(actor.tenant_id, user_id, before=before, limit=limit + 1)
    positions, next_cursor = _page(limit, found)
    logged = await events.at_positions(actor.tenant_id, positions)
    actions = [
        UserAction(
            event.position,
            event.event_type,
            actor_of(event),
            logged_at(event),
            event.comment_id or None,
            reason_of(event),
        )
        for event in reversed(logged)
    ]
    return {"data": actions, "meta": {"limit": limit, "next_cursor": next_cursor}}
