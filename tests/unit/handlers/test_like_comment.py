"""Likes: one aggregate per (comment, user), repeats are no-ops."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.unit.handlers.harness import ALICE, BOB, Harness, actor, new_id
from threadline.application.command_runner import (
    Handler,
)
from threadline.application.commands.delete_comment import delete_comment
from threadline.application.commands.like_comment import like_comment, unlike_comment
from threadline.domain.commands import (
    DeleteComment,
    LikeComment,
    UnlikeComment,
)
from threadline.domain.comment import like_id as like_aggregate_id
from threadline.domain.errors import (
    CommentDeleted,
    CommentNotFound,
)
from threadline.domain.identity import Actor


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
