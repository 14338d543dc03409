"""Ban and unban a user within a tenant. A ban blocks their new comments, likes and edits until it
expires or is lifted; the same ban again (same reason and expiry) changes nothing."""

from __future__ import annotations

from threadline.application.command_runner import CommandContext, CommandPolicy, Decision
from threadline.application.ports.write import PendingEvent, UnitOfWork
from threadline.domain.authorization import Action, ensure_allowed
from threadline.domain.commands import BanUser, UnbanUser
from threadline.domain.events import UserBanned, UserUnbanned
from threadline.domain.moderation import Ban, valid_expiry, valid_user_id
from threadline.domain.rules import valid_reason


def ban_aggregate_id(user_id: str) -> str:
    return f"user/{user_id}/ban"


async def ban_user(cmd: BanUser, ctx: CommandContext, uow: UnitOfWork, policy: CommandPolicy) -> Decision:
    actor = ctx.actor
    user_id = valid_user_id(cmd.user_id)
    ensure_allowed(actor, Action.BAN, user_id)
    reason = valid_reason(cmd.reason)
    expires_at = valid_expiry(cmd.expires_at, ctx.now)
    current = await uow.moderation.ban(actor.tenant_id, user_id)
    if (
        current is not None
        and current.in_force(ctx.now)
        and (current.reason, current.expires_at)
        == (
            reason,
            expires_at,
        )
    ):
        return Decision(None)
    version = current.version + 1 if current else 1
    ban = Ban(actor.tenant_id, user_id, True, reason, expires_at, actor.user_id, version, ctx.now)
    await uow.moderation.save_ban(ban, current.version if current else 0)
    event = UserBanned(user_id=user_id, occurred_at=ctx.now, reason=reason, expires_at=expires_at)
    return Decision(None, [PendingEvent(event, ban_aggregate_id(user_id), version)])


async def unban_user(cmd: UnbanUser, ctx: CommandContext, uow: UnitOfWork, policy: CommandPolicy) -> Decision:
    actor = ctx.actor
    user_id = valid_user_id(cmd.user_id)
    ensure_allowed(actor, Action.BAN, user_id)
    current = await uow.moderation.ban(actor.tenant_id, user_id)
    if current is None or not current.active:
        return Decision(None)
    expected = current.version
    current.active = False
    current.version += 1
    current.updated_at = ctx.now
    await uow.moderation.save_ban(current, expected)
    event = UserUnbanned(user_id=user_id, occurred_at=ctx.now)
    return Decision(None, [PendingEvent(event, ban_aggregate_id(user_id), current.version)])
