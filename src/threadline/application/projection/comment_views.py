"""How each comment event changes the comment read model: one small ``apply`` per event type.

Each takes the event already decoded into its ``domain.events`` class. Payload fields a hard
delete redacted arrive as ``None``; every function accepts that, so a rebuild from a redacted
log reaches the same read model as the live projection did.
"""

from __future__ import annotations

from threadline.application.client_comment import ClientComment, client_fields
from threadline.application.ports.projection import QueueEntry
from threadline.application.projection.context import ACTIVE, PENDING, Logged, ProjectionContext
from threadline.application.projection.visibility import publish, take_down, touch
from threadline.domain.events import (
    CommentCreated,
    CommentDeleted,
    CommentHardDeleted,
    CommentLiked,
    CommentPinned,
    CommentUnliked,
    CommentUnpinned,
    CommentUpdated,
)


async def comment_created(ctx: ProjectionContext, event: CommentCreated, logged: Logged) -> None:
    tenant_id, content = logged.tenant_id, event.content
    shown = ClientComment(
        id=event.comment_id,
        entity_type=event.entity_type,
        entity_id=event.entity_id,
        parent_id=event.parent_id,
        depth=event.depth,
        author_id=event.author_id,
        author_name=event.author_name,
        author_avatar=event.author_avatar,
        author_role=event.author_role,
        content=content,
        content_html=ctx.renderer.render(content, event.content_format) if content is not None else None,
        content_format=event.content_format,
        status=PENDING if event.pending else ACTIVE,
        is_pinned=False,
        is_edited=False,
        like_count=0,
        reply_count=0,
        view_count=await ctx.views.counted_views(tenant_id, event.comment_id),
        created_at=event.occurred_at,
        updated_at=event.occurred_at,
        edited_at=None,
    )
    await ctx.views.insert(
        {
            **client_fields(shown),
            # What only the server knows: the row's tenant, its place in the tree, its sort key,
            # whether the public sees it, and who owns it (kept when a tombstone hides the author).
            "tenant_id": tenant_id,
            "parent_key": event.parent_id or "",
            "path": event.path,
            "created_seq": logged.position,
            "visible": not event.pending,
            "owner_id": event.author_id,
        }
    )
    ctx.touched.comment(tenant_id, event.comment_id)
    if event.pending:
        entry = QueueEntry(
            tenant_id,
            event.comment_id,
            event.entity_type,
            event.entity_id,
            event.author_id,
            logged.position,
            pending=True,
        )
        await ctx.moderation.enqueue(entry, reported_at=None)
        return
    await publish(
        ctx, tenant_id, event.comment_id, event.entity_type, event.entity_id, event.parent_id, content
    )


async def comment_updated(ctx: ProjectionContext, event: CommentUpdated, logged: Logged) -> None:
    tenant_id = logged.tenant_id
    view = await ctx.views.get(tenant_id, event.comment_id)
    if view is None:
        return
    content = event.content
    await ctx.views.add_edit(
        {
            "tenant_id": tenant_id,
            "comment_id": event.comment_id,
            "position": logged.position,
            "previous_content": view.content,
            "new_content": content,
            "editor_id": event.editor_id,
            "edited_at": event.occurred_at,
        }
    )
    if view.status not in (ACTIVE, PENDING):
        return
    content_format = view.content_format
    await ctx.views.update(
        tenant_id,
        event.comment_id,
        {
            "content": content,
            "content_html": ctx.renderer.render(content, content_format) if content is not None else None,
            "is_edited": True,
            "edited_at": event.occurred_at,
            "updated_at": event.occurred_at,
        },
    )
    if view.status == PENDING:
        ctx.touched.comment(tenant_id, event.comment_id)  # not searchable until approved
        return
    await ctx.views.remove_from_search(tenant_id, event.comment_id)
    if content is not None:
        await ctx.views.index_for_search(
            tenant_id, event.comment_id, view.entity_type, view.entity_id, content
        )
    touch(ctx, tenant_id, event)


async def comment_deleted(ctx: ProjectionContext, event: CommentDeleted, logged: Logged) -> None:
    view = await ctx.views.get(logged.tenant_id, event.comment_id)
    if view is not None and view.status in (ACTIVE, PENDING):
        await take_down(ctx, logged.tenant_id, event, view)


async def comment_hard_deleted(ctx: ProjectionContext, event: CommentHardDeleted, logged: Logged) -> None:
    tenant_id = logged.tenant_id
    view = await ctx.views.get(tenant_id, event.comment_id)
    if view is None:
        return
    await ctx.views.purge_likes(tenant_id, event.comment_id)
    await ctx.views.purge_edits(tenant_id, event.comment_id)
    await ctx.views.update(
        tenant_id,
        event.comment_id,
        {"like_count": 0, "is_edited": False, "edited_at": None, "owner_id": None},
    )
    await take_down(ctx, tenant_id, event, view)
    if not view.visible or view.reply_count == 0:
        # Nothing hangs under it: the comment is gone for good, not even a tombstone remains.
        await ctx.views.delete(tenant_id, event.comment_id)


async def comment_liked(ctx: ProjectionContext, event: CommentLiked, logged: Logged) -> None:
    if await ctx.views.add_like(logged.tenant_id, event.comment_id, event.user_id):
        await ctx.views.add_like_count(logged.tenant_id, event.comment_id, 1)
        touch(ctx, logged.tenant_id, event)


async def comment_unliked(ctx: ProjectionContext, event: CommentUnliked, logged: Logged) -> None:
    if await ctx.views.remove_like(logged.tenant_id, event.comment_id, event.user_id):
        await ctx.views.add_like_count(logged.tenant_id, event.comment_id, -1)
        touch(ctx, logged.tenant_id, event)


async def comment_pinned(ctx: ProjectionContext, event: CommentPinned, logged: Logged) -> None:
    await _set_pinned(ctx, event, logged, True)


async def comment_unpinned(ctx: ProjectionContext, event: CommentUnpinned, logged: Logged) -> None:
    await _set_pinned(ctx, event, logged, False)


async def _set_pinned(
    ctx: ProjectionContext, event: CommentPinned | CommentUnpinned, logged: Logged, pinned: bool
) -> None:
    await ctx.views.update(
        logged.tenant_id, event.comment_id, {"is_pinned": pinned, "updated_at": event.occurred_at}
    )
    touch(ctx, logged.tenant_id, event)
