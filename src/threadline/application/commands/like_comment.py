"""Like and unlike. Each (comment, user) like is its own tiny aggregate, so a popular comment
never turns concurrent likes into version conflicts; repeating either command is a no-op."""

from __future__ import annotations

from threadline.application.command_runner import CommandContext, CommandPolicy, Decision
from threadline.application.commands.loading import ensure_actor_not_banned, existing_comment, visible_comment
from threadline.application.ports.write import UnitOfWork
from threadline.domain.authorization import Action, ensure_allowed
from threadline.domain.commands import LikeComment, UnlikeComment
from threadline.domain.comment import Comment


async def like_comment(
    cmd: LikeComment, ctx: CommandContext, uow: UnitOfWork, policy: CommandPolicy
) -> Decision:
    actor = ctx.actor
    # No row lock on the comment: concurrent likes of one comment must not queue behind it.
    comment = await visible_comment(uow, actor, cmd.comment_id, for_update=False)
    ensure_allowed(actor, Action.LIKE, comment.author_id)
    comment.ensure_published()
    await ensure_actor_not_banned(uow, ctx.now, actor)
    return await _set_like(comment, True, ctx, uow)


async def unlike_comment(
    cmd: UnlikeComment, ctx: CommandContext, uow: UnitOfWork, policy: CommandPolicy
) -> Decision:
    # Withdrawing a like works on any comment that still exists, a taken-down one included.
    comment = await existing_comment(uow, ctx.actor.tenant_id, cmd.comment_id, for_update=False)
    ensure_allowed(ctx.actor, Action.LIKE, comment.author_id)
    return await _set_like(comment, False, ctx, uow)


async def _set_like(comment: Comment, liked: bool, ctx: CommandContext, uow: UnitOfWork) -> Decision:
    user_id = ctx.actor.user_id
    version = await uow.comments.set_like(ctx.actor.tenant_id, comment.id, user_id, liked, ctx.now)
    if version is None:
        return Decision(comment)
    return Decision(comment, [comment.like_changed(user_id, liked, version, ctx.now)])
