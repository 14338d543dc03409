"""Pre-moderation: a user's new comment waits, PENDING, for a moderator's approval before anyone
else sees it; approve publishes it, reject turns it down for good."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.support import MODERATOR, Api, Json, assert_problem, ids
from threadline.bootstrap import Threadline
from threadline.domain.identity import Role
from threadline.domain.tenant import Tenant, TenantSettings

MOD = MODERATOR


@pytest.fixture(autouse=True)
async def premoderated(container: Threadline, tenant: Tenant) -> None:
    await container.tenants.set_settings(tenant.id, TenantSettings(premoderation=True))
    container.verifier.forget(tenant.id)


async def approve(api: Api, comment_id: str, **kwargs: Any) -> Json:
    return await api.ok("POST", f"/v1/comments/{comment_id}/approve", **{**MOD, **kwargs})


async def reject(api: Api, comment_id: str, reason: str | None = None) -> Json:
    body = {"reason": reason} if reason is not None else None
    return await api.ok("POST", f"/v1/comments/{comment_id}/reject", json=body, **MOD)


async def by_id(api: Api, comment_id: str, user: str | None = None, role: Role = Role.USER) -> int:
    """The status code of GET /v1/comments/{id} as ``user`` (anonymous if None)."""
    return (await api.get(f"/v1/comments/{comment_id}", user=user, role=role)).status_code


async def test_a_users_comment_waits_while_moderators_and_admins_publish_at_once(api: Api) -> None:
    users = await api.create("from a user")
    moderators = await api.create("from a moderator", **MOD)
    admins = await api.create("from an admin", user="root", role=Role.ADMIN)

    assert (users["status"], users["comment"]["status"]) == ("PENDING", "PENDING")
    assert (moderators["status"], admins["status"]) == ("ACTIVE", "ACTIVE")
    page = await api.thread()
    assert sorted(ids(page["data"])) == sorted([moderators["id"], admins["id"]])
    assert page["meta"]["total"] == 2
    assert await api.counts(["p1"]) == {"p1": 2}


async def test_a_pending_comment_is_hidden_from_other_readers_until_approved(api: Api) -> None:
    pending = await api.create("a lingonberry opinion")

    assert await by_id(api, pending["id"]) == 404
    assert_problem(await api.get(f"/v1/comments/{pending['id']}", user="bob"), 404, "comment_not_found")
    assert (await api.comment(pending["id"], user="alice"))["status"] == "PENDING"
    assert (await api.comment(pending["id"], **MOD))["status"] == "PENDING"
    assert (await api.comment(pending["id"], user="root", role=Role.ADMIN))["status"] == "PENDING"
    assert (await api.thread())["data"] == []
    assert (await api.thread())["meta"]["total"] == 0
    assert await api.counts(["p1"]) == {"p1": 0}
    assert (await api.search("lingonberry"))["data"] == []

    approved = await approve(api, pending["id"])

    assert (approved["changed"], approved["status"]) == (True, "ACTIVE")
    assert (await api.comment(pending["id"]))["status"] == "ACTIVE"
    assert (await api.comment(pending["id"], user="bob"))["content"] == "a lingonberry opinion"
    page = await api.thread()
    assert ids(page["data"]) == [pending["id"]] and page["meta"]["total"] == 1
    assert await api.counts(["p1"]) == {"p1": 1}
    assert [hit["id"] for hit in (await api.search("lingonberry"))["data"]] == [pending["id"]]


async def test_a_pending_reply_is_not_counted_under_its_parent_until_approved(api: Api) -> None:
    root = await api.create("root", **MOD)
    reply = await api.reply(root, "pending reply", user="bob")
    assert reply["status"] == "PENDING"

    assert (await api.comment(root["id"]))["reply_count"] == 0
    [node] = (await api.thread())["data"]
    assert (node["reply_count"], node["replies"]) == (0, [])

    await approve(api, reply["id"])

    assert (await api.comment(root["id"]))["reply_count"] == 1
    [node] = (await api.thread())["data"]
    assert ids(node["replies"]) == [reply["id"]]
    assert await api.counts(["p1"]) == {"p1": 2}


async def test_the_thread_page_lists_the_callers_own_pending_comments_and_all_for_a_moderator(
    api: Api, other_api: Api
) -> None:
    alices = await api.create("alice waits")
    bobs = await api.create("bob waits", user="bob")
    await api.create("elsewhere", entity_id="p2")  # another thread's pending comment is not listed

    assert ids((await api.thread(user="alice"))["pending"]) == [alices["id"]]
    assert ids((await api.thread(user="bob"))["pending"]) == [bobs["id"]]
    assert (await api.thread(user="carol"))["pending"] == []
    staff = (await api.thread(**MOD))["pending"]
    assert sorted(ids(staff)) == sorted([alices["id"], bobs["id"]])
    assert {node["status"] for node in staff} == {"PENDING"}
    assert "pending" not in await api.thread()  # anonymous readers get the plain page
    # A tenant without pre-moderation has no pending list at all.
    await other_api.create("straight out")
    assert "pending" not in await other_api.thread(user="alice")


async def test_a_pending_comment_cannot_be_liked_or_replied_to(api: Api) -> None:
    pending = await api.create("not yet")
    path = f"/v1/comments/{pending['id']}/like"

    assert_problem(await api.send("PUT", path, user="alice"), 409, "comment_pending")
    assert_problem(await api.send("PUT", path, **MOD), 409, "comment_pending")
    assert_problem(await api.send("PUT", path, user="bob"), 404, "comment_not_found")
    reply = {"entity_type": "post", "entity_id": "p1", "content": "re", "parent_id": pending["id"]}
    # To anyone else the pending parent does not exist: the same answer as for an unknown parent.
    assert_problem(await api.send("POST", "/v1/comments", json=reply, user="bob"), 422, "parent_not_found")
    assert_problem(await api.send("POST", "/v1/comments", json=reply, user="alice"), 409, "parent_not_live")
    assert (await api.comment(pending["id"], user="alice"))["like_count"] == 0


async def test_the_author_may_edit_a_pending_comment_and_it_stays_pending(api: Api) -> None:
    pending = await api.create("frist")

    edited = await api.edit(pending["id"], "first")
    others = await api.send("PATCH", f"/v1/comments/{pending['id']}", json={"content": "x"}, user="bob")

    assert (edited["changed"], edited["status"]) == (True, "PENDING")
    assert_problem(others, 404, "comment_not_found")
    mine = await api.comment(pending["id"], user="alice")
    assert (mine["status"], mine["content"]) == ("PENDING", "first")
    assert await by_id(api, pending["id"]) == 404
    assert (await api.search("first"))["data"] == []


async def test_the_author_may_delete_a_pending_comment_which_then_cannot_be_approved(api: Api) -> None:
    pending = await api.create("never mind")

    deleted = await api.delete(pending["id"])

    assert deleted["changed"] is True
    assert_problem(
        await api.send("POST", f"/v1/comments/{pending['id']}/approve", **MOD), 409, "comment_deleted"
    )
    assert (await api.thread(user="alice"))["pending"] == []
    assert (await api.thread())["data"] == []
    assert await api.counts(["p1"]) == {"p1": 0}


async def test_only_moderators_and_admins_approve_and_a_repeat_changes_nothing(api: Api) -> None:
    pending = await api.create("hold on")
    path = f"/v1/comments/{pending['id']}/approve"

    assert_problem(await api.send("POST", path, user="alice"), 403, "permission_denied")
    assert_problem(await api.send("POST", path, user="bob"), 403, "permission_denied")
    assert (await api.comment(pending["id"], user="alice"))["status"] == "PENDING"
    first = await approve(api, pending["id"], user="root", role=Role.ADMIN)
    repeat = await approve(api, pending["id"])

    assert (first["changed"], repeat["changed"]) == (True, False)
    assert repeat["status"] == "ACTIVE"
    assert (await api.thread())["meta"]["total"] == 1


async def test_approving_a_reply_whose_parent_was_deleted_meanwhile_is_parent_not_live(api: Api) -> None:
    root = await api.create("root", **MOD)
    reply = await api.reply(root, "late reply", user="bob")
    await api.delete(root["id"], **MOD)

    response = await api.send("POST", f"/v1/comments/{reply['id']}/approve", **MOD)

    assert_problem(response, 409, "parent_not_live")
    assert (await api.comment(reply["id"], user="bob"))["status"] == "PENDING"


async def test_a_rejected_comment_is_never_shown_but_its_author_still_sees_it(api: Api) -> None:
    pending = await api.create("buy cheap watches")

    first = await reject(api, pending["id"], "spam")
    repeat = await reject(api, pending["id"])
    user_rejects = await api.send("POST", f"/v1/comments/{pending['id']}/reject", user="bob")

    assert (first["changed"], first["status"]) == (True, "REJECTED")
    assert repeat["changed"] is False
    assert_problem(user_rejects, 403, "permission_denied")
    assert (await api.comment(pending["id"], user="alice"))["status"] == "REJECTED"
    assert await by_id(api, pending["id"]) == 404
    assert await by_id(api, pending["id"], user="bob") == 404
    assert (await api.thread())["data"] == []
    assert (await api.thread(user="alice"))["pending"] == []
    assert await api.counts(["p1"]) == {"p1": 0}
    assert (await api.search("watches"))["data"] == []


async def test_cached_pages_never_show_a_pending_comment_to_anyone_else(api: Api) -> None:
    pending = await api.create("for my eyes and the moderators'")
    published = await api.create("published", **MOD)
    await api.settle()
    path = f"/v1/comments/{pending['id']}"

    # The author and a moderator read first (no min_position: through the cache)...
    assert ids((await api.thread(user="alice", fresh=False))["pending"]) == [pending["id"]]
    assert (await api.comment(pending["id"], fresh=False, **MOD))["status"] == "PENDING"
    assert (await api.comment(pending["id"], user="alice", fresh=False))["status"] == "PENDING"
    # ...and nothing of what they saw reaches anyone else.
    anonymous = await api.thread(fresh=False)
    assert ids(anonymous["data"]) == [published["id"]] and "pending" not in anonymous
    assert (await api.thread(user="bob", fresh=False))["pending"] == []
    assert_problem(await api.get(path, fresh=False), 404, "comment_not_found")
    assert_problem(await api.get(path, user="bob", fresh=False), 404, "comment_not_found")

    await approve(api, pending["id"])
    await api.settle()

    assert sorted(ids((await api.thread(fresh=False))["data"])) == sorted([pending["id"], published["id"]])
    assert (await api.comment(pending["id"], fresh=False))["status"] == "ACTIVE"
    assert (await api.thread(user="alice", fresh=False))["pending"] == []


async def test_a_pending_reply_is_not_listed_among_its_parents_replies(api: Api) -> None:
    root = await api.create("root", **MOD)
    reply = await api.reply(root, "wait for it", user="bob")

    before = await api.replies(root["id"], user="carol")
    await approve(api, reply["id"])
    after = await api.replies(root["id"], user="carol")

    assert (before["data"], before["meta"]["total"]) == ([], 0)
    assert (ids(after["data"]), after["meta"]["total"]) == ([reply["id"]], 1)
