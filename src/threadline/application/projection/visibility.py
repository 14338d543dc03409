"""How a comment enters and leaves the public thread, the steps several events share: a create
or an approval publishes it; a delete, a hard delete or a rejection takes it down.

Counters move with visibility, never separately: a published comment is counted, under its
parent's ``reply_count`` and searchable; a taken-down one is none of these, and leaves the tree
altogether once no visible reply hangs under it (the tombstone cascade).
"""

from __future__ import annotations

from threadline.application.ports.projection import ViewState
from threadline.application.projection.context import ACTIVE, DELETED, ProjectionContext
from threadline.domain.events import DomainEvent


async def publish(
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


async def take_down(ctx: ProjectionContext, tenant_id: str, event: DomainEvent, view: ViewState) -> None:
    """The words and the author go (the comment becomes a tombstone), it leaves the queue, the
    count and the search index, and it leaves the tree if nothing visible hangs under it."""
    await ctx.moderation.dequeue(tenant_id, event.comment_id)
    await ctx.moderation.clear_reports(tenant_id, event.comment_id)
    if view.status == ACTIVE:
        await ctx.views.adjust_stats(tenant_id, view.entity_type, view.entity_id, -1, 0)
    await ctx.views.update(
        tenant_id,
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
            "updated_at": event.occurred_at,
        },
    )
    await ctx.views.remove_from_search(tenant_id, event.comment_id)
    view.status = DELETED
    await hide_if_empty(ctx, view)
    touch(ctx, tenant_id, event)


async def hide_if_empty(ctx: ProjectionContext, view: ViewState) -> None:
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


def touch(ctx: ProjectionContext, tenant_id: str, event: DomainEvent) -> None:
    """The comment's page and its thread's pages are stale once the batch commits."""
    ctx.touched.thread(tenant_id, event.entity_type, event.entity_id)
    ctx.touched.comment(tenant_id, event.comment_id)
