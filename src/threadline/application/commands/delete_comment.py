"""Soft delete: the comment leaves the thread, or stays as a tombstone while it has replies."""

from __future__ import annotations

from threadline.application.command_runner import CommandContext, CommandPolicy, Decision
from threadline.application.commands.loading import saved, visible_comment
from threadline.application.ports.write import UnitOfWork
from threadline.domain.authorization import Action, ensure_allowed
from threadline.domain.commands import DeleteComment
from threadline.domain.rules import valid_reason


async def delete_comment(
    cmd: DeleteComment, ctx: CommandContext, uow: UnitOfWork, policy: CommandPolicy
) -> Decision:
    reason = valid_reason(cmd.reason)
    comment = await visible_comment(uow, ctx.actor, cmd.comment_id)
    ensure_allowed(ctx.actor, Action.DELETE, comment.author_id)
    return await saved(uow, comment, comment.delete(reason, ctx.now))
