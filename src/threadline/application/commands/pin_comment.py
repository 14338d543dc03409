"""Pin and unpin: staff only; pinned roots lead every sort. Repeating either is a no-op."""

from __future__ import annotations

from threadline.application.command_runner import CommandContext, CommandPolicy, Decision
from threadline.application.commands.loading import saved, visible_comment
from threadline.application.ports.write import UnitOfWork
from threadline.domain.authorization import Action, ensure_allowed
from threadline.domain.commands import PinComment, UnpinComment


async def pin_comment(
    cmd: PinComment, ctx: CommandContext, uow: UnitOfWork, policy: CommandPolicy
) -> Decision:
    ensure_allowed(ctx.actor, Action.PIN)
    comment = await visible_comment(uow, ctx.actor, cmd.comment_id)
    return await saved(uow, comment, comment.pin(ctx.now))


async def unpin_comment(
    cmd: UnpinComment, ctx: CommandContext, uow: UnitOfWork, policy: CommandPolicy
) -> Decision:
    ensure_allowed(ctx.actor, Action.PIN)
    comment = await visible_comment(uow, ctx.actor, cmd.comment_id)
    return await saved(uow, comment, comment.unpin(ctx.now))
