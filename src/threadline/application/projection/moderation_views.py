"""How moderation events change the read models: the queue, reports, bans, locks, and the
comment itself when a moderator publishes it, turns it down, or its author is anonymized."""

from __future__ import annotations

from threadline.application.ports.projection import LockEntry, QueueEntry
from threadline.application.projection.context import ACTIVE, PENDING, REJECTED, Logged, ProjectionContext
from threadline.application.projection.visibility import publish, take_down, touch
from threadline.domain.events import (
    CommentAnonymized,
    CommentApproved,
    CommentRejected,
    CommentReported,
    ThreadLocked,
    ThreadUnlocked,
    UserBanned,
    UserUnbanned,
)


async def comment_approved(ctx: ProjectionContext, event: CommentApproved, logged: Logged) -> None:
    tenant_id = logged.tenant_id
    await ctx.moderation.dequeue(tenant_id, event.comment_id)
    await ctx.moderation.clear_reports(tenant_id, event.comment_id)
    view = await ctx.views.get(tenant_id, event.comment_id)
    if view is None or view.status != PENDING:
        return  # a reported comment kept as it was: its reports are dismissed
    await ctx.views.update(
        tenant_id, event.comment_id, {"status": ACTIVE, "visible": True, "updated_at": event.occurred_at}
    )
    await publish(
        ctx, tenant_id, event.comment_id, view.entity_type, view.entity_id, view.parent_id, view.content
    )


async def comment_rejected(ctx: ProjectionContext, event: CommentRejected, logged: Logged) -> None:
    tenant_id = logged.tenant_id
    view = await ctx.views.get(tenant_id, event.comment_id)
    if view is None:
        return
    if view.status == ACTIVE:
        await take_down(ctx, tenant_id, event, view)  # taken down: the public sees it as deleted
        return
    await ctx.moderation.dequeue(tenant_id, event.comment_id)
    if view.status == PENDING:
        # Never shown; its author can still read what was turned down.
        await ctx.views.update(
            tenant_id, event.comment_id, {"status": REJECTED, "updated_at": event.occurred_at}
        )
        ctx.touched.comment(tenant_id, event.comment_id)


async def comment_reported(ctx: ProjectionContext, event: CommentReported, logged: Logged) -> None:
    tenant_id = logged.tenant_id
    view = await ctx.views.get(tenant_id, event.comment_id)
    if view is None or view.status != ACTIVE:
        return
    await ctx.moderation.add_report(
        tenant_id, event.comment_id, event.user_id, event.reason, event.occurred_at
    )
    entry = QueueEntry(
        tenant_id,
        event.comment_id,
        view.entity_type,
        view.entity_id,
        view.owner_id,
        logged.position,
        False,
    )
    await ctx.moderation.enqueue(entry, reported_at=event.occurred_at)


async def comment_anonymized(ctx: ProjectionContext, event: CommentAnonymized, logged: Logged) -> None:
    await ctx.views.update(
        logged.tenant_id,
        event.comment_id,
        {
            "owner_id": None,
            "author_id": None,
            "author_name": None,
            "author_avatar": None,
            "author_role": None,
        },
    )
    touch(ctx, logged.tenant_id, event)


async def user_banned(ctx: ProjectionContext, event: UserBanned, logged: Logged) -> None:
    await ctx.moderation.set_ban(
        logged.tenant_id, event.user_id, event.reason, event.expires_at, logged.actor_id, event.occurred_at
    )


async def user_unbanned(ctx: ProjectionContext, event: UserUnbanned, logged: Logged) -> None:
    await ctx.moderation.lift_ban(logged.tenant_id, event.user_id)


async def thread_locked(ctx: ProjectionContext, event: ThreadLocked, logged: Logged) -> None:
    lock = LockEntry(event.reason, logged.actor_id, event.occurred_at, logged.position)
    await _set_locked(ctx, event, logged, lock)


async def thread_unlocked(ctx: ProjectionContext, event: ThreadUnlocked, logged: Logged) -> None:
    await _set_locked(ctx, event, logged, None)


async def _set_locked(
    ctx: ProjectionContext, event: ThreadLocked | ThreadUnlocked, logged: Logged, lock: LockEntry | None
) -> None:
    await ctx.moderation.set_thread_locked(logged.tenant_id, event.entity_type, event.entity_id, lock)
    ctx.touched.thread(logged.tenant_id, event.entity_type, event.entity_id)
