"""Every command handler's rules, run through the real ``CommandRunner`` over in-memory fakes."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.unit.fakes import FakeBus, FakeDatabase, FakeState
from threadline.application.command_runner import (
    CommandContext,
    CommandOutcome,
    CommandPolicy,
    CommandRunner,
    Decision,
    Handler,
)
from threadline.application.commands.create_comment import create_comment
from threadline.application.commands.delete_comment import delete_comment
from threadline.application.commands.hard_delete_comment import hard_delete_comment
from threadline.application.commands.like_comment import like_comment, unlike_comment
from threadline.application.commands.pin_comment import pin_comment, unpin_comment
from threadline.application.commands.update_comment import update_comment
from threadline.application.ports.projection import StoredEvent
from threadline.application.ports.write import UnitOfWork
from threadline.domain.commands import (
    ContentFormat,
    CreateComment,
    DeleteComment,
    HardDeleteComment,
    LikeComment,
    PinComment,
    UnlikeComment,
    UnpinComment,
    UpdateComment,
)
from threadline.domain.comment import Comment, Status
from threadline.domain.comment import like_id as like_aggregate_id
from threadline.domain.errors import (
    CommentDeleted,
    CommentNotFound,
    ConcurrencyConflict,
    DomainError,
    IdempotencyConflict,
    InvalidCommand,
    InvalidContent,
    InvalidEntity,
    MaxDepthExceeded,
    OnlyRootsCanBePinned,
    ParentNotFound,
    ParentNotLive,
    PermissionDenied,
)
from threadline.domain.identity import Actor, Role

TENANT = "tenant-a"
OTHER_TENANT = "tenant-b"


def actor(user_id: str = "alice", role: Role = Role.USER, tenant_id: str = TENANT) -> Actor:
    return Actor(tenant_id, user_id, user_id.title(), f"https://img.test/{user_id}.png", role)


ALICE = actor("alice")
BOB = actor("bob")
MOD = actor("mia", Role.MODERATOR)
ADMIN = actor("ada", Role.ADMIN)


def new_id() -> str:
    return str(uuid.uuid4())


@dataclass
class Harness:
    """A runner over a fake database, with helpers that read the committed state back."""

    db: FakeDatabase = field(default_factory=FakeDatabase)
    bus: FakeBus = field(default_factory=FakeBus)
    policy: CommandPolicy = field(default_factory=CommandPolicy)
    retries: int = 5

    @property
    def runner(self) -> CommandRunner:
        return CommandRunner(uow_factory=self.db.uow, bus=self.bus, policy=self.policy, retries=self.retries)

    async def run(self, handler: Handler[Any], command: object, who: Actor = ALICE) -> CommandOutcome:
        return await self.runner.run(handler, command, CommandContext(who))

    async def create(
        self,
        who: Actor = ALICE,
        content: str = "hello",
        *,
        parent_id: str | None = None,
        entity: tuple[str, str] = ("post", "p1"),
        comment_id: str | None = None,
        content_format: ContentFormat = ContentFormat.PLAIN,
    ) -> Comment:
        command = CreateComment(
            comment_id=comment_id or new_id(),
            entity_type=entity[0],
            entity_id=entity[1],
            content=content,
            content_format=content_format,
            parent_id=parent_id,
        )
        outcome = await self.run(create_comment, command, who)
        assert outcome.comment is not None
        return outcome.comment

    def comment(self, comment_id: str, tenant_id: str = TENANT) -> Comment:
        return self.db.state.comments[(tenant_id, comment_id)]

    @property
    def events(self) -> list[StoredEvent]:
        return self.db.state.events

    def events_of(self, comment_id: str) -> list[StoredEvent]:
        return [e for e in self.events if e.comment_id == comment_id]

    def likers(self, comment_id: str) -> set[str]:
        return {k[2] for k, r in self.db.state.likes.items() if k[1] == comment_id and r.liked}


@pytest.fixture
def h() -> Harness:
    return Harness()


# --- create -------------------------------------------------------------------------------------------


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


# --- update -------------------------------------------------------------------------------------------


async def test_author_edits_content_and_the_edit_is_recorded(h: Harness) -> None:
    comment = await h.create(content="first")
    outcome = await h.run(update_comment, UpdateComment(comment.id, "  second  "), ALICE)

    stored = h.comment(comment.id)
    assert outcome.changed
    assert (stored.content, stored.version) == ("second", 2)
    assert stored.edited_at is not None and stored.updated_at == stored.edited_at
    event = h.events[-1]
    assert (event.event_type, event.aggregate_id, event.aggregate_version) == (
        "CommentUpdated",
        comment.id,
        2,
    )
    assert event.payload["content"] == "second" and event.payload["editor_id"] == "alice"


async def test_someone_else_may_not_edit_a_users_comment(h: Harness) -> None:
    comment = await h.create(content="first")
    with pytest.raises(PermissionDenied):
        await h.run(update_comment, UpdateComment(comment.id, "hijacked"), BOB)
    assert h.comment(comment.id).content == "first" and len(h.events) == 1


@pytest.mark.parametrize("staff", [MOD, ADMIN])
async def test_moderators_and_admins_may_edit_anyones_comment(h: Harness, staff: Actor) -> None:
    comment = await h.create(content="first")
    await h.run(update_comment, UpdateComment(comment.id, "moderated"), staff)
    assert h.comment(comment.id).content == "moderated"
    assert h.events[-1].payload["editor_id"] == staff.user_id


async def test_editing_to_the_same_content_is_a_no_op(h: Harness) -> None:
    comment = await h.create(content="same")
    outcome = await h.run(update_comment, UpdateComment(comment.id, " same\n"), ALICE)
    assert not outcome.changed
    assert h.comment(comment.id).version == 1 and h.comment(comment.id).edited_at is None
    assert len(h.events) == 1 and len(h.bus.published) == 1


async def test_editing_a_deleted_comment_is_comment_deleted(h: Harness) -> None:
    comment = await h.create()
    await h.run(delete_comment, DeleteComment(comment.id), ALICE)
    with pytest.raises(CommentDeleted):
        await h.run(update_comment, UpdateComment(comment.id, "back"), ALICE)


async def test_editing_with_invalid_content_is_invalid_content(h: Harness) -> None:
    comment = await h.create()
    for content in ["", "   ", "bell\x07", "y" * 10_001]:
        with pytest.raises(InvalidContent):
            await h.run(update_comment, UpdateComment(comment.id, content), ALICE)
    assert h.comment(comment.id).content == "hello"


@pytest.mark.parametrize("comment_id", [str(uuid.UUID(int=7)), "garbage"])
async def test_editing_a_missing_or_malformed_id_is_refused(h: Harness, comment_id: str) -> None:
    with pytest.raises((CommentNotFound, InvalidCommand)):
        await h.run(update_comment, UpdateComment(comment_id, "x"), ALICE)


# --- soft delete --------------------------------------------------------------------------------------


async def test_author_soft_deletes_with_a_reason(h: Harness) -> None:
    comment = await h.create()
    outcome = await h.run(delete_comment, DeleteComment(comment.id, "  changed my mind "), ALICE)
    stored = h.comment(comment.id)
    assert outcome.changed and stored.status is Status.DELETED and stored.version == 2
    event = h.events[-1]
    assert (event.event_type, event.aggregate_version) == ("CommentDeleted", 2)
    assert event.payload["reason"] == "changed my mind"


async def test_soft_delete_reason_is_optional(h: Harness) -> None:
    comment = await h.create()
    await h.run(delete_comment, DeleteComment(comment.id), ALICE)
    assert h.events[-1].payload["reason"] is None


async def test_soft_delete_with_an_overlong_reason_is_refused(h: Harness) -> None:
    comment = await h.create()
    with pytest.raises(InvalidCommand):
        await h.run(delete_comment, DeleteComment(comment.id, "r" * 1_001), ALICE)
    assert h.comment(comment.id).status is Status.ACTIVE


async def test_another_user_may_not_delete_a_comment(h: Harness) -> None:
    comment = await h.create()
    with pytest.raises(PermissionDenied):
        await h.run(delete_comment, DeleteComment(comment.id), BOB)
    assert h.comment(comment.id).status is Status.ACTIVE


@pytest.mark.parametrize("staff", [MOD, ADMIN])
async def test_staff_may_delete_anyones_comment(h: Harness, staff: Actor) -> None:
    comment = await h.create()
    await h.run(delete_comment, DeleteComment(comment.id, "off-topic"), staff)
    assert h.comment(comment.id).status is Status.DELETED
    assert h.events[-1].metadata["actor_id"] == staff.user_id


async def test_deleting_twice_is_a_no_op(h: Harness) -> None:
    comment = await h.create()
    await h.run(delete_comment, DeleteComment(comment.id), ALICE)
    again = await h.run(delete_comment, DeleteComment(comment.id), ALICE)
    assert not again.changed
    assert [e.event_type for e in h.events] == ["CommentCreated", "CommentDeleted"]
    assert h.comment(comment.id).version == 2


async def test_deleting_a_pinned_comment_unpins_it(h: Harness) -> None:
    comment = await h.create()
    await h.run(pin_comment, PinComment(comment.id), MOD)
    await h.run(delete_comment, DeleteComment(comment.id), ALICE)
    assert not h.comment(comment.id).is_pinned


async def test_soft_delete_keeps_replies_in_place(h: Harness) -> None:
    root = await h.create()
    reply = await h.create(BOB, parent_id=root.id)
    await h.run(delete_comment, DeleteComment(root.id), ALICE)
    assert h.comment(reply.id).status is Status.ACTIVE and h.comment(reply.id).parent_id == root.id


async def test_deleting_a_missing_comment_is_comment_not_found(h: Harness) -> None:
    with pytest.raises(CommentNotFound):
        await h.run(delete_comment, DeleteComment(new_id()), ADMIN)


# --- hard delete --------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", [ALICE, MOD])
async def test_only_admins_may_hard_delete_even_their_own_comment(h: Harness, who: Actor) -> None:
    comment = await h.create(who)
    with pytest.raises(PermissionDenied):
        await h.run(hard_delete_comment, HardDeleteComment(comment.id, "gdpr"), who)
    assert h.comment(comment.id).status is Status.ACTIVE and len(h.events) == 1


@pytest.mark.parametrize("reason", ["", "   ", "\n\t"])
async def test_hard_delete_requires_a_reason(h: Harness, reason: str) -> None:
    comment = await h.create()
    with pytest.raises(InvalidCommand):
        await h.run(hard_delete_comment, HardDeleteComment(comment.id, reason), ADMIN)
    assert h.comment(comment.id).status is Status.ACTIVE and len(h.events) == 1


async def test_hard_delete_erases_content_likes_and_personal_data_from_the_log(h: Harness) -> None:
    comment = await h.create(ALICE, "secret words")
    other = await h.create(BOB, "bystander")
    await h.run(update_comment, UpdateComment(comment.id, "more secret words"), ALICE)
    await h.run(like_comment, LikeComment(comment.id), BOB)
    await h.run(like_comment, LikeComment(other.id), ALICE)
    await h.run(delete_comment, DeleteComment(comment.id, "regret"), ALICE)

    outcome = await h.run(hard_delete_comment, HardDeleteComment(comment.id, "  GDPR request "), ADMIN)

    assert outcome.changed
    uow = h.db.last_uow
    assert uow is not None
    assert (TENANT, comment.id) in uow.fake_comments.purged
    assert (TENANT, comment.id) in uow.fake_events.redacted
    stored = h.comment(comment.id)
    assert stored.status is Status.HARD_DELETED
    assert (stored.content, stored.author_name, stored.author_avatar) == (None, None, None)
    assert not stored.is_pinned
    assert h.likers(comment.id) == set()
    assert h.likers(other.id) == {"alice"}
    for event in h.events_of(comment.id):
        text = repr(event.payload)
        assert "secret" not in text and "Alice" not in text and "alice.png" not in text
        assert "regret" not in text
    created = h.events_of(comment.id)[0].payload
    assert (created["comment_id"], created["entity_id"], created["depth"]) == (comment.id, "p1", 0)
    assert h.events_of(other.id)[0].payload["content"] == "bystander"
    audit = h.events[-1]
    assert (audit.event_type, audit.payload["reason"]) == ("CommentHardDeleted", "GDPR request")
    assert audit.metadata["actor_id"] == "ada"


async def test_hard_delete_leaves_no_content_derived_fingerprint_behind(h: Harness) -> None:
    comment = await h.create(ALICE, "guessable")
    fingerprint = h.comment(comment.id).request_fingerprint
    await h.run(hard_delete_comment, HardDeleteComment(comment.id, "gdpr"), ADMIN)
    # A hash of short content is the content to anyone who can guess it: it must not survive.
    assert h.comment(comment.id).request_fingerprint != fingerprint


async def test_retrying_the_create_of_an_erased_comment_does_not_bring_it_back(h: Harness) -> None:
    command = CreateComment(new_id(), "post", "p1", "erase me")
    await h.run(create_comment, command, ALICE)
    await h.run(hard_delete_comment, HardDeleteComment(command.comment_id, "gdpr"), ADMIN)
    with pytest.raises(IdempotencyConflict):
        await h.run(create_comment, command, ALICE)
    assert h.comment(command.comment_id).status is Status.HARD_DELETED
    assert len(h.events) == 2


async def test_hard_delete_keeps_replies_under_the_erased_comment(h: Harness) -> None:
    root = await h.create()
    reply = await h.create(BOB, "still here", parent_id=root.id)
    await h.run(hard_delete_comment, HardDeleteComment(root.id, "spam"), ADMIN)
    kept = h.comment(reply.id)
    assert (kept.status, kept.content, kept.parent_id) == (Status.ACTIVE, "still here", root.id)
    assert h.events_of(reply.id)[0].payload["content"] == "still here"


@pytest.mark.parametrize(
    ("handler", "make_command"),
    [
        (update_comment, lambda cid: UpdateComment(cid, "zombie")),
        (delete_comment, lambda cid: DeleteComment(cid)),
        (hard_delete_comment, lambda cid: HardDeleteComment(cid, "again")),
        (like_comment, lambda cid: LikeComment(cid)),
        (unlike_comment, lambda cid: UnlikeComment(cid)),
        (pin_comment, lambda cid: PinComment(cid)),
        (unpin_comment, lambda cid: UnpinComment(cid)),
    ],
)
async def test_a_hard_deleted_comment_is_not_found_for_every_command(
    h: Harness, handler: Handler[Any], make_command: Callable[[str], object]
) -> None:
    comment = await h.create(ADMIN)
    await h.run(hard_delete_comment, HardDeleteComment(comment.id, "spam"), ADMIN)
    with pytest.raises(CommentNotFound):
        await h.run(handler, make_command(comment.id), ADMIN)
    assert len(h.events) == 2


# --- like / unlike ------------------------------------------------------------------------------------


async def test_like_and_unlike_version_each_users_like_separately(h: Harness) -> None:
    comment = await h.create()
    runs: list[tuple[Handler[Any], object, Actor]] = [
        (like_comment, LikeComment(comment.id), BOB),
        (unlike_comment, UnlikeComment(comment.id), BOB),
        (like_comment, LikeComment(comment.id), BOB),
        (like_comment, LikeComment(comment.id), ALICE),
    ]
    for handler, command, who in runs:
        outcome = await h.run(handler, command, who)
        assert outcome.changed

    likes = [e for e in h.events if e.event_type in ("CommentLiked", "CommentUnliked")]
    assert [(e.event_type, e.aggregate_id, e.aggregate_version) for e in likes] == [
        ("CommentLiked", like_aggregate_id(comment.id, "bob"), 1),
        ("CommentUnliked", like_aggregate_id(comment.id, "bob"), 2),
        ("CommentLiked", like_aggregate_id(comment.id, "bob"), 3),
        ("CommentLiked", like_aggregate_id(comment.id, "alice"), 1),
    ]
    assert [e.payload["user_id"] for e in likes] == ["bob", "bob", "bob", "alice"]
    assert h.likers(comment.id) == {"alice", "bob"}
    # Likes are their own aggregates: the comment itself did not change version.
    assert h.comment(comment.id).version == 1


async def test_repeating_like_or_unlike_is_a_no_op(h: Harness) -> None:
    comment = await h.create()
    assert not (await h.run(unlike_comment, UnlikeComment(comment.id), BOB)).changed
    assert (await h.run(like_comment, LikeComment(comment.id), BOB)).changed
    again = await h.run(like_comment, LikeComment(comment.id), BOB)
    assert not again.changed and again.position == h.events[-1].position
    assert (await h.run(unlike_comment, UnlikeComment(comment.id), BOB)).changed
    assert not (await h.run(unlike_comment, UnlikeComment(comment.id), BOB)).changed
    assert [e.event_type for e in h.events] == ["CommentCreated", "CommentLiked", "CommentUnliked"]
    assert len(h.bus.published) == 3


async def test_liking_a_deleted_comment_is_refused_but_unliking_is_allowed(h: Harness) -> None:
    comment = await h.create()
    await h.run(like_comment, LikeComment(comment.id), BOB)
    await h.run(delete_comment, DeleteComment(comment.id), ALICE)
    with pytest.raises(CommentDeleted):
        await h.run(like_comment, LikeComment(comment.id), actor("carol"))
    await h.run(unlike_comment, UnlikeComment(comment.id), BOB)
    assert h.likers(comment.id) == set()


async def test_liking_a_missing_comment_is_comment_not_found(h: Harness) -> None:
    with pytest.raises(CommentNotFound):
        await h.run(like_comment, LikeComment(new_id()), BOB)
    assert h.db.state.likes == {}


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["u1", "u2", "u3"]), st.booleans()), max_size=25))
def test_likes_follow_each_users_last_action_with_gapless_versions(actions: list[tuple[str, bool]]) -> None:
    async def scenario() -> None:
        h = Harness()
        comment = await h.create()
        expected: dict[str, bool] = {}
        changes = 0
        for user, liked in actions:
            if liked:
                outcome = await h.run(like_comment, LikeComment(comment.id), actor(user))
            else:
                outcome = await h.run(unlike_comment, UnlikeComment(comment.id), actor(user))
            assert outcome.changed == (expected.get(user, False) != liked)
            changes += outcome.changed
            expected[user] = liked
        assert h.likers(comment.id) == {u for u, liked in expected.items() if liked}
        like_events = h.events[1:]
        assert len(like_events) == changes
        by_aggregate: dict[str, list[int]] = {}
        for event in like_events:
            by_aggregate.setdefault(event.aggregate_id, []).append(event.aggregate_version)
        for versions in by_aggregate.values():
            assert versions == list(range(1, len(versions) + 1))

    asyncio.run(scenario())


# --- pin / unpin --------------------------------------------------------------------------------------


async def test_users_may_not_pin_even_their_own_comment(h: Harness) -> None:
    comment = await h.create(ALICE)
    with pytest.raises(PermissionDenied):
        await h.run(pin_comment, PinComment(comment.id), ALICE)
    with pytest.raises(PermissionDenied):
        await h.run(unpin_comment, UnpinComment(comment.id), ALICE)
    assert not h.comment(comment.id).is_pinned


@pytest.mark.parametrize("staff", [MOD, ADMIN])
async def test_staff_pin_and_unpin_a_root_and_repeats_are_no_ops(h: Harness, staff: Actor) -> None:
    comment = await h.create()
    assert (await h.run(pin_comment, PinComment(comment.id), staff)).changed
    assert h.comment(comment.id).is_pinned and h.comment(comment.id).version == 2
    assert not (await h.run(pin_comment, PinComment(comment.id), staff)).changed
    assert (await h.run(unpin_comment, UnpinComment(comment.id), staff)).changed
    assert not (await h.run(unpin_comment, UnpinComment(comment.id), staff)).changed
    assert not h.comment(comment.id).is_pinned
    assert [(e.event_type, e.aggregate_version) for e in h.events] == [
        ("CommentCreated", 1),
        ("CommentPinned", 2),
        ("CommentUnpinned", 3),
    ]


async def test_replies_cannot_be_pinned(h: Harness) -> None:
    root = await h.create()
    reply = await h.create(parent_id=root.id)
    with pytest.raises(OnlyRootsCanBePinned):
        await h.run(pin_comment, PinComment(reply.id), MOD)
    assert not h.comment(reply.id).is_pinned and len(h.events) == 2


async def test_a_deleted_comment_cannot_be_pinned(h: Harness) -> None:
    comment = await h.create()
    await h.run(delete_comment, DeleteComment(comment.id), ALICE)
    with pytest.raises(CommentDeleted):
        await h.run(pin_comment, PinComment(comment.id), MOD)


# --- the runner ---------------------------------------------------------------------------------------


async def _populated() -> tuple[Harness, Comment, Comment]:
    h = Harness()
    root = await h.create(ALICE, "root")
    reply = await h.create(BOB, "reply", parent_id=root.id)
    await h.run(like_comment, LikeComment(root.id), BOB)
    return h, root, reply


FAILING_COMMANDS: list[tuple[str, Callable[[Comment, Comment], tuple[Handler[Any], object, Actor]]]] = [
    ("bad content", lambda r, _: (update_comment, UpdateComment(r.id, "\x1b[31m"), ALICE)),
    ("not the author", lambda r, _: (update_comment, UpdateComment(r.id, "mine"), BOB)),
    ("delete by stranger", lambda r, _: (delete_comment, DeleteComment(r.id), BOB)),
    ("hard delete by moderator", lambda r, _: (hard_delete_comment, HardDeleteComment(r.id, "x"), MOD)),
    ("hard delete without reason", lambda r, _: (hard_delete_comment, HardDeleteComment(r.id, ""), ADMIN)),
    ("pin by user", lambda r, _: (pin_comment, PinComment(r.id), ALICE)),
    ("pin a reply", lambda _, c: (pin_comment, PinComment(c.id), MOD)),
    ("like missing", lambda r, _: (like_comment, LikeComment(str(uuid.UUID(int=3))), BOB)),
    (
        "idempotency conflict",
        lambda r, _: (create_comment, CreateComment(r.id, "post", "p1", "different"), ALICE),
    ),
    (
        "too deep",
        lambda _, c: (create_comment, CreateComment(new_id(), "post", "p1", "x", parent_id=c.id), ALICE),
    ),
]


@pytest.mark.parametrize("failing", [f for _, f in FAILING_COMMANDS], ids=[n for n, _ in FAILING_COMMANDS])
async def test_a_failed_command_appends_nothing_and_changes_nothing(
    failing: Callable[[Comment, Comment], tuple[Handler[Any], object, Actor]],
) -> None:
    h, root, reply = await _populated()
    h.policy = CommandPolicy(max_reply_depth=1)
    before, published = h.db.snapshot(), list(h.bus.published)
    handler, command, who = failing(root, reply)

    with pytest.raises(DomainError):
        await h.run(handler, command, who)

    assert h.db.state == before
    assert h.bus.published == published


async def test_a_failure_after_the_handler_wrote_rolls_every_write_back() -> None:
    h, root, _ = await _populated()
    before, published = h.db.snapshot(), list(h.bus.published)
    h.db.fail_appends = True

    with pytest.raises(RuntimeError):
        await h.run(hard_delete_comment, HardDeleteComment(root.id, "gdpr"), ADMIN)

    assert h.db.state == before
    assert h.comment(root.id).content == "root" and h.likers(root.id) == {"bob"}
    assert h.events_of(root.id)[0].payload["content"] == "root"
    assert h.bus.published == published


async def test_a_no_op_command_reports_the_head_position_and_publishes_nothing() -> None:
    h, root, _ = await _populated()
    published = list(h.bus.published)
    outcome = await h.run(unlike_comment, UnlikeComment(root.id), ALICE)
    assert not outcome.changed and outcome.position == h.events[-1].position
    assert h.bus.published == published


def counting(handler: Handler[Any], calls: list[int]) -> Handler[Any]:
    async def wrapped(command: Any, ctx: CommandContext, uow: UnitOfWork, policy: CommandPolicy) -> Decision:
        calls.append(1)
        return await handler(command, ctx, uow, policy)

    return wrapped


def concurrent_writer(
    h: Harness, work: Callable[[Harness], Awaitable[object]], *, times: int
) -> Callable[[FakeDatabase], Awaitable[None]]:
    """An ``on_enter`` hook: another command commits right after our transaction took its copy."""
    remaining = [times]

    async def hook(db: FakeDatabase) -> None:
        if remaining[0] == 0:
            return
        remaining[0] -= 1
        db.on_enter = None
        try:
            await work(h)
        finally:
            db.on_enter = hook

    return hook


async def test_a_concurrency_conflict_is_retried_on_fresh_state(h: Harness) -> None:
    comment = await h.create(ALICE, "first")
    other = Harness(db=h.db, bus=h.bus)
    h.db.on_enter = concurrent_writer(
        other, lambda o: o.run(update_comment, UpdateComment(comment.id, "by the moderator"), MOD), times=1
    )
    calls: list[int] = []

    outcome = await h.run(counting(update_comment, calls), UpdateComment(comment.id, "by alice"), ALICE)

    assert len(calls) == 2
    assert outcome.changed and h.comment(comment.id).content == "by alice"
    updates = [e for e in h.events if e.event_type == "CommentUpdated"]
    assert [(e.payload["content"], e.aggregate_version) for e in updates] == [
        ("by the moderator", 2),
        ("by alice", 3),
    ]
    assert h.comment(comment.id).version == 3


async def test_a_retried_like_is_counted_once(h: Harness) -> None:
    comment = await h.create()
    other = Harness(db=h.db, bus=h.bus)
    h.db.on_enter = concurrent_writer(
        other, lambda o: o.run(like_comment, LikeComment(comment.id), actor("carol")), times=1
    )
    await h.run(like_comment, LikeComment(comment.id), BOB)
    assert h.likers(comment.id) == {"bob", "carol"}
    assert [e.event_type for e in h.events].count("CommentLiked") == 2


async def test_the_runner_gives_up_after_its_retries_and_leaves_no_trace() -> None:
    h = Harness(retries=3)
    comment = await h.create(ALICE, "first")
    other = Harness(db=h.db, bus=h.bus)
    h.db.on_enter = concurrent_writer(
        other,
        lambda o: o.run(like_comment, LikeComment(comment.id), actor(f"fan-{len(o.events)}")),
        times=3,
    )
    calls: list[int] = []

    with pytest.raises(ConcurrencyConflict):
        await h.run(counting(update_comment, calls), UpdateComment(comment.id, "never lands"), ALICE)

    assert len(calls) == 3
    assert len(h.likers(comment.id)) == 3, "the other writer's commits all landed"
    assert h.comment(comment.id).content == "first"
    assert "CommentUpdated" not in [e.event_type for e in h.events]
