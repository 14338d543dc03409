"""Report a comment to the moderators. Each user reports a comment once; a repeat changes nothing.
Each (comment, reporter) report is its own aggregate, so reports never contend with edits."""

from __future__ import annotations

from threadline.application.command_runner import CommandContext, CommandPolicy, Decision
from threadline.application.commands.loading import visible_comment
from threadline.application.ports.write import UnitOfWork
from threadline.domain.authorization import Action, ensure_allowed
from threadline.domain.commands import ReportComment
from threadline.domain.rules import valid_reason


async def report_comment(
    cmd: ReportComment, ctx: CommandContext, uow: UnitOfWork, policy: CommandPolicy
) -> Decision:
    actor = ctx.actor
    reason = valid_reason(cmd.reason, required=True)
    assert reason is not None
    comment = await visible_comment(uow, actor, cmd.comment_id, for_update=False)
    ensure_allowed(actor, Action.REPORT, comment.author_id)
    comment.ensure_published()  # a pending comment is already in front of the moderators
    if not await uow.moderation.add_report(actor.tenant_id, comment.id, actor.user_id, reason, ctx.now):
        return Decision(comment)
    return Decision(comment, [comment.reported(actor.user_id, reason, ctx.now)])
