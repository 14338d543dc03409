"""Like and unlike. Each (comment, user) like is its own tiny aggregate, so a popular comment
never turns concurrent likes into version conflicts; repeating either command is a no-op."""

from __future__ import annotations

from threadline.application.command_runner import CommandContext, CommandPolicy, Decision
from threadline.application.commands.loading import ensure_actor_not_banned, existing_comment, visible_comment
from threadline.application.ports.write import PendingEvent, UnitOfWork
from threadline.domain.authorization import Action, ensure_allowed
from threadline.domain.commands import LikeComment, UnlikeComment
from threadline.domain.comment import Comment
from threadline.domain.errors import CommentDeleted, CommentPending
from threadline.domain.events import CommentLiked, CommentUnliked
from threadline.domain.identity import Actor


async def _existing(uow: UnitOfWork, actor: Actor, comment_id: str, *, for_update: bool) -> Comment:
    return await existing_comment(uow, actor.tenant_id, comment_id, for_update=for_update)


def like_aggregate_id(comment_id: str, user_id: str) -> str:
    return f"{comment_id}/like/{user_id}"


async def _set_like(comment_id: str, liked: bool, ctx: CommandContext, uow: UnitOfWork) -> Decision:
    actor = ctx.actor
    # No row lock on the comment: concurrent likes of one comment must not queue behind it.
    # Withdrawing a like works on any comment that still exists, a taken-down one included.
    load = visible_comment if liked else _existing
    comment = await load(uow, actor, comment_id, for_update=False)
    ensure_allowed(actor, Action.LIKE, comment.author_id)
    if liked and comment.is_pending:
        raise CommentPending()
    if liked and not comment.is_live:
        raise CommentDeleted()
    if liked:
        await ensure_actor_not_banned(uow, ctx.now, actor)
    version = await uow.comments.set_like(actor.tenant_id, comment.id, actor.user_id, liked, ctx.now)
    if version is None:
        return Decision(comment)
    event_type = CommentLiked if liked else CommentUnliked
    event = event_type(
        comment_id=comment.id,
        entity_type=comment.entity_type,
        entity_id=comment.entity_id,
        occurred_at=ctx.now,
        user_id=actor.user_id,
    )
    aggregate_id = like_aggregate_id(comment.id, actor.user_id)
    return Decision(comment, [PendingEvent(event, aggregate_id, version)])


async def like_comment(
    cmd: LikeComment, ctx: CommandContext, uow: UnitOfWork, policy: CommandPolicy
) -> Decision:
    return await _set_like(cmd.comment_id, True, ctx, uow)


async def unlike_comment(
    cmd: UnlikeComment, ctx: CommandContext, uow: UnitOfWork, policy: CommandPolicy
) -> Decision:
    return await _set_like(cmd.comment_id, False, ctx, uow)
