"""Group commit: commands from concurrent callers applied together, one transaction for many.

A command's own cost is small next to what surrounds it: a transaction, the log lock, the commit
and its flush. So while one batch is being written, the commands that arrive wait, and the next
batch takes all of them (up to ``max_batch``) into one transaction:

* each command runs in a savepoint: one that fails (a reply to a missing parent, a banned user,
  a conflict) is undone alone and answered with its own error, the others carry on; a lost
  connection or an aborted transaction is the batch's failure, not the command's;
* the events of every command that succeeded are appended at the end, in one ``append_batch``:
  one log-lock acquisition, positions in the batch's order, held only for the insert and the
  commit (taken earlier, the lock would be held while later commands wait for row locks held
  by another process's batch, which waits for the log lock: a deadlock);
* one commit, one flush; only then does any caller hear its answer, so nobody is told of a
  command that was not stored, and a failed commit fails every caller of the batch (their
  runners retry each command alone).

A batch forms from what is already waiting: an idle request starts a writer at once and never
waits for a timer. Idempotency and the ordering of the log are the runner's and the log's, as
for a command alone: a create retried within one batch finds the first one's row and replays it.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager, nullcontext
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Self

from threadline.application.command_runner import (
    CommandContext,
    CommandOutcome,
    CommandPolicy,
    Decision,
    Handler,
    RunsAlone,
    event_metadata,
)
from threadline.application.ports.write import (
    CommentStore,
    EventAppender,
    EventGroup,
    ModerationStore,
    UnitOfWork,
    UnitOfWorkFactory,
)
from threadline.application.writer_turns import WriterTurns
from threadline.domain.events import EventMetadata, PendingEvent


@dataclass(slots=True)
class _Waiting:
    handler: Handler[Any]
    command: object
    ctx: CommandContext
    answer: asyncio.Future[CommandOutcome]


class CommandBatcher:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        policy: CommandPolicy,
        *,
        max_batch: int = 64,
        writers: int = 1,
        turns: WriterTurns | None = None,
        is_transient: Callable[[BaseException], bool] = lambda error: False,
    ) -> None:
        self._uow_factory = uow_factory
        self._is_transient = is_transient
        self._policy = policy
        self._max_batch = max(1, max_batch)
        self._max_writers = max(1, writers)
        self._turns = turns
        self._waiting: deque[_Waiting] = deque()
        self._writing = 0  # writers at work; counted by hand, so a writer that found the queue
        # empty is no longer counted by the time its last caller resumes and submits again
        self._writers: set[asyncio.Task[None]] = set()  # strong references to them
        self.batches = 0  # batches committed, for tests and benchmarks
        self.largest = 0

    async def run(self, handler: Handler[Any], command: object, ctx: CommandContext) -> CommandOutcome:
        """One attempt of one command, in the next batch; its own outcome or its own error."""
        answer: asyncio.Future[CommandOutcome] = asyncio.get_running_loop().create_future()
        self._waiting.append(_Waiting(handler, command, ctx, answer))
        if self._writing < self._max_writers:
            self._writing += 1
            writer = asyncio.create_task(self._write_while_waiting())
            self._writers.add(writer)
            writer.add_done_callback(self._writers.discard)
        return await answer  # a caller that gives up cancels only its own answer

    async def _write_while_waiting(self) -> None:
        try:
            while self._waiting:
                batch: list[_Waiting] = []
                while self._waiting and len(batch) < self._max_batch:
                    item = self._waiting.popleft()
                    if not item.answer.done():  # its caller went away before its turn
                        batch.append(item)
                if batch:
                    await self._write(batch)
        except asyncio.CancelledError:  # the loop is shutting down: nobody is left to answer
            for item in self._waiting:
                item.answer.cancel()
            raise
        finally:
            self._writing -= 1

    async def _write(self, batch: list[_Waiting]) -> None:
        try:
            turn = self._turns.turn() if self._turns is not None else nullcontext()
            async with turn:
                answers = await self._apply(batch)
        except Exception as error:  # the batch did not commit: nothing of it is stored
            for item in batch:
                if not item.answer.done():
                    item.answer.set_exception(error)
            return
        except BaseException:
            for item in batch:
                item.answer.cancel()
            raise
        self.batches += 1
        self.largest = max(self.largest, len(batch))
        for item, answer in zip(batch, answers, strict=True):
            if item.answer.done():
                continue
            if isinstance(answer, BaseException):
                item.answer.set_exception(answer)
            else:
                item.answer.set_result(answer)

    async def _apply(self, batch: list[_Waiting]) -> list[CommandOutcome | BaseException]:
        decisions: list[Decision | BaseException] = []
        async with self._uow_factory() as uow:
            shared = _BatchMember(uow)
            for item in batch:
                try:
                    async with uow.savepoint():
                        decisions.append(await item.handler(item.command, item.ctx, shared, self._policy))
                except Exception as error:
                    if self._is_transient(error):
                        # A lost connection or an aborted transaction is the batch's, not the
                        # command's: every caller hears it, and each retries alone.
                        raise
                    decisions.append(error)
            changed = [
                (index, EventGroup(item.ctx.actor.tenant_id, decision.events, event_metadata(item.ctx)))
                for index, (item, decision) in enumerate(zip(batch, decisions, strict=True))
                if isinstance(decision, Decision) and decision.events
            ]
            unchanged = any(isinstance(decision, Decision) and not decision.events for decision in decisions)
            head = await uow.events.head() if unchanged else 0
            positions = await uow.events.append_batch([group for _, group in changed]) if changed else []
            await uow.commit()
        position_of = {index: position for (index, _), position in zip(changed, positions, strict=True)}
        answers: list[CommandOutcome | BaseException] = []
        for index, decision in enumerate(decisions):
            if isinstance(decision, BaseException):
                answers.append(decision)
                continue
            # A command that changed nothing answers the head as it saw it: after every change
            # of this batch before it, which its decision may rest on.
            head = position_of.get(index, head)
            answers.append(
                CommandOutcome(
                    comment=decision.comment,
                    position=head,
                    changed=bool(decision.events),
                    created=decision.created,
                )
            )
        return answers


class _BatchEvents:
    """The log as a batched command's handler sees it: appends happen at the batch's end, so a
    command that would rewrite logged events is sent to run alone instead (``RunsAlone``)."""

    def __init__(self, log: EventAppender) -> None:
        self._log = log

    async def append(self, tenant_id: str, events: Sequence[PendingEvent], metadata: EventMetadata) -> int:
        raise RunsAlone()

    async def append_batch(self, groups: Sequence[EventGroup]) -> list[int]:
        raise RunsAlone()

    async def head(self) -> int:
        return await self._log.head()

    async def redact_comment(self, tenant_id: str, comment_id: str) -> None:
        raise RunsAlone()

    async def anonymize_comment(self, tenant_id: str, comment_id: str) -> None:
        raise RunsAlone()


class _BatchMember:
    """The batch's unit of work as one command's handler is given it: the same stores, the log
    as above, and no transaction control (the batch owns begin, savepoints and commit)."""

    comments: CommentStore
    moderation: ModerationStore
    events: EventAppender

    def __init__(self, uow: UnitOfWork) -> None:
        self.comments = uow.comments
        self.moderation = uow.moderation
        self.events = _BatchEvents(uow.events)

    async def __aenter__(self) -> Self:
        raise RunsAlone()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        return None

    async def commit(self) -> None:
        raise RunsAlone()

    def savepoint(self) -> AbstractAsyncContextManager[None]:
        raise RunsAlone()
