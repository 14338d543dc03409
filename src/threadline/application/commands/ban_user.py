"""Ban and unban a user within a tenant. A ban blocks their new comments, likes and edits until it
expires or is lifted; the same ban again (same reason and expiry) changes nothing."""

from __future__ import annotations

from threadline.application.command_runner import CommandContext, CommandPolicy, Decision
from threadline.application.ports.write import UnitOfWork
from threadline.domain.authorization import Action, ensure_allowed
from threadline.domain.commands import BanUser, UnbanUser
from threadline.domain.moderation import Ban, valid_expiry, valid_user_id
from threadline.domain.rules import valid_reason


async def ban_user(cmd: BanUser, ctx: CommandContext, uow: UnitOfWork, policy: CommandPolicy) -> Decision:
    actor = ctx.actor
    user_id = valid_user_id(cmd.user_id)
    ensure_allowed(actor, Action.BAN, user_id)
    reason = valid_reason(cmd.reason)
    expires_at = valid_expiry(cmd.expires_at, ctx.now)
    current = await uow.moderation.ban(actor.tenant_id, user_id)
    changed = Ban.impose(
        current, actor.tenant_id, user_id, reason=reason, expires_at=expires_at, by=actor.user_id, now=ctx.now
    )
    if changed is None:
        return Decision(None)
    ban, change = changed
    await uow.moderation.save_ban(ban, change.aggregate_version - 1)
    return Decision(None, [change])


async def unban_user(cmd: UnbanUser, ctx: CommandContext, uow: UnitOfWork, policy: CommandPolicy) -> Decision:
    actor = ctx.actor
    user_id = valid_user_id(cmd.user_id)
    ensure_allowed(actor, Action.BAN, user_id)
    current = await uow.moderation.ban(actor.tenant_id, user_id)
    change = current.lift(ctx.now) if current is not None else None
    if current is None or change is None:
        return Decision(None)
    await uow.moderation.save_ban(current, change.aggregate_version - 1)
    return Decision(None, [change])
