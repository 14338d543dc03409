"""Which actions the moderation console lists under a user: what was done to them (bans, unbans)
and to their comments by others or by staff (approvals, rejections, deletions by someone else,
pins, unpins, reports). Each is filed as its log position; the console reads the event itself
from the log, so a hard delete's redactions apply there as everywhere.

These run before the event's own apply function: a hard delete clears the comment's owner, and
the action must be filed under who the owner was.
"""

from __future__ import annotations

from threadline.application.projection.context import Logged, ProjectionContext
from threadline.domain.events import (
    CommentAnonymized,
    CommentDeleted,
    CommentHardDeleted,
    DomainEvent,
    UserBanned,
    UserUnbanned,
)

# Deleting one's own comment is the author's own doing, not an action on them.
BY_SOMEONE_ELSE = (CommentDeleted, CommentHardDeleted)


async def filed_under_author(ctx: ProjectionContext, event: DomainEvent, logged: Logged) -> None:
    view = await ctx.views.get(logged.tenant_id, event.comment_id)
    owner = view.owner_id if view is not None else None
    if owner is None or (isinstance(event, BY_SOMEONE_ELSE) and logged.actor_id == owner):
        return
    await ctx.moderation.file_user_action(logged.tenant_id, owner, logged.position, event.comment_id)


async def filed_under_user(ctx: ProjectionContext, event: UserBanned | UserUnbanned, logged: Logged) -> None:
    await ctx.moderation.file_user_action(logged.tenant_id, event.user_id, logged.position, "")


async def unfiled(ctx: ProjectionContext, event: CommentAnonymized, logged: Logged) -> None:
    """An anonymized comment is no longer anyone's: its actions leave its former author's list."""
    await ctx.moderation.unfile_comment_actions(logged.tenant_id, event.comment_id)
