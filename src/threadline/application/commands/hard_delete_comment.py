"""Erase a comment for good: write model, likes, history and event payloads lose its words.

The ``CommentHardDeleted`` event itself (who, when, why) stays as the audit record.
"""

from __future__ import annotations

from threadline.application.command_runner import CommandContext, CommandPolicy, Decision
from threadline.application.commands.loading import existing_comment, saved
from threadline.application.ports.write import UnitOfWork
from threadline.domain.authorization import Action, ensure_allowed
from threadline.domain.commands import HardDeleteComment
from threadline.domain.rules import valid_reason


async def hard_delete_comment(
    cmd: HardDeleteComment, ctx: CommandContext, uow: UnitOfWork, policy: CommandPolicy
) -> Decision:
    reason = valid_reason(cmd.reason, required=True)
    assert reason is not None
    ensure_allowed(ctx.actor, Action.HARD_DELETE)
    comment = await existing_comment(uow, ctx.actor.tenant_id, cmd.comment_id)
    decision = await saved(uow, comment, comment.hard_delete(reason, ctx.now))
    await uow.comments.purge(comment.tenant_id, comment.id)
    await uow.events.redact_comment(comment.tenant_id, comment.id)
    return decision
