"""Creating comments and replies: validation, depth, parents, idempotent retries."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests.unit.fakes import FakeState
from tests.unit.handlers.harness import ADMIN, ALICE, BOB, OTHER_TENANT, TENANT, Harness, actor, new_id
from threadline.application.command_runner import (
    CommandContext,
    CommandPolicy,
)
from threadline.application.commands.create_comment import create_comment
from threadline.application.commands.delete_comment import delete_comment
from threadline.application.commands.hard_delete_comment import hard_delete_comment
from threadline.domain.commands import (
    ContentFormat,
    CreateComment,
    DeleteComment,
    HardDeleteComment,
)
from threadline.domain.comment import Status
from threadline.domain.errors import (
    DomainError,
    IdempotencyConflict,
    InvalidCommand,
    InvalidContent,
    InvalidEntity,
    MaxDepthExceeded,
    ParentNotFound,
    ParentNotLive,
)
from threadline.domain.identity import Actor


async def test_root_comment_is_created_active_at_depth_zero_with_one_event(h: Harness) -> None:
    comment_id = new_id()
    outcome = await h.run(
        create_comment,
        CreateComment(comment_id, "post", "p1", "  Hello  ", ContentFormat.MARKDOWN),
        ALICE,
    )

    assert outcome.created and outcome.changed
    stored = h.comment(comment_id)
    assert stored.status is Status.ACTIVE
    assert (stored.depth, stored.path, stored.parent_id) == (0, comment_id, None)
    assert (stored.content, stored.content_format) == ("Hello", "markdown")
    assert (stored.author_id, stored.author_name, stored.author_avatar, stored.author_role) == (
        "alice",
        "Alice",
        "https://img.test/alice.png",
        "user",
    )
    assert stored.version == 1 and not stored.is_pinned
    [event] = h.events
    assert (event.event_type, event.aggregate_id, event.aggregate_version) == (
        "CommentCreated",
        comment_id,
        1,
    )
    assert event.payload["content"] == "Hello"
    assert event.payload["author_name"] == "Alice"
    assert event.metadata["actor_id"] == "alice" and event.metadata["actor_role"] == "user"
    assert outcome.position == event.position
    assert h.bus.published == [event.position]


async def test_command_metadata_carries_correlation_and_causation_ids(h: Harness) -> None:
    ctx = CommandContext(ALICE, correlation_id="corr-1", command_id="cmd-1")
    await h.runner.run(create_comment, CreateComment(new_id(), "post", "p1", "x"), ctx)
    assert h.events[0].metadata["correlation_id"] == "corr-1"
    assert h.events[0].metadata["causation_id"] == "cmd-1"


async def test_created_content_is_trimmed_and_nfc_normalized(h: Harness) -> None:
    comment = await h.create(content="\n  cafe\u0301 \t")
    assert h.comment(comment.id).content == "caf\u00e9"


async def test_client_uuid_is_stored_in_canonical_lower_case(h: Harness) -> None:
    raw = new_id()
    comment = await h.create(comment_id=raw.upper())
    assert comment.id == raw
    assert (TENANT, raw) in h.db.state.comments


@pytest.mark.parametrize(
    ("command", "error"),
    [
        (CreateComment("not-a-uuid", "post", "p1", "x"), InvalidCommand),
        (CreateComment(str(uuid.UUID(int=1)), "Post", "p1", "x"), InvalidEntity),
        (CreateComment(str(uuid.UUID(int=1)), "post", "", "x"), InvalidEntity),
        (CreateComment(str(uuid.UUID(int=1)), "post", "p\n1", "x"), InvalidEntity),
        (CreateComment(str(uuid.UUID(int=1)), "post", "p1", "   "), InvalidContent),
        (CreateComment(str(uuid.UUID(int=1)), "post", "p1", "a\x00b"), InvalidContent),
        (CreateComment(str(uuid.UUID(int=1)), "post", "p1", "x" * 10_001), InvalidContent),
        (CreateComment(str(uuid.UUID(int=1)), "post", "p1", "x", parent_id="nope"), InvalidCommand),
    ],
)
async def test_invalid_create_is_refused_before_storage(
    h: Harness, command: CreateComment, error: type[DomainError]
) -> None:
    with pytest.raises(error):
        await h.run(create_comment, command)
    assert h.db.state == FakeState()
    assert h.db.commits == 0


async def test_reply_is_one_level_below_its_parent_with_path_under_it(h: Harness) -> None:
    root = await h.create()
    reply = await h.create(BOB, "reply", parent_id=root.id)
    nested = await h.create(ALICE, "nested", parent_id=reply.id)

    assert (reply.depth, reply.path, reply.parent_id) == (1, f"{root.id}/{reply.id}", root.id)
    assert (nested.depth, nested.path) == (2, f"{root.id}/{reply.id}/{nested.id}")
    assert h.events[-1].payload["parent_id"] == reply.id
    assert h.events[-1].payload["depth"] == 2


async def test_reply_to_unknown_parent_is_parent_not_found(h: Harness) -> None:
    with pytest.raises(ParentNotFound):
        await h.create(parent_id=new_id())
    assert h.events == []


async def test_reply_to_a_comment_of_another_entity_is_parent_not_found(h: Harness) -> None:
    root = await h.create(entity=("post", "p1"))
    for entity in [("post", "p2"), ("article", "p1")]:
        with pytest.raises(ParentNotFound):
            await h.create(parent_id=root.id, entity=entity)
    assert len(h.events) == 1


async def test_reply_to_a_comment_of_another_tenant_is_parent_not_found(h: Harness) -> None:
    root = await h.create()
    with pytest.raises(ParentNotFound):
        await h.create(actor("zed", tenant_id=OTHER_TENANT), parent_id=root.id)
    assert h.comment(root.id).version == 1 and len(h.events) == 1


async def test_reply_to_a_deleted_parent_is_parent_not_live(h: Harness) -> None:
    root = await h.create()
    await h.run(delete_comment, DeleteComment(root.id), ALICE)
    with pytest.raises(ParentNotLive):
        await h.create(BOB, parent_id=root.id)
    assert [e.event_type for e in h.events] == ["CommentCreated", "CommentDeleted"]


async def test_reply_to_a_hard_deleted_parent_is_refused(h: Harness) -> None:
    root = await h.create()
    await h.run(hard_delete_comment, HardDeleteComment(root.id, "spam"), ADMIN)
    with pytest.raises(ParentNotFound):
        await h.create(BOB, parent_id=root.id)
    assert len(h.events) == 2


async def test_reply_deeper_than_the_policy_allows_is_max_depth_exceeded() -> None:
    h = Harness(policy=CommandPolicy(max_reply_depth=2))
    root = await h.create()
    first = await h.create(parent_id=root.id)
    second = await h.create(parent_id=first.id)
    assert second.depth == 2
    with pytest.raises(MaxDepthExceeded):
        await h.create(parent_id=second.id)
    assert len(h.events) == 3


async def test_default_policy_allows_depth_ten_and_refuses_depth_eleven(h: Harness) -> None:
    parent = await h.create()
    for _ in range(10):
        parent = await h.create(parent_id=parent.id)
    assert parent.depth == 10
    with pytest.raises(MaxDepthExceeded):
        await h.create(parent_id=parent.id)


async def test_resending_a_create_with_the_same_id_and_payload_is_a_safe_retry(h: Harness) -> None:
    comment_id = new_id()
    command = CreateComment(comment_id, "post", "p1", "hello", ContentFormat.MARKDOWN)
    first = await h.run(create_comment, command, ALICE)
    retry = await h.run(create_comment, command, ALICE)
    # Same payload after normalization, and the id in another spelling, is still the same request.
    respelled = CreateComment(comment_id.upper(), "post", "p1", " hello\n", ContentFormat.MARKDOWN)
    retry_respelled = await h.run(create_comment, respelled, ALICE)

    assert len(h.events) == 1
    for outcome in (retry, retry_respelled):
        assert outcome.comment is not None and outcome.comment.id == comment_id
        assert outcome.created and not outcome.changed
        assert outcome.position == first.position
    assert h.bus.published == [first.position]


async def test_replay_of_a_reply_does_not_count_twice(h: Harness) -> None:
    root = await h.create()
    command = CreateComment(new_id(), "post", "p1", "reply", parent_id=root.id)
    await h.run(create_comment, command, BOB)
    await h.run(create_comment, command, BOB)
    assert [e.event_type for e in h.events] == ["CommentCreated", "CommentCreated"]


@pytest.mark.parametrize(
    ("change", "who"),
    [
        ({"content": "other words"}, ALICE),
        ({"entity_id": "p2"}, ALICE),
        ({"entity_type": "article"}, ALICE),
        ({"content_format": ContentFormat.MARKDOWN}, ALICE),
        ({}, BOB),
    ],
)
async def test_same_id_with_another_payload_or_author_is_an_idempotency_conflict(
    h: Harness, change: dict[str, Any], who: Actor
) -> None:
    comment_id = new_id()
    base: dict[str, Any] = {
        "comment_id": comment_id,
        "entity_type": "post",
        "entity_id": "p1",
        "content": "hello",
        "content_format": ContentFormat.PLAIN,
    }
    await h.run(create_comment, CreateComment(**base), ALICE)
    with pytest.raises(IdempotencyConflict):
        await h.run(create_comment, CreateComment(**{**base, **change}), who)
    assert len(h.events) == 1
    assert h.comment(comment_id).content == "hello"


async def test_same_id_as_a_reply_instead_of_a_root_is_an_idempotency_conflict(h: Harness) -> None:
    root = await h.create()
    comment_id = new_id()
    await h.create(comment_id=comment_id, content="x")
    with pytest.raises(IdempotencyConflict):
        await h.create(comment_id=comment_id, content="x", parent_id=root.id)


async def test_the_same_client_id_in_two_tenants_makes_two_comments(h: Harness) -> None:
    comment_id = new_id()
    await h.create(ALICE, "a", comment_id=comment_id)
    await h.create(actor("zed", tenant_id=OTHER_TENANT), "b", comment_id=comment_id)
    assert h.comment(comment_id).content == "a"
    assert h.comment(comment_id, OTHER_TENANT).content == "b"
    assert len(h.events) == 2
