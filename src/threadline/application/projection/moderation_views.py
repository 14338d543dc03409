"""How moderation events change the read models: the queue, reports, bans, locks, and the
comment itself when a moderator publishes it, turns it down, or its author is anonymized."""

from __future__ import annotations

from threadline.application.ports.projection import QueueEntry, StoredEvent
from threadline.application.projection.comment_views import (
    ACTIVE,
    PENDING,
    Apply,
    ProjectionContext,
    _publish,
    _remove_content,
    _text,
    _touch,
)
from threadline.application.projection.comment_views import (
    APPLY as COMMENT_APPLY,
)

REJECTED = "REJECTED"


async def comment_approved(ctx: ProjectionContext, event: StoredEvent) -> None:
    await ctx.moderation.dequeue(event.tenant_id, event.comment_id)
    await ctx.moderation.clear_reports(event.tenant_id, event.comment_id)
    view = await ctx.views.get(event.tenant_id, event.comment_id)
    if view is None or view.status != PENDING:
        return  # a reported comment kept as it was: its reports are dismissed
    await ctx.views.update(
        event.tenant_id,
        event.comment_id,
        {"status": ACTIVE, "visible": True, "updated_at": event.payload["occurred_at"]},
    )
    await _publish(
        ctx, event.tenant_id, event.comment_id, view.entity_type, view.entity_id, view.parent_id, view.content
    )


async def comment_rejected(ctx: ProjectionContext, event: StoredEvent) -> None:
    view = await ctx.views.get(event.tenant_id, event.comment_id)
    if view is None:
        return
    if view.status == ACTIVE:
        await _remove_content(ctx, event, view)  # taken down: the public sees it as deleted
        return
    await ctx.moderation.dequeue(event.tenant_id, event.comment_id)
    if view.status == PENDING:
        # Never shown; its author can still read what was turned down.
        await ctx.views.update(
            event.tenant_id,
            event.comment_id,
            {"status": REJECTED, "updated_at": event.payload["occurred_at"]},
        )
        ctx.touched.comment(event.tenant_id, event.comment_id)


async def comment_reported(ctx: ProjectionContext, event: StoredEvent) -> None:
    view = await ctx.views.get(event.tenant_id, event.comment_id)
    if view is None or view.status != ACTIVE:
        return
    user_id, at = str(event.payload["user_id"]), str(event.payload["occurred_at"])
    await ctx.moderation.add_report(
        event.tenant_id, event.comment_id, user_id, _text(event.payload, "reason"), at
    )
    entry = QueueEntry(
        event.tenant_id,
        event.comment_id,
        view.entity_type,
        view.entity_id,
        view.owner_id,
        event.position,
        False,
    )
    await ctx.moderation.enqueue(entry, reported_at=at)


async def comment_anonymized(ctx: ProjectionContext, event: StoredEvent) -> None:
    await ctx.views.update(
        event.tenant_id,
        event.comment_id,
        {
            "owner_id": None,
            "author_id": None,
            "author_name": None,
            "author_avatar": None,
            "author_role": None,
        },
    )
    _touch(ctx, event)


async def user_banned(ctx: ProjectionContext, event: StoredEvent) -> None:
    p = event.payload
    await ctx.moderation.set_ban(
        event.tenant_id,
        str(p["user_id"]),
        _text(p, "reason"),
        _text(p, "expires_at"),
        str(event.metadata.get("actor_id", "")),
        str(p["occurred_at"]),
    )


async def user_unbanned(ctx: ProjectionContext, event: StoredEvent) -> None:
    await ctx.moderation.lift_ban(event.tenant_id, str(event.payload["user_id"]))


async def thread_locked(ctx: ProjectionContext, event: StoredEvent) -> None:
    await _set_locked(ctx, event, True)


async def thread_unlocked(ctx: ProjectionContext, event: StoredEvent) -> None:
    await _set_locked(ctx, event, False)


async def _set_locked(ctx: ProjectionContext, event: StoredEvent, locked: bool) -> None:
    entity_type, entity_id = str(event.payload["entity_type"]), str(event.payload["entity_id"])
    await ctx.moderation.set_thread_locked(event.tenant_id, entity_type, entity_id, locked)
    ctx.touched.thread(event.tenant_id, entity_type, entity_id)


APPLY: dict[str, Apply] = {
    **COMMENT_APPLY,
    "CommentApproved": comment_approved,
    "CommentRejected": comment_rejected,
    "CommentReported": comment_reported,
    "CommentAnonymized": comment_anonymized,
    "UserBanned": user_banned,
    "UserUnbanned": user_unbanned,
    "ThreadLocked": thread_locked,
    "ThreadUnlocked": thread_unlocked,
}
