"""Anonymize a comment whose author is being erased: the words stay in the thread, the name, the
avatar and the ownership go, from the write model, every event payload and the read model."""

from __future__ import annotations

from threadline.application.command_runner import CommandContext, CommandPolicy, Decision
from threadline.application.commands.loading import existing_comment, saved
from threadline.application.ports.write import UnitOfWork
from threadline.domain.authorization import Action, ensure_allowed
from threadline.domain.commands import AnonymizeComment


async def anonymize_comment(
    cmd: AnonymizeComment, ctx: CommandContext, uow: UnitOfWork, policy: CommandPolicy
) -> Decision:
    ensure_allowed(ctx.actor, Action.ERASE_USER)
    comment = await existing_comment(uow, ctx.actor.tenant_id, cmd.comment_id)
    change = comment.anonymize(ctx.now)
    if change is not None:
        await uow.events.anonymize_comment(comment.tenant_id, comment.id)
    return await saved(uow, comment, change)
