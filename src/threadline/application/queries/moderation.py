"""What moderators read: the queue of pending and reported comments, the banned users and the
locked threads; and what a signed-in reader sees of their own comments still awaiting approval."""

from __future__ import annotations

from threadline.application.ports.cross_cutting import JsonObject
from threadline.application.ports.query import CommentRow, ModerationReader
from threadline.application.queries.audit_trail import audit_cursor_position
from threadline.domain.authorization import Action, ensure_allowed
from threadline.domain.errors import InvalidQuery
from threadline.domain.identity import Actor

QUEUE_KINDS = ("pending", "reported")
UNPUBLISHED_SHOWN = 50


async def moderation_queue(
    actor: Actor, reader: ModerationReader, *, kind: str | None, cursor: str | None, limit: int
) -> JsonObject:
    """Oldest first, so nothing waits forever behind newer arrivals."""
    ensure_allowed(actor, Action.READ_QUEUE)
    if kind is not None and kind not in QUEUE_KINDS:
        raise InvalidQuery(f"kind must be one of {', '.join(QUEUE_KINDS)}", field="kind")
    items = await reader.queue(
        actor.tenant_id, kind=kind, after_seq=audit_cursor_position(cursor), limit=limit + 1
    )
    has_more = len(items) > limit
    items = items[:limit]
    next_cursor = str(items[-1].queued_seq) if has_more and items else None
    return {"data": items, "meta": {"limit": limit, "next_cursor": next_cursor}}


async def banned_users(
    actor: Actor, reader: ModerationReader, now: str, *, cursor: str | None, limit: int
) -> JsonObject:
    ensure_allowed(actor, Action.BAN)
    if cursor is not None and (len(cursor) > 256 or "\x00" in cursor):
        raise InvalidQuery("cursor must be the next_cursor of the previous page", field="cursor")
    bans = await reader.bans(actor.tenant_id, now, after_user=cursor or "", limit=limit + 1)
    has_more = len(bans) > limit
    bans = bans[:limit]
    return {
        "data": bans,
        "meta": {"limit": limit, "next_cursor": bans[-1].user_id if has_more else None},
    }


async def locked_threads(
    actor: Actor, reader: ModerationReader, *, cursor: str | None, limit: int
) -> JsonObject:
    """Newest lock first; the cursor is the log position of the last lock on the page."""
    ensure_allowed(actor, Action.READ_ACTIVITY)
    before = audit_cursor_position(cursor) or None
    locks = await reader.locks(actor.tenant_id, before_seq=before, limit=limit + 1)
    has_more = len(locks) > limit
    locks = locks[:limit]
    next_cursor = str(locks[-1].locked_seq) if has_more and locks else None
    return {"data": locks, "meta": {"limit": limit, "next_cursor": next_cursor}}


async def unpublished_for(
    actor: Actor, reader: ModerationReader, entity_type: str, entity_id: str
) -> list[CommentRow]:
    """A moderator sees every pending comment of the thread; anyone else only their own."""
    owner = None if actor.role.is_staff else actor.user_id
    return await reader.unpublished_in_thread(
        actor.tenant_id, entity_type, entity_id, owner, UNPUBLISHED_SHOWN
    )
