"""Runs one command: one transaction, events appended with the write, retried on conflicts.

Commit happens here (or, for commands applied together, in ``command_batches``) and nowhere
else; every other exit rolls back. Wake-ups go out only after commit, so nothing is announced
that was not stored.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager, nullcontext
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeVar

from threadline.application.ports.cross_cutting import EventBus
from threadline.application.ports.write import UnitOfWork, UnitOfWorkFactory
from threadline.application.writer_turns import WriterTurns
from threadline.domain.clock import utc_now
from threadline.domain.comment import Comment
from threadline.domain.errors import ConcurrencyConflict
from threadline.domain.events import EventMetadata, PendingEvent
from threadline.domain.identity import Actor
from threadline.domain.tenant import TenantSettings

if TYPE_CHECKING:
    from threadline.application.command_batches import CommandBatcher


class RunsAlone(Exception):
    """Raised inside a batch by a command that rewrites logged events (a hard delete, an
    anonymization): a batch appends its events at its end, so such a command could miss events
    of the same batch. It is undone there and run in a transaction of its own."""


@dataclass(frozen=True, slots=True)
class CommandContext:
    actor: Actor
    correlation_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    command_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    now: str = field(default_factory=utc_now)
    tenant_settings: TenantSettings = field(default_factory=TenantSettings)


@dataclass(frozen=True, slots=True)
class CommandPolicy:
    max_reply_depth: int = 10


@dataclass(slots=True)
class Decision:
    """What a handler decided: the comment after the command, and the events that say so."""

    comment: Comment | None
    events: list[PendingEvent] = field(default_factory=list)
    created: bool = False


@dataclass(frozen=True, slots=True)
class CommandOutcome:
    comment: Comment | None
    position: int
    changed: bool
    created: bool


C = TypeVar("C")
Handler = Callable[[C, CommandContext, UnitOfWork, CommandPolicy], Awaitable[Decision]]


def event_metadata(ctx: CommandContext) -> EventMetadata:
    return EventMetadata(
        actor_id=ctx.actor.user_id,
        actor_role=ctx.actor.role.value,
        correlation_id=ctx.correlation_id,
        causation_id=ctx.command_id,
    )


@dataclass
class CommandRunner:
    uow_factory: UnitOfWorkFactory
    bus: EventBus
    policy: CommandPolicy
    retries: int = 5
    is_transient: Callable[[BaseException], bool] = lambda error: False
    # Applies commands from concurrent callers together (group commit); without it, or for a
    # retry, a command has a transaction of its own.
    batcher: CommandBatcher | None = None
    turns: WriterTurns | None = None  # the embedded default's one writer connection
    _alone: set[object] = field(default_factory=set)  # handlers that rewrite the log

    def _writer_turn(self) -> AbstractAsyncContextManager[None]:
        return self.turns.turn() if self.turns is not None else nullcontext()

    async def run(self, handler: Handler[C], command: C, ctx: CommandContext) -> CommandOutcome:
        """Retries conflicts and lost connections. Retrying is safe because every command is
        idempotent: creates by their id, every other command by the state it leads to.

        The first attempt joins a batch; a retry runs alone, so a command that conflicted or met
        a failed batch commit is decided by itself and cannot make a later batch fail again."""
        attempts = max(1, self.retries)
        for attempt in range(1, attempts + 1):
            try:
                outcome = await self._attempt(handler, command, ctx, first=attempt == 1)
            except ConcurrencyConflict:
                if attempt == attempts:
                    raise
                continue
            except Exception as error:
                if attempt == attempts or not self.is_transient(error):
                    raise
                await asyncio.sleep(0.05 * attempt)
                continue
            if outcome.changed:
                await self.bus.publish(outcome.position)
            return outcome
        raise AssertionError("unreachable")

    async def _attempt(
        self, handler: Handler[C], command: C, ctx: CommandContext, *, first: bool
    ) -> CommandOutcome:
        if first and self.batcher is not None and handler not in self._alone:
            try:
                return await self.batcher.run(handler, command, ctx)
            except RunsAlone:
                self._alone.add(handler)  # it rewrites the log: from now on it never joins a batch
        return await self._run_once(handler, command, ctx)

    async def _run_once(self, handler: Handler[C], command: C, ctx: CommandContext) -> CommandOutcome:
        async with self._writer_turn(), self.uow_factory() as uow:
            decision = await handler(command, ctx, uow, self.policy)
            if decision.events:
                position = await uow.events.append(ctx.actor.tenant_id, decision.events, event_metadata(ctx))
            else:
                position = await uow.events.head()
            await uow.commit()
        return CommandOutcome(
            comment=decision.comment,
            position=position,
            changed=bool(decision.events),
            created=decision.created,
        )
