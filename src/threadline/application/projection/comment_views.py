"""How each event changes the comment read model: one small ``apply`` per event type.

Payload fields a hard delete redacted arrive as ``None``; every function accepts that, so a
rebuild from a redacted log reaches the same read model as the live projection did.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from threadline.application.ports.projection import (
    CommentViewWriter,
    ContentRenderer,
    ModerationViewWriter,
    QueueEntry,
    StoredEvent,
    ViewState,
)
from threadline.application.queries.cache_scopes import comment_scope, thread_scope

ACTIVE, DELETED, PENDING = "ACTIVE", "DELETED", "PENDING"


@dataclass
class Touched:
    """Cache scopes an applied batch changed; bumped only after the batch commits."""

    scopes: set[str] = field(default_factory=set)

    def thread(self, tenant_id: str, entity_type: str, entity_id: str) -> None:
        self.scopes.add(thread_scope(tenant_id, entity_type, entity_id))

    def comment(self, tenant_id: str, comment_id: str) -> None:
        self.scopes.add(comment_scope(tenant_id, comment_id))


@dataclass
class ProjectionContext:
    views: CommentViewWriter
    moderation: ModerationViewWriter
    renderer: ContentRenderer
    touched: Touched


def _text(payload: dict[str, object], key: str) -> str | None:
    value = payload.get(key)
    return value if isinstance(value, str) else None


async def _hide_if_empty(ctx: ProjectionContext, view: ViewState) -> None:
    """A deleted comment with no visible replies leaves the tree, and may take its parent along."""
    current: ViewState | None = view
    while current is not None and current.status == DELETED and current.visible and current.reply_count == 0:
        await ctx.views.update(current.tenant_id, current.id, {"visible": False})
        ctx.touched.comment(current.tenant_id, current.id)
        if current.parent_id is None:
            await ctx.views.adjust_stats(current.tenant_id, current.entity_type, current.entity_id, 0, -1)
            return
        await ctx.views.add_reply_count(current.tenant_id, current.parent_id, -1)
        ctx.touched.comment(current.tenant_id, current.parent_id)
        current = await ctx.views.get(current.tenant_id, current.parent_id)


async def comment_created(ctx: ProjectionContext, event: StoredEvent) -> None:
    p = event.payload
    content = _text(p, "content")
    content_format = str(p["content_format"])
    parent_id = _text(p, "parent_id")
    pending = bool(p.get("pending", False))
    await ctx.views.insert(
        {
            "tenant_id": event.tenant_id,
            "id": event.comment_id,
            "entity_type": p["entity_type"],
            "entity_id": p["entity_id"],
            "parent_id": parent_id,
            "parent_key": parent_id or "",
            "depth": p["depth"],
            "path": p["path"],
            "created_seq": event.position,
            "owner_id": p["author_id"],
            "author_id": p["author_id"],
            "author_name": p.get("author_name"),
            "author_avatar": p.get("author_avatar"),
            "author_role": p.get("author_role"),
            "content": content,
            "content_html": ctx.renderer.render(content, content_format) if content is not None else None,
            "content_format": content_format,
            "status": PENDING if pending else ACTIVE,
            "visible": not pending,
            "is_pinned": False,
            "is_edited": False,
            "like_count": 0,
            "reply_count": 0,
            "view_count": await ctx.views.counted_views(event.tenant_id, event.comment_id),
            "created_at": p["occurred_at"],
            "updated_at": p["occurred_at"],
            "edited_at": None,
        }
    )
    ctx.touched.comment(event.tenant_id, event.comment_id)
    if pending:
        entry = QueueEntry(
            event.tenant_id,
            event.comment_id,
            str(p["entity_type"]),
            str(p["entity_id"]),
            _text(p, "author_id"),
            event.position,
            pending=True,
        )
        await ctx.moderation.enqueue(entry, reported_at=None)
        return
    await _publish(
        ctx, event.tenant_id, event.comment_id, str(p["entity_type"]), str(p["entity_id"]), parent_id, content
    )


async def _publish(
    ctx: ProjectionContext,
    tenant_id: str,
    comment_id: str,
    entity_type: str,
    entity_id: str,
    parent_id: str | None,
    content: str | None,
) -> None:
    """The comment enters the public thread: counted, under its parent, searchable."""
    await ctx.views.adjust_stats(tenant_id, entity_type, entity_id, 1, 1 if parent_id is None else 0)
    if parent_id is not None:
        await ctx.views.add_reply_count(tenant_id, parent_id, 1)
        ctx.touched.comment(tenant_id, parent_id)
    if content is not None:
        await ctx.views.index_for_search(tenant_id, comment_id, entity_type, entity_id, content)
    ctx.touched.thread(tenant_id, entity_type, entity_id)
    ctx.touched.comment(tenant_id, comment_id)


async def comment_updated(ctx: ProjectionContext, event: StoredEvent) -> None:
    view = await ctx.views.get(event.tenant_id, event.comment_id)
    if view is None:
        return
    p = event.payload
    content = _text(p, "content")
    await ctx.views.add_edit(
        {
            "tenant_id": event.tenant_id,
            "comment_id": event.comment_id,
            "position": event.position,
            "previous_content": view.content,
            "new_content": content,
            "editor_id": p["editor_id"],
            "edited_at": p["occurred_at"],
        }
    )
    if view.status not in (ACTIVE, PENDING):
        return
    content_format = view.content_format
    await ctx.views.update(
        event.tenant_id,
        event.comment_id,
        {
            "content": content,
            "content_html": ctx.renderer.render(content, content_format) if content is not None else None,
            "is_edited": True,
            "edited_at": p["occurred_at"],
            "updated_at": p["occurred_at"],
        },
    )
    if view.status == PENDING:
        ctx.touched.comment(event.tenant_id, event.comment_id)  # not searchable until approved
        return
    await ctx.views.remove_from_search(event.tenant_id, event.comment_id)
    if content is not None:
        await ctx.views.index_for_search(
            event.tenant_id, event.comment_id, view.entity_type, view.entity_id, content
        )
    _touch(ctx, event)


async def _remove_content(ctx: ProjectionContext, event: StoredEvent, view: ViewState) -> None:
    await ctx.moderation.dequeue(event.tenant_id, event.comment_id)
    await ctx.moderation.clear_reports(event.tenant_id, event.comment_id)
    if view.status == ACTIVE:
        await ctx.views.adjust_stats(event.tenant_id, view.entity_type, view.entity_id, -1, 0)
    await ctx.views.update(
        event.tenant_id,
        event.comment_id,
        {
            "status": DELETED,
            "content": None,
            "content_html": None,
            "author_id": None,
            "author_name": None,
            "author_avatar": None,
            "author_role": None,
            "is_pinned": False,
            "updated_at": event.payload["occurred_at"],
        },
    )
    await ctx.views.remove_from_search(event.tenant_id, event.comment_id)
    view.status = DELETED
    await _hide_if_empty(ctx, view)
    _touch(ctx, event)


async def comment_deleted(ctx: ProjectionContext, event: StoredEvent) -> None:
    view = await ctx.views.get(event.tenant_id, event.comment_id)
    if view is not None and view.status in (ACTIVE, PENDING):
        await _remove_content(ctx, event, view)


async def comment_hard_deleted(ctx: ProjectionContext, event: StoredEvent) -> None:
    view = await ctx.views.get(event.tenant_id, event.comment_id)
    if view is None:
        return
    await ctx.views.purge_likes(event.tenant_id, event.comment_id)
    await ctx.views.purge_edits(event.tenant_id, event.comment_id)
    await ctx.views.update(
        event.tenant_id,
        event.comment_id,
        {"like_count": 0, "is_edited": False, "edited_at": None, "owner_id": None},
    )
    await _remove_content(ctx, event, view)
    if not view.visible or view.reply_count == 0:
        # Nothing hangs under it: the comment is gone for good, not even a tombstone remains.
        await ctx.views.delete(event.tenant_id, event.comment_id)


async def comment_liked(ctx: ProjectionContext, event: StoredEvent) -> None:
    user_id = str(event.payload["user_id"])
    if await ctx.views.add_like(event.tenant_id, event.comment_id, user_id):
        await ctx.views.add_like_count(event.tenant_id, event.comment_id, 1)
        _touch(ctx, event)


async def comment_unliked(ctx: ProjectionContext, event: StoredEvent) -> None:
    user_id = str(event.payload["user_id"])
    if await ctx.views.remove_like(event.tenant_id, event.comment_id, user_id):
        await ctx.views.add_like_count(event.tenant_id, event.comment_id, -1)
        _touch(ctx, event)


async def comment_pinned(ctx: ProjectionContext, event: StoredEvent) -> None:
    await _set_pinned(ctx, event, True)


async def comment_unpinned(ctx: ProjectionContext, event: StoredEvent) -> None:
    await _set_pinned(ctx, event, False)


async def _set_pinned(ctx: ProjectionContext, event: StoredEvent, pinned: bool) -> None:
    await ctx.views.update(
        event.tenant_id, event.comment_id, {"is_pinned": pinned, "updated_at": event.payload["occurred_at"]}
    )
    _touch(ctx, event)


def _touch(ctx: ProjectionContext, event: StoredEvent) -> None:
    ctx.touched.thread(event.tenant_id, str(event.payload["entity_type"]), str(event.payload["entity_id"]))
    ctx.touched.comment(event.tenant_id, event.comment_id)


Apply = Callable[[ProjectionContext, StoredEvent], Awaitable[None]]

APPLY: dict[str, Apply] = {
    "CommentCreated": comment_created,
    "CommentUpdated": comment_updated,
    "CommentDeleted": comment_deleted,
    "CommentHardDeleted": comment_hard_deleted,
    "CommentLiked": comment_liked,
    "CommentUnliked": comment_unliked,
    "CommentPinned": comment_pinned,
    "CommentUnpinned": comment_unpinned,
}
