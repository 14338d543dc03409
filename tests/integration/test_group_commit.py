"""Group commit: many callers' commands in one transaction, each answered on its own.

Commands started together (``asyncio.gather``) are all waiting when the batch's writer first
runs, so they form one batch; each test checks that they did.
"""

from __future__ import annotations

import asyncio
import uuid

import pytest

from tests.conftest import ActorFactory
from tests.integration.helpers import post, run, scalar
from threadline.adapters.sql.unit_of_work import SqlUnitOfWork, SqlUnitOfWorkFactory
from threadline.application.command_batches import CommandBatcher
from threadline.application.command_runner import (
    CommandContext,
    CommandOutcome,
    CommandPolicy,
    Decision,
)
from threadline.application.commands.ban_user import ban_user
from threadline.application.commands.create_comment import create_comment
from threadline.application.commands.hard_delete_comment import hard_delete_comment
from threadline.application.commands.like_comment import like_comment
from threadline.application.ports.write import UnitOfWork
from threadline.application.queries.read_your_writes import wait_for_position
from threadline.bootstrap import Threadline
from threadline.domain.commands import BanUser, CreateComment, HardDeleteComment, LikeComment
from threadline.domain.errors import DomainError, ErrorKind, ParentNotFound, UserIsBanned
from threadline.domain.identity import Role


def _create(
    parent_id: str | None = None, content: str = "hello", comment_id: str | None = None
) -> CreateComment:
    return CreateComment(comment_id or str(uuid.uuid4()), "post", "p1", content, parent_id=parent_id)


def _batcher(container: Threadline) -> CommandBatcher:
    batcher = container.runner.batcher
    assert batcher is not None, "the container applies commands in batches"
    return batcher


class Refused(DomainError):
    kind = ErrorKind.CONFLICT
    code = "refused_after_writing"
    title = "Refused after writing"


async def create_then_refuse(
    cmd: CreateComment, ctx: CommandContext, uow: UnitOfWork, policy: CommandPolicy
) -> Decision:
    """A command that writes its comment and only then fails: its savepoint must undo the row."""
    await create_comment(cmd, ctx, uow, policy)
    raise Refused()


async def test_one_failing_command_fails_alone_and_the_others_get_their_own_answers(
    container: Threadline, make_actor: ActorFactory
) -> None:
    alice, bob, mia = make_actor("alice"), make_actor("bob"), make_actor("mia", Role.MODERATOR)
    parent = await post(container, alice, "ask me")
    await run(container, mia, ban_user, BanUser("banned"))
    banned = make_actor("banned")
    batches = _batcher(container).batches

    reply, orphan, refused, by_banned = (
        _create(parent, "a reply"),
        _create(str(uuid.uuid4())),
        _create(),
        _create(),
    )
    results = await asyncio.gather(
        run(container, bob, create_comment, reply),
        run(container, bob, create_comment, orphan),
        run(container, alice, create_then_refuse, refused),
        run(container, bob, like_comment, LikeComment(parent)),
        run(container, banned, create_comment, by_banned),
        run(container, alice, create_comment, _create(content="another root")),
        return_exceptions=True,
    )
    assert _batcher(container).batches == batches + 1, "the six commands formed one batch"
    replied, missing, refusal, liked, ban_refusal, root = results
    assert isinstance(missing, ParentNotFound)
    assert isinstance(refusal, Refused)
    assert isinstance(ban_refusal, UserIsBanned)
    assert isinstance(replied, CommandOutcome) and isinstance(liked, CommandOutcome)
    assert isinstance(root, CommandOutcome)
    assert replied.comment is not None and replied.comment.id == reply.comment_id
    assert liked.changed and root.changed

    # Each caller's own position, in the batch's order, and the event at it is its own.
    positions = [replied.position, liked.position, root.position]
    assert positions == sorted(positions) and len(set(positions)) == 3
    logged = {e.position: e for e in await container.events.read_after(positions[0] - 1, 10)}
    assert sorted(logged) == positions, "nothing of the failed commands is in the log"
    assert logged[replied.position].comment_id == reply.comment_id
    assert logged[liked.position].event_type == "CommentLiked"
    for failed in (orphan, refused, by_banned):
        stored = await scalar(container, "SELECT count(*) FROM comments WHERE id = :id", id=failed.comment_id)
        assert stored == 0, "a failed command's writes are undone by its savepoint"

    await container.projector.catch_up()
    node = await container.reader.by_id(alice.tenant_id, parent)
    assert node is not None and node.reply_count == 1 and node.like_count == 1


async def test_duplicates_of_one_create_in_a_batch_apply_once(
    container: Threadline, make_actor: ActorFactory
) -> None:
    alice = make_actor("alice")
    command = _create(content="said once")
    batches = _batcher(container).batches
    outcomes = await asyncio.gather(*(run(container, alice, create_comment, command) for _ in range(5)))
    assert _batcher(container).batches == batches + 1
    assert [o.changed for o in outcomes] == [True, False, False, False, False]
    assert {o.comment.id for o in outcomes if o.comment is not None} == {command.comment_id}
    # The repeats answer a position at or after the create they replayed, so a read at it sees it.
    assert all(o.position >= outcomes[0].position for o in outcomes)
    created = "SELECT count(*) FROM events WHERE event_type = 'CommentCreated' AND comment_id = :id"
    assert await scalar(container, created, id=command.comment_id) == 1


class _CommitFails(SqlUnitOfWork):
    async def commit(self) -> None:
        raise ConnectionResetError("the connection died at commit")


class _CommitFailsFactory(SqlUnitOfWorkFactory):
    def __call__(self) -> SqlUnitOfWork:
        return _CommitFails(self._engine)


async def test_a_failed_commit_fails_every_caller_of_the_batch_and_stores_nothing(
    container: Threadline, make_actor: ActorFactory
) -> None:
    alice = make_actor("alice")
    failing = CommandBatcher(_CommitFailsFactory(container.write_db.writer), container.runner.policy)
    commands = [_create(content=f"lost {i}") for i in range(4)]
    results = await asyncio.gather(
        *(failing.run(create_comment, command, CommandContext(alice)) for command in commands),
        return_exceptions=True,
    )
    assert all(isinstance(result, ConnectionResetError) for result in results)
    assert await scalar(container, "SELECT count(*) FROM comments") == 0
    assert await scalar(container, "SELECT count(*) FROM events") == 0
    # The writer is free for the next batch.
    outcome = await run(container, alice, create_comment, _create(content="kept"))
    assert outcome.changed


async def test_a_command_that_rewrites_the_log_leaves_the_batch_and_runs_alone(
    container: Threadline, make_actor: ActorFactory
) -> None:
    alice, ada = make_actor("alice"), make_actor("ada", Role.ADMIN)
    target = await post(container, alice, "words to erase")
    results = await asyncio.gather(
        run(container, ada, hard_delete_comment, HardDeleteComment(target, "asked to")),
        run(container, alice, create_comment, _create(content="unrelated")),
    )
    assert all(result.changed for result in results)
    payloads = [e.payload for e in await container.events.read_after(0, 10) if e.comment_id == target]
    assert all("words to erase" not in str(payload) for payload in payloads)


@pytest.mark.parametrize("writers", [1, 3])
async def test_positions_stay_gap_free_and_in_commit_order_under_concurrency(
    container: Threadline, make_actor: ActorFactory, writers: int
) -> None:
    """Many concurrent callers through batches (several in flight when ``writers`` > 1), while a
    projector tails the log: every caller's position holds its own event, positions are
    consecutive, and the projector applies each event once, in order."""
    users = [make_actor(f"user-{i}") for i in range(8)]
    batcher = CommandBatcher(
        SqlUnitOfWorkFactory(container.write_db.writer),
        container.runner.policy,
        max_batch=16,
        writers=writers,
        turns=container.turns,
    )
    applied: list[int] = []
    container.projector.on_batch = lambda batch: applied.extend(e.position for e in batch)
    done = asyncio.Event()

    async def tail() -> None:
        while not done.is_set():
            await container.projector.catch_up()
            await asyncio.sleep(0)

    async def create(i: int) -> tuple[str, CommandOutcome]:
        command = _create(content=f"comment {i}")
        return command.comment_id, await batcher.run(create_comment, command, CommandContext(users[i % 8]))

    tailing = asyncio.create_task(tail())
    results: list[tuple[str, CommandOutcome]] = []
    for wave in range(4):
        results += await asyncio.gather(*(create(wave * 50 + i) for i in range(50)))
    done.set()
    await tailing
    await container.projector.catch_up()

    assert batcher.batches < len(results), "commands were batched"
    positions = sorted(outcome.position for _, outcome in results)
    assert positions == list(range(positions[0], positions[0] + len(results))), "gap-free, one each"
    logged = {e.position: e.comment_id for e in await container.events.read_after(0, 1000)}
    assert all(logged[outcome.position] == comment_id for comment_id, outcome in results)
    assert applied == sorted(logged), "each event applied once, in position order"


async def test_under_a_flood_of_creates_the_projector_waits_for_one_batch_at_most(
    container: Threadline, make_actor: ActorFactory
) -> None:
    """The embedded default's one writer: a projector turn asked for while hundreds of commands
    are queued comes after the batch in progress, not after the queue; and a read of a position
    written in the middle of the flood is answered caught up within read-your-writes' bound."""
    turns = container.turns
    if turns is None:
        pytest.skip("only the embedded default shares one writer between commands and the projector")
    batcher = _batcher(container)
    await container.start_projector()
    users = [make_actor(f"user-{i}") for i in range(16)]
    flood = [
        asyncio.create_task(run(container, users[i % 16], create_comment, _create(content=f"flood {i}")))
        for i in range(600)
    ]
    await asyncio.sleep(0)  # every command is queued
    waited: list[int] = []
    while batcher.batches < 3 or not all(task.done() for task in flood[: len(flood) // 2]):
        before = batcher.batches
        async with turns.turn(projector=True):  # the projector's place in the queue
            waited.append(batcher.batches - before)
        await asyncio.sleep(0)
    mine = await run(container, users[0], create_comment, _create(content="read me back"))
    reached, _ = await wait_for_position(mine.position, container.reader.fresh(), container.signal, 2.0)
    await asyncio.gather(*flood)

    assert batcher.largest > 1, "the flood was batched"
    assert waited and max(waited) <= 1, f"the projector waited behind {max(waited)} batches"
    assert reached, "read-your-writes held during the flood"
