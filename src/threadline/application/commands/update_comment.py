"""Edit a comment's content; the same content again is a no-op, so a retry applies once."""

from __future__ import annotations

from threadline.application.command_runner import CommandContext, CommandPolicy, Decision
from threadline.application.commands.loading import ensure_actor_not_banned, saved, visible_comment
from threadline.application.ports.write import UnitOfWork
from threadline.domain.authorization import Action, ensure_allowed
from threadline.domain.commands import UpdateComment
from threadline.domain.rules import valid_content


async def update_comment(
    cmd: UpdateComment, ctx: CommandContext, uow: UnitOfWork, policy: CommandPolicy
) -> Decision:
    content = valid_content(cmd.content)
    comment = await visible_comment(uow, ctx.actor, cmd.comment_id)
    ensure_allowed(ctx.actor, Action.UPDATE, comment.author_id)
    comment.ensure_editable()  # a gone comment answers comment_deleted, whoever asks
    await ensure_actor_not_banned(uow, ctx.now, ctx.actor)
    return await saved(uow, comment, comment.edit(content, ctx.actor.user_id, ctx.now))
