"""DELETE /v1/comments/{id} (soft, with tombstones) and DELETE /v1/admin/comments/{id} (erasure)."""

from __future__ import annotations

import uuid

import pytest

from tests.api.support import Api, Json, assert_problem, contents
from threadline.domain.identity import Role

TOMBSTONE_NULLS = ("author_id", "author_name", "author_avatar", "author_role", "content", "content_html")


def assert_tombstone(node: Json) -> None:
    assert node["status"] == "DELETED"
    for key in TOMBSTONE_NULLS:
        assert node[key] is None, key


async def test_deleting_a_leaf_removes_it_from_the_tree_and_from_its_parent_s_count(api: Api) -> None:
    root = await api.create("root")
    keep = await api.reply(root, "keep")
    leaf = await api.reply(root, "leaf")

    deleted = await api.delete(leaf["id"], user="bob")

    assert (deleted["id"], deleted["changed"], deleted["status"]) == (leaf["id"], True, "DELETED")
    page = await api.thread()
    assert page["data"][0]["reply_count"] == 1
    assert [r["id"] for r in page["data"][0]["replies"]] == [keep["id"]]
    assert_problem(await api.get(f"/v1/comments/{leaf['id']}"), 404, "comment_not_found")
    assert (await api.replies(root["id"]))["meta"]["total"] == 1
    assert await api.counts(["p1"]) == {"p1": 2}


async def test_deleting_a_root_without_replies_removes_it_from_the_thread(api: Api) -> None:
    gone = await api.create("gone")
    await api.create("stays")

    await api.delete(gone["id"])

    page = await api.thread()
    assert contents(page["data"]) == ["stays"]
    assert page["meta"]["total"] == 1


async def test_a_repeated_delete_changes_nothing(api: Api) -> None:
    root = await api.create("root")
    await api.reply(root)
    await api.delete(root["id"])

    again = await api.delete(root["id"])

    assert (again["changed"], again["status"]) == (False, "DELETED")
    assert len(await api.audit_events(comment_id=root["id"], event_type="CommentDeleted")) == 1
    assert await api.counts(["p1"]) == {"p1": 1}


async def test_a_deleted_comment_with_replies_stays_as_a_tombstone_holding_them(api: Api) -> None:
    root = await api.create("root with replies", user="alice")
    first = await api.reply(root, "first")
    second = await api.reply(root, "second")
    await api.like(root["id"], user="carol")

    await api.delete(root["id"])

    page = await api.thread()
    [tombstone] = page["data"]
    assert tombstone["id"] == root["id"]
    assert_tombstone(tombstone)
    assert tombstone["reply_count"] == 2
    assert [r["id"] for r in tombstone["replies"]] == [first["id"], second["id"]]
    assert contents(tombstone["replies"]) == ["first", "second"]
    assert page["meta"]["total"] == 1
    single = await api.comment(root["id"])
    assert_tombstone(single)
    assert (await api.replies(root["id"]))["meta"]["total"] == 2
    assert await api.counts(["p1"]) == {"p1": 2}
    assert (await api.search("replies"))["data"] == []


async def test_deleting_the_last_reply_under_a_tombstone_removes_the_tombstone_too(api: Api) -> None:
    root = await api.create("root")
    middle = await api.reply(root, "middle")
    last = await api.reply(middle, "last")
    await api.create("unrelated")
    await api.delete(root["id"])
    await api.delete(middle["id"], user="bob")

    page = await api.thread()
    assert_tombstone(page["data"][1])
    assert_tombstone(page["data"][1]["replies"][0])

    await api.delete(last["id"], user="bob")

    page = await api.thread()
    assert contents(page["data"]) == ["unrelated"]
    assert page["meta"]["total"] == 1
    for gone in (root, middle, last):
        assert_problem(await api.get(f"/v1/comments/{gone['id']}"), 404, "comment_not_found")
    assert await api.counts(["p1"]) == {"p1": 1}


async def test_a_tombstone_with_a_remaining_live_reply_stays(api: Api) -> None:
    root = await api.create("root")
    first = await api.reply(root, "first")
    await api.reply(root, "second")
    await api.delete(root["id"])

    await api.delete(first["id"], user="bob")

    [tombstone] = (await api.thread())["data"]
    assert_tombstone(tombstone)
    assert tombstone["reply_count"] == 1
    assert contents(tombstone["replies"]) == ["second"]


@pytest.mark.parametrize("where", ["query", "body"])
async def test_the_reason_is_recorded_from_the_query_or_the_body(api: Api, where: str) -> None:
    created = await api.create("spam")
    params = {"reason": "spam link"} if where == "query" else None
    body = {"reason": "spam link"} if where == "body" else None

    await api.ok(
        "DELETE", f"/v1/comments/{created['id']}", user="mod", role=Role.MODERATOR, params=params, json=body
    )

    [event] = await api.audit_events(comment_id=created["id"], event_type="CommentDeleted")
    assert event["payload"]["reason"] == "spam link"
    assert (event["metadata"]["actor_id"], event["metadata"]["actor_role"]) == ("mod", "moderator")


async def test_a_delete_without_a_reason_is_allowed(api: Api) -> None:
    created = await api.create("mine")

    await api.delete(created["id"])

    [event] = await api.audit_events(comment_id=created["id"], event_type="CommentDeleted")
    assert event["payload"]["reason"] is None


@pytest.mark.parametrize(
    ("query", "body", "status", "code"),
    [
        ({"reason": "r" * 1001}, None, 422, "validation_failed"),
        (None, b'{"reason": "' + b"r" * 1001 + b'"}', 422, "invalid_command"),
        (None, b'{"reason": "bell\\u0007"}', 422, "invalid_command"),
        ({"reason": "nul\x00"}, None, 422, "invalid_command"),
        (None, b'{"reason": 12}', 422, "validation_failed"),
        (None, b'{"why": "no such field"}', 422, "validation_failed"),
        (None, b"{not json", 400, "malformed_json"),
        (None, b'{"reason": "lone \\udc00 surrogate"}', 422, "invalid_command"),
    ],
    ids=[
        "long-query",
        "long-body",
        "control-body",
        "control-query",
        "number",
        "extra-field",
        "non-json",
        "surrogate",
    ],
)
async def test_a_bad_reason_is_rejected_and_nothing_is_deleted(
    api: Api, query: dict[str, str] | None, body: bytes | None, status: int, code: str
) -> None:
    created = await api.create("still here")

    response = await api.http.request(
        "DELETE",
        f"/v1/comments/{created['id']}",
        params=query,
        content=body,
        headers={**api.auth(), "Content-Type": "application/json"},
    )

    assert_problem(response, status, code)
    assert (await api.comment(created["id"]))["status"] == "ACTIVE"
    # Nothing the log holds cannot be served back: the audit trail still answers.
    assert [e["event_type"] for e in await api.audit_events()] == ["CommentCreated"]


async def test_deleting_an_unknown_comment_is_comment_not_found(api: Api) -> None:
    response = await api.send("DELETE", f"/v1/comments/{uuid.uuid4()}")

    assert_problem(response, 404, "comment_not_found")


SECRET = "xylophonequartz"


async def _erasable(api: Api) -> dict[str, Json]:
    """A comment whose words and author must vanish, with an edit, a like and replies."""
    target = await api.create(f"my {SECRET} words", user="zed")
    await api.edit(target["id"], f"my {SECRET} words, edited", user="zed")
    await api.like(target["id"], user="bob")
    reply = await api.reply(target, "a reply that stays", user="bob")
    nested = await api.reply(reply, "nested reply stays", user="carol")
    await api.delete(target["id"], user="zed", reason=f"regret {SECRET}")
    return {"target": target, "reply": reply, "nested": nested}


async def test_an_admin_hard_delete_erases_the_words_everywhere_and_keeps_the_replies(api: Api) -> None:
    comments = await _erasable(api)
    target = comments["target"]

    erased = await api.hard_delete(target["id"], reason="erasure request 17")

    assert (erased["id"], erased["changed"], erased["status"]) == (target["id"], True, "DELETED")
    page = await api.thread()
    [tombstone] = page["data"]
    assert tombstone["id"] == target["id"]
    assert_tombstone(tombstone)
    assert (tombstone["like_count"], tombstone["is_edited"], tombstone["edited_at"]) == (0, False, None)
    assert contents(tombstone["replies"]) == ["a reply that stays"]
    assert contents(tombstone["replies"][0]["replies"]) == ["nested reply stays"]
    responses = [
        await api.get("/v1/entities/post/p1/comments", user="bob"),
        await api.get(f"/v1/comments/{target['id']}", user="zed"),
        await api.get(f"/v1/comments/{target['id']}/replies"),
        await api.get(f"/v1/comments/{comments['reply']['id']}"),
    ]
    for response in responses:
        assert response.status_code == 200
        assert SECRET not in response.text
        assert "Zed" not in response.text and "img.test/zed" not in response.text
    assert (await api.search(SECRET))["meta"]["total"] == 0
    assert (await api.search("stays"))["meta"]["total"] == 2
    assert await api.history(target["id"], user="root", role=Role.ADMIN) == []
    assert await api.counts(["p1"]) == {"p1": 2}


async def test_a_hard_delete_leaves_no_words_in_the_audit_trail_but_an_audit_record(api: Api) -> None:
    comments = await _erasable(api)
    target = comments["target"]

    await api.hard_delete(target["id"], reason="erasure request 17")

    everything = await api.audit_events()
    assert SECRET not in str(everything)
    for event in everything:
        if event["comment_id"] == target["id"]:
            assert "Zed" not in str(event["payload"])
            assert "img.test/zed" not in str(event["payload"])
    [record] = await api.audit_events(comment_id=target["id"], event_type="CommentHardDeleted")
    assert record["payload"]["reason"] == "erasure request 17"
    assert (record["metadata"]["actor_id"], record["metadata"]["actor_role"]) == ("root", "admin")
    assert record["recorded_at"]
    # The replies' own events keep their content: only the erased comment is redacted.
    [reply_created] = await api.audit_events(comment_id=comments["reply"]["id"], event_type="CommentCreated")
    assert reply_created["payload"]["content"] == "a reply that stays"


async def test_a_hard_deleted_comment_is_gone_for_every_command(api: Api) -> None:
    comments = await _erasable(api)
    target_id = comments["target"]["id"]
    await api.hard_delete(target_id)

    again = await api.send(
        "DELETE", f"/v1/admin/comments/{target_id}", user="root", role=Role.ADMIN, params={"reason": "again"}
    )
    edit = await api.send("PATCH", f"/v1/comments/{target_id}", user="zed", json={"content": "back"})
    like = await api.send("PUT", f"/v1/comments/{target_id}/like", user="bob")
    soft = await api.send("DELETE", f"/v1/comments/{target_id}", user="zed")
    reply = await api.send(
        "POST",
        "/v1/comments",
        json={"entity_type": "post", "entity_id": "p1", "content": "late", "parent_id": target_id},
    )

    for response in (again, edit, like, soft):
        assert_problem(response, 404, "comment_not_found")
    assert_problem(reply, 422, "parent_not_found")  # an erased comment is gone for every purpose


async def test_hard_deleting_a_leaf_removes_it_and_decrements_its_parent(api: Api) -> None:
    root = await api.create("root")
    leaf = await api.reply(root, f"leaf {SECRET}")
    await api.like(leaf["id"], user="carol")

    await api.hard_delete(leaf["id"])

    page = await api.thread()
    assert page["data"][0]["reply_count"] == 0 and page["data"][0]["replies"] == []
    assert_problem(await api.get(f"/v1/comments/{leaf['id']}"), 404, "comment_not_found")
    assert SECRET not in str(await api.audit_events())
    assert await api.counts(["p1"]) == {"p1": 1}


async def test_hard_deleting_a_live_comment_with_replies_leaves_a_tombstone(api: Api) -> None:
    root = await api.create(f"live {SECRET}")
    await api.reply(root, "reply")

    await api.hard_delete(root["id"])

    [tombstone] = (await api.thread())["data"]
    assert_tombstone(tombstone)
    assert contents(tombstone["replies"]) == ["reply"]
    assert await api.counts(["p1"]) == {"p1": 1}


@pytest.mark.parametrize(("user", "role"), [("alice", Role.USER), ("mod", Role.MODERATOR)])
async def test_only_admins_hard_delete(api: Api, user: str, role: Role) -> None:
    created = await api.create("mine", user="alice")

    response = await api.send(
        "DELETE", f"/v1/admin/comments/{created['id']}", user=user, role=role, params={"reason": "please"}
    )

    assert_problem(response, 403, "permission_denied")
    assert (await api.comment(created["id"]))["content"] == "mine"


@pytest.mark.parametrize(
    ("params", "body"),
    [(None, None), ({"reason": ""}, None), ({"reason": "   "}, None), (None, {"reason": None}), (None, {})],
    ids=["none", "empty", "blank", "null", "empty-body"],
)
async def test_a_hard_delete_needs_a_reason(
    api: Api, params: dict[str, str] | None, body: dict[str, None] | None
) -> None:
    created = await api.create("still here")

    response = await api.send(
        "DELETE",
        f"/v1/admin/comments/{created['id']}",
        user="root",
        role=Role.ADMIN,
        params=params,
        json=body,
    )

    problem = assert_problem(response, 422, "invalid_command")
    assert problem["field"] == "reason"
    assert (await api.comment(created["id"]))["content"] == "still here"


async def test_hard_deleting_an_already_deleted_leaf_erases_it_too(api: Api) -> None:
    root = await api.create("root")
    leaf = await api.reply(root, f"leaf {SECRET}")
    await api.delete(leaf["id"], user="bob", reason=f"oops {SECRET}")

    erased = await api.hard_delete(leaf["id"])

    assert erased["changed"] is True
    assert SECRET not in str(await api.audit_events())
    assert (await api.thread())["data"][0]["reply_count"] == 0
    assert_problem(await api.get(f"/v1/comments/{leaf['id']}"), 404, "comment_not_found")
    assert await api.counts(["p1"]) == {"p1": 1}
