"""Lock and unlock a thread: while locked, users may not add comments to the entity (staff may).
Locking a locked thread, or unlocking an open one, changes nothing."""

from __future__ import annotations

from threadline.application.command_runner import CommandContext, CommandPolicy, Decision
from threadline.application.ports.write import UnitOfWork
from threadline.domain.authorization import Action, ensure_allowed
from threadline.domain.commands import LockThread, UnlockThread
from threadline.domain.moderation import ThreadLock
from threadline.domain.rules import valid_entity_id, valid_entity_type, valid_reason


async def lock_thread(
    cmd: LockThread, ctx: CommandContext, uow: UnitOfWork, policy: CommandPolicy
) -> Decision:
    return await _set_locked(cmd.entity_type, cmd.entity_id, True, valid_reason(cmd.reason), ctx, uow)


async def unlock_thread(
    cmd: UnlockThread, ctx: CommandContext, uow: UnitOfWork, policy: CommandPolicy
) -> Decision:
    return await _set_locked(cmd.entity_type, cmd.entity_id, False, None, ctx, uow)


async def _set_locked(
    entity_type: str, entity_id: str, locked: bool, reason: str | None, ctx: CommandContext, uow: UnitOfWork
) -> Decision:
    actor = ctx.actor
    ensure_allowed(actor, Action.LOCK)
    entity_type, entity_id = valid_entity_type(entity_type), valid_entity_id(entity_id)
    current = await uow.moderation.thread_lock(actor.tenant_id, entity_type, entity_id)
    changed = ThreadLock.change(
        current, actor.tenant_id, entity_type, entity_id, locked=locked, reason=reason, now=ctx.now
    )
    if changed is None:
        return Decision(None)
    lock, change = changed
    await uow.moderation.save_thread_lock(lock, change.aggregate_version - 1)
    return Decision(None, [change])
