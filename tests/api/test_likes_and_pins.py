"""PUT/DELETE /v1/comments/{id}/like and /pin: counts, repeats as no-ops, the caller's own likes
laid over a shared cached page, and pinning only roots."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from tests.api.support import Api, Json, assert_problem
from threadline.domain.identity import Role


async def test_a_like_counts_once_per_user_and_a_repeat_changes_nothing(api: Api) -> None:
    created = await api.create("likeable")

    first = await api.like(created["id"], user="bob")
    repeat = await api.like(created["id"], user="bob")
    other = await api.like(created["id"], user="carol")

    assert (first["changed"], first["liked"]) == (True, True)
    assert (repeat["changed"], repeat["liked"]) == (False, True)
    assert other["changed"] is True
    assert (await api.comment(created["id"]))["like_count"] == 2
    assert len(await api.audit_events(comment_id=created["id"], event_type="CommentLiked")) == 2


async def test_an_unlike_takes_the_like_back_and_a_repeat_changes_nothing(api: Api) -> None:
    created = await api.create("likeable")
    await api.like(created["id"], user="bob")

    first = await api.unlike(created["id"], user="bob")
    repeat = await api.unlike(created["id"], user="bob")
    never_liked = await api.unlike(created["id"], user="carol")

    assert (first["changed"], first["liked"]) == (True, False)
    assert (repeat["changed"], repeat["liked"]) == (False, False)
    assert never_liked["changed"] is False
    assert (await api.comment(created["id"]))["like_count"] == 0
    assert len(await api.audit_events(comment_id=created["id"], event_type="CommentUnliked")) == 1


async def test_like_unlike_like_again_counts_one(api: Api) -> None:
    created = await api.create("fickle")
    for _ in range(3):
        await api.like(created["id"])
        await api.unlike(created["id"])
    await api.like(created["id"])

    assert (await api.comment(created["id"]))["like_count"] == 1


async def test_concurrent_likes_of_one_comment_are_all_counted(api: Api) -> None:
    created = await api.create("popular")
    users = [f"fan{n}" for n in range(12)]

    results = await asyncio.gather(*(api.like(created["id"], user=user) for user in users))
    # Each fan a second time, concurrently: all no-ops.
    repeats = await asyncio.gather(*(api.like(created["id"], user=user) for user in users))

    assert all(r["changed"] for r in results)
    assert not any(r["changed"] for r in repeats)
    assert (await api.comment(created["id"]))["like_count"] == 12


async def test_liking_an_unknown_comment_is_comment_not_found(api: Api) -> None:
    response = await api.send("PUT", f"/v1/comments/{uuid.uuid4()}/like", user="bob")

    assert_problem(response, 404, "comment_not_found")


async def test_liking_a_tombstone_is_comment_deleted_but_unliking_it_is_allowed(api: Api) -> None:
    created = await api.create("soon a tombstone")
    await api.reply(created)
    await api.like(created["id"], user="carol")
    await api.delete(created["id"])

    like = await api.send("PUT", f"/v1/comments/{created['id']}/like", user="bob")
    unlike = await api.unlike(created["id"], user="carol")

    assert_problem(like, 409, "comment_deleted")
    assert unlike["changed"] is True
    assert (await api.comment(created["id"]))["like_count"] == 0


def _liked(page: Json) -> dict[str, bool | None]:
    """id -> current_user_liked (None when absent) for every node of a page, replies included."""
    found: dict[str, bool | None] = {}

    def walk(nodes: list[Json]) -> None:
        for node in nodes:
            found[node["content"]] = node.get("current_user_liked")
            walk(node.get("replies") or [])

    walk(page["data"])
    return found


async def test_current_user_liked_is_per_caller_over_one_cached_page(api: Api) -> None:
    root = await api.create("root")
    reply = await api.reply(root, "reply")
    await api.create("unliked")
    await api.like(root["id"], user="bob")
    await api.like(reply["id"], user="carol")
    await api.settle()

    # No min_position: the first read caches the page, the others are served from it.
    anonymous = await api.thread(fresh=False)
    bob = await api.thread(fresh=False, user="bob")
    carol = await api.thread(fresh=False, user="carol")
    anonymous_again = await api.thread(fresh=False)
    dave = await api.thread(fresh=False, user="dave")

    assert _liked(anonymous) == {"root": None, "reply": None, "unliked": None}
    assert _liked(anonymous_again) == _liked(anonymous)
    assert "current_user_liked" not in anonymous_again["data"][0]
    assert _liked(bob) == {"root": True, "reply": False, "unliked": False}
    assert _liked(carol) == {"root": False, "reply": True, "unliked": False}
    assert _liked(dave) == {"root": False, "reply": False, "unliked": False}
    assert {n["content"]: n["like_count"] for n in bob["data"]} == {"root": 1, "unliked": 0}


async def test_current_user_liked_on_single_comments_and_replies(api: Api) -> None:
    root = await api.create("root")
    reply = await api.reply(root, "reply")
    await api.like(reply["id"], user="bob")

    by_bob = await api.comment(reply["id"], user="bob")
    by_carol = await api.comment(reply["id"], user="carol")
    anonymous = await api.comment(reply["id"])
    replies = await api.replies(root["id"], user="bob")

    assert by_bob["current_user_liked"] is True
    assert by_carol["current_user_liked"] is False
    assert "current_user_liked" not in anonymous
    assert replies["data"][0]["current_user_liked"] is True


async def test_current_user_liked_follows_an_unlike_through_the_cache(api: Api) -> None:
    created = await api.create("c")
    await api.like(created["id"], user="bob")
    await api.settle()
    assert (await api.thread(fresh=False, user="bob"))["data"][0]["current_user_liked"] is True

    await api.unlike(created["id"], user="bob")
    await api.settle()

    page = await api.thread(fresh=False, user="bob")
    assert page["data"][0]["current_user_liked"] is False
    assert page["data"][0]["like_count"] == 0


@pytest.mark.parametrize(("user", "role"), [("mod", Role.MODERATOR), ("root", Role.ADMIN)])
async def test_staff_pin_and_unpin_a_root_and_repeats_change_nothing(api: Api, user: str, role: Role) -> None:
    created = await api.create("announcement")
    path = f"/v1/comments/{created['id']}/pin"

    pinned = await api.ok("PUT", path, user=user, role=role)
    pinned_again = await api.ok("PUT", path, user=user, role=role)
    assert (await api.comment(created["id"]))["is_pinned"] is True
    unpinned = await api.ok("DELETE", path, user=user, role=role)
    unpinned_again = await api.ok("DELETE", path, user=user, role=role)

    assert (pinned["changed"], pinned["is_pinned"]) == (True, True)
    assert (pinned_again["changed"], pinned_again["is_pinned"]) == (False, True)
    assert (unpinned["changed"], unpinned["is_pinned"]) == (True, False)
    assert (unpinned_again["changed"], unpinned_again["is_pinned"]) == (False, False)
    assert (await api.comment(created["id"]))["is_pinned"] is False
    types = [e["event_type"] for e in await api.audit_events(comment_id=created["id"])]
    assert types == ["CommentCreated", "CommentPinned", "CommentUnpinned"]


async def test_a_reply_cannot_be_pinned(api: Api) -> None:
    root = await api.create("root")
    reply = await api.reply(root)

    response = await api.send("PUT", f"/v1/comments/{reply['id']}/pin", user="mod", role=Role.MODERATOR)

    assert_problem(response, 422, "only_roots_can_be_pinned")
    assert (await api.comment(reply["id"]))["is_pinned"] is False


async def test_a_deleted_comment_cannot_be_pinned_and_deleting_unpins(api: Api) -> None:
    pinned = await api.create("pinned, then deleted")
    await api.reply(pinned)
    await api.pin(pinned["id"])
    await api.delete(pinned["id"])

    response = await api.send("PUT", f"/v1/comments/{pinned['id']}/pin", user="mod", role=Role.MODERATOR)

    assert_problem(response, 409, "comment_deleted")
    tombstone = await api.comment(pinned["id"])
    assert (tombstone["status"], tombstone["is_pinned"]) == ("DELETED", False)


async def test_pinning_an_unknown_comment_is_comment_not_found(api: Api) -> None:
    response = await api.send("PUT", f"/v1/comments/{uuid.uuid4()}/pin", user="mod", role=Role.MODERATOR)

    assert_problem(response, 404, "comment_not_found")
