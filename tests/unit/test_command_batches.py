"""Group commit over the in-memory fakes: commands waiting together share one transaction, and
each caller gets its own answer. (The SQL savepoints and the log's ordering under real
concurrency are in tests/integration/test_group_commit.py.)"""

from __future__ import annotations

import asyncio

from tests.unit.handlers.harness import ADMIN, ALICE, BOB, Harness, new_id
from threadline.application.command_batches import CommandBatcher
from threadline.application.command_runner import CommandContext, CommandRunner
from threadline.application.commands.create_comment import create_comment
from threadline.application.commands.hard_delete_comment import hard_delete_comment
from threadline.application.commands.like_comment import like_comment
from threadline.domain.commands import CreateComment, HardDeleteComment, LikeComment
from threadline.domain.errors import ParentNotFound


def _create(parent_id: str | None = None, comment_id: str | None = None) -> CreateComment:
    return CreateComment(comment_id or new_id(), "post", "p1", "hello", parent_id=parent_id)


def _batched(h: Harness) -> tuple[CommandBatcher, CommandRunner]:
    batcher = CommandBatcher(h.db.uow, h.policy)
    return batcher, CommandRunner(uow_factory=h.db.uow, bus=h.bus, policy=h.policy, batcher=batcher)


async def test_commands_waiting_together_share_one_commit_and_keep_their_order() -> None:
    h = Harness()
    batcher, _ = _batched(h)
    commands = [_create() for _ in range(5)]
    outcomes = await asyncio.gather(
        *(batcher.run(create_comment, c, CommandContext(ALICE)) for c in commands)
    )
    assert h.db.commits == 1 and batcher.batches == 1 and batcher.largest == 5
    assert [o.position for o in outcomes] == [1, 2, 3, 4, 5]
    assert [e.comment_id for e in h.events] == [c.comment_id for c in commands]


async def test_a_lone_command_is_written_at_once() -> None:
    h = Harness()
    batcher, _ = _batched(h)
    outcome = await batcher.run(create_comment, _create(), CommandContext(ALICE))
    assert outcome.changed and batcher.batches == 1


async def test_a_failing_command_is_answered_alone_and_leaves_nothing_behind() -> None:
    h = Harness()
    batcher, _ = _batched(h)
    first, orphan, last = _create(), _create(parent_id=new_id()), _create()
    results = await asyncio.gather(
        *(batcher.run(create_comment, c, CommandContext(BOB)) for c in (first, orphan, last)),
        return_exceptions=True,
    )
    assert isinstance(results[1], ParentNotFound)
    assert h.db.commits == 1
    assert {e.comment_id for e in h.events} == {first.comment_id, last.comment_id}
    assert orphan.comment_id not in {key[1] for key in h.db.state.comments}


async def test_a_repeat_that_changed_nothing_answers_a_position_after_the_change_it_saw() -> None:
    h = Harness()
    target = await h.create(ALICE)
    batcher, _ = _batched(h)
    like, repeat = await asyncio.gather(
        batcher.run(like_comment, LikeComment(target.id), CommandContext(BOB)),
        batcher.run(like_comment, LikeComment(target.id), CommandContext(BOB)),
    )
    assert like.changed and not repeat.changed
    assert repeat.position == like.position


async def test_a_caller_that_gave_up_before_its_turn_has_nothing_applied() -> None:
    h = Harness()
    batcher, _ = _batched(h)
    kept, abandoned = _create(), _create()
    kept_task = asyncio.create_task(batcher.run(create_comment, kept, CommandContext(ALICE)))
    abandoned_task = asyncio.create_task(batcher.run(create_comment, abandoned, CommandContext(ALICE)))
    await asyncio.sleep(0)  # both queued; the writer has not run yet
    abandoned_task.cancel()
    await kept_task
    assert abandoned_task.cancelled()
    assert [e.comment_id for e in h.events] == [kept.comment_id]


async def test_a_command_that_rewrites_the_log_leaves_the_batch_and_runs_alone() -> None:
    h = Harness()
    target, other = await h.create(ALICE), await h.create(ALICE)
    batcher, runner = _batched(h)
    outcome = await runner.run(
        hard_delete_comment, HardDeleteComment(target.id, "asked"), CommandContext(ADMIN)
    )
    assert outcome.changed
    assert h.db.state.comments[(ALICE.tenant_id, target.id)].content is None
    assert batcher.batches == 1  # the batch it left committed nothing of it
    await runner.run(hard_delete_comment, HardDeleteComment(other.id, "asked too"), CommandContext(ADMIN))
    assert batcher.batches == 1, "once known to rewrite the log, it no longer joins batches"
