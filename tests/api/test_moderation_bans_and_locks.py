"""Bans keep a user from writing in a tenant (until lifted or expired); locks keep users from
adding comments to one thread. Both are staff-only, repeat as no-ops and are audited."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.api.support import MODERATOR, Api, Json, assert_problem, ids
from threadline.domain.identity import Role

MOD = MODERATOR


async def ban(api: Api, user_id: str, body: Json | None = None, **kwargs: Any) -> Json:
    return await api.ok("PUT", f"/v1/moderation/bans/{user_id}", json=body, **{**MOD, **kwargs})


async def unban(api: Api, user_id: str) -> Json:
    return await api.ok("DELETE", f"/v1/moderation/bans/{user_id}", **MOD)


async def bans(api: Api) -> list[Json]:
    await api.settle()
    data: list[Json] = (await api.read("/v1/moderation/bans", fresh=False, **MOD))["data"]
    return data


async def lock(api: Api, entity_id: str = "p1", body: Json | None = None) -> Json:
    return await api.ok("PUT", f"/v1/entities/post/{entity_id}/lock", json=body, **MOD)


async def unlock(api: Api, entity_id: str = "p1") -> Json:
    return await api.ok("DELETE", f"/v1/entities/post/{entity_id}/lock", **MOD)


def new_comment(content: str = "hi", entity_id: str = "p1", parent_id: str | None = None) -> Json:
    body: Json = {"entity_type": "post", "entity_id": entity_id, "content": content}
    return body if parent_id is None else {**body, "parent_id": parent_id}


def in_seconds(seconds: float) -> str:
    return (datetime.now(UTC) + timedelta(seconds=seconds)).isoformat()


# bans


async def test_a_banned_user_cannot_comment_reply_edit_or_like_but_can_read_and_unlike(api: Api) -> None:
    mine = await api.create("alice before the ban")
    bobs = await api.create("bob's", user="bob")
    carols = await api.create("carol's", user="carol")
    await api.like(bobs["id"], user="alice")

    banned = await ban(api, "alice", {"reason": "trolling"})

    assert banned == {"position": banned["position"], "changed": True, "user_id": "alice", "banned": True}
    attempts = [
        await api.send("POST", "/v1/comments", json=new_comment()),
        await api.send("POST", "/v1/comments", json=new_comment(parent_id=bobs["id"])),
        await api.send("PATCH", f"/v1/comments/{mine['id']}", json={"content": "sneaky edit"}),
        await api.send("PUT", f"/v1/comments/{carols['id']}/like"),
    ]
    for attempt in attempts:
        assert_problem(attempt, 403, "user_banned")
    assert (await api.unlike(bobs["id"], user="alice"))["changed"] is True
    assert ids((await api.thread(user="alice"))["data"]) == [carols["id"], bobs["id"], mine["id"]]
    assert (await api.comment(mine["id"]))["content"] == "alice before the ban"
    assert (await api.comment(carols["id"]))["like_count"] == 0
    await api.create("bob is not banned", user="bob")


async def test_lifting_a_ban_lets_the_user_comment_again(api: Api) -> None:
    await ban(api, "alice")
    assert_problem(await api.send("POST", "/v1/comments", json=new_comment()), 403, "user_banned")

    lifted = await unban(api, "alice")
    again = await unban(api, "alice")

    assert (lifted["changed"], lifted["banned"], lifted["user_id"]) == (True, False, "alice")
    assert again["changed"] is False
    assert (await api.create("back again"))["status"] == "ACTIVE"
    assert await bans(api) == []


async def test_the_ban_list_shows_the_bans_in_force(api: Api) -> None:
    await ban(api, "bob", {"reason": "spam", "expires_at": "2099-01-01T00:00:00Z"})
    await ban(api, "alice", user="root", role=Role.ADMIN)
    await ban(api, "carol")
    await unban(api, "carol")

    listed = await bans(api)
    user_asks = await api.get("/v1/moderation/bans", user="bob", fresh=False)

    assert [b["user_id"] for b in listed] == ["alice", "bob"]
    alice, bob = listed
    assert (alice["reason"], alice["expires_at"], alice["banned_by"]) == (None, None, "root")
    assert (bob["reason"], bob["banned_by"]) == ("spam", "mod")
    assert bob["expires_at"].startswith("2099-01-01T00:00:00")
    assert all(isinstance(b["banned_at"], str) for b in listed)
    assert_problem(user_asks, 403, "permission_denied")


async def test_the_same_ban_again_changes_nothing(api: Api) -> None:
    first = await ban(api, "bob", {"reason": "spam"})
    repeat = await ban(api, "bob", {"reason": "spam"})
    changed = await ban(api, "bob", {"reason": "spam and abuse"})

    assert (first["changed"], repeat["changed"], changed["changed"]) == (True, False, True)
    events = await api.audit_events(event_type="UserBanned")
    assert [e["payload"]["reason"] for e in events] == ["spam", "spam and abuse"]


async def test_users_cannot_ban_and_nobody_bans_themselves(api: Api) -> None:
    by_user = await api.send("PUT", "/v1/moderation/bans/bob", user="alice")
    unban_by_user = await api.send("DELETE", "/v1/moderation/bans/bob", user="alice")
    moderator_self = await api.send("PUT", "/v1/moderation/bans/mod", **MOD)
    admin_self = await api.send("PUT", "/v1/moderation/bans/root", user="root", role=Role.ADMIN)

    for response in (by_user, unban_by_user, moderator_self, admin_self):
        assert_problem(response, 403, "permission_denied")
    assert await bans(api) == []
    await api.create("bob still writes", user="bob")


async def test_a_ban_must_end_in_the_future_and_name_its_time_zone(api: Api) -> None:
    past = await api.send("PUT", "/v1/moderation/bans/bob", json={"expires_at": in_seconds(-60)}, **MOD)
    naive = await api.send(
        "PUT", "/v1/moderation/bans/bob", json={"expires_at": "2099-01-01T00:00:00"}, **MOD
    )
    garbled = await api.send("PUT", "/v1/moderation/bans/bob", json={"expires_at": "next tuesday"}, **MOD)

    for response in (past, naive, garbled):
        assert_problem(response, 422, "invalid_command")
    assert await bans(api) == []


async def test_a_ban_stops_applying_once_it_expires(api: Api) -> None:
    ends = datetime.now(UTC) + timedelta(seconds=1.5)
    await ban(api, "alice", {"expires_at": ends.isoformat()})
    refused = await api.send("POST", "/v1/comments", json=new_comment())
    assert_problem(refused, 403, "user_banned")

    await asyncio.sleep(max(0.0, (ends - datetime.now(UTC)).total_seconds()) + 0.2)

    assert (await api.create("free again"))["status"] == "ACTIVE"
    assert await bans(api) == []  # an expired ban is no longer listed


# locks


async def test_a_locked_thread_takes_no_new_comments_from_users_but_staff_may_post(api: Api) -> None:
    root = await api.create("before the lock")

    locked = await lock(api, body={"reason": "heated"})

    assert (locked["changed"], locked["locked"]) == (True, True)
    assert (locked["entity_type"], locked["entity_id"]) == ("post", "p1")
    assert_problem(await api.send("POST", "/v1/comments", json=new_comment()), 403, "thread_locked")
    reply = new_comment(parent_id=root["id"])
    assert_problem(await api.send("POST", "/v1/comments", json=reply, user="bob"), 403, "thread_locked")
    from_mod = await api.create("locked for now", **MOD)
    from_admin = await api.reply(root, "indeed", user="root", role=Role.ADMIN)
    assert (await api.edit(root["id"], "before the lock (edited)"))["changed"] is True
    assert (await api.like(root["id"], user="bob"))["changed"] is True
    page = await api.thread()
    assert page["meta"]["locked"] is True
    nodes = {node["id"]: node for node in page["data"]}
    assert sorted(nodes) == sorted([root["id"], from_mod["id"]])
    assert ids(nodes[root["id"]]["replies"]) == [from_admin["id"]]
    # Other threads stay open.
    await api.create("elsewhere", entity_id="p2")
    assert (await api.thread("post", "p2"))["meta"]["locked"] is False


async def test_unlocking_reopens_the_thread_and_repeats_change_nothing(api: Api) -> None:
    first = await lock(api)
    repeat = await lock(api)
    unlocked = await unlock(api)
    unlock_again = await unlock(api)

    assert (first["changed"], repeat["changed"]) == (True, False)
    assert (unlocked["changed"], unlocked["locked"], unlock_again["changed"]) == (True, False, False)
    assert (await api.create("open again"))["status"] == "ACTIVE"
    assert (await api.thread())["meta"]["locked"] is False


async def test_an_empty_thread_reads_as_unlocked_and_can_be_locked_before_its_first_comment(api: Api) -> None:
    assert (await api.thread("post", "fresh"))["meta"]["locked"] is False

    await lock(api, "fresh")

    page = await api.thread("post", "fresh")
    assert (page["meta"]["locked"], page["data"], page["meta"]["total"]) == (True, [], 0)
    response = await api.send("POST", "/v1/comments", json=new_comment(entity_id="fresh"))
    assert_problem(response, 403, "thread_locked")


async def test_users_cannot_lock_or_unlock_threads(api: Api) -> None:
    locking = await api.send("PUT", "/v1/entities/post/p1/lock", user="alice")
    await lock(api)
    unlocking = await api.send("DELETE", "/v1/entities/post/p1/lock", user="alice")

    assert_problem(locking, 403, "permission_denied")
    assert_problem(unlocking, 403, "permission_denied")
    assert (await api.thread())["meta"]["locked"] is True


async def test_bans_and_locks_are_audited_with_the_acting_moderator(api: Api) -> None:
    await ban(api, "bob", {"reason": "spam"})
    await unban(api, "bob")
    await lock(api, body={"reason": "heated"})
    await api.ok("DELETE", "/v1/entities/post/p1/lock", user="root", role=Role.ADMIN)

    for event_type, actor in (
        ("UserBanned", "mod"),
        ("UserUnbanned", "mod"),
        ("ThreadLocked", "mod"),
        ("ThreadUnlocked", "root"),
    ):
        [event] = await api.audit_events(event_type=event_type)
        assert event["metadata"]["actor_id"] == actor, event
        assert event["comment_id"] in (None, ""), event


async def test_a_lock_or_ban_in_one_tenant_leaves_another_tenant_alone(api: Api, other_api: Api) -> None:
    await lock(other_api)
    await ban(other_api, "alice")

    created = await api.create("acme's p1 is open")

    assert created["status"] == "ACTIVE"
    assert (await api.thread())["meta"]["locked"] is False
    assert await bans(api) == []
    assert_problem(await other_api.send("POST", "/v1/comments", json=new_comment()), 403, "user_banned")
    locked = await other_api.send("POST", "/v1/comments", json=new_comment(), user="bob")
    assert_problem(locked, 403, "thread_locked")
    assert (await other_api.thread())["meta"]["locked"] is True


async def test_a_lock_shows_on_cached_thread_pages_at_once(api: Api) -> None:
    await api.create("a comment")
    await api.settle()
    assert (await api.thread(fresh=False))["meta"]["locked"] is False  # now cached

    await lock(api)
    await api.settle()
    assert (await api.thread(fresh=False))["meta"]["locked"] is True

    await unlock(api)
    await api.settle()
    assert (await api.thread(fresh=False))["meta"]["locked"] is False
