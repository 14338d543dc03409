"""PATCH /v1/comments/{id}: editing content, the edited flags, and what an edit may not do."""

from __future__ import annotations

import uuid

import pytest

from tests.api.support import Api, assert_problem
from threadline.domain.identity import Role


async def test_the_author_edits_and_the_comment_is_marked_edited(api: Api) -> None:
    created = await api.create("first draft")

    edited = await api.edit(created["id"], "  second draft  ")

    assert (edited["id"], edited["changed"], edited["status"]) == (created["id"], True, "ACTIVE")
    assert edited["position"] > created["position"]
    snapshot = edited["comment"]
    assert snapshot["content"] == "second draft"
    assert snapshot["is_edited"] is True
    assert snapshot["edited_at"] is not None
    node = await api.comment(created["id"])
    assert node["content"] == "second draft"
    assert node["content_html"] == "<p>second draft</p>"
    assert node["is_edited"] is True
    assert node["edited_at"] == snapshot["edited_at"]
    assert node["created_at"] == created["comment"]["created_at"]
    assert node["updated_at"] >= node["created_at"]


async def test_an_edit_response_has_the_fields_of_a_read_and_leaves_the_counts_to_it(api: Api) -> None:
    created = await api.create("counted")
    await api.like(created["id"])
    await api.reply(created, "a reply")

    edited = (await api.edit(created["id"], "counted, edited"))["comment"]

    node = await api.comment(created["id"])
    assert list(edited) == list(node)
    counts = ("like_count", "reply_count", "view_count")
    assert [edited[k] for k in counts] == [None, None, None]  # the write model keeps no counts
    assert (node["like_count"], node["reply_count"]) == (1, 1)
    assert {k: v for k, v in edited.items() if k not in counts} == {
        k: v for k, v in node.items() if k not in counts
    }


async def test_an_edit_of_a_markdown_comment_is_rendered_as_markdown(api: Api) -> None:
    created = await api.create("plain *start*", content_format="markdown")

    await api.edit(created["id"], "now **bold**")

    assert (await api.comment(created["id"]))["content_html"] == "<p>now <strong>bold</strong></p>"


async def test_an_edit_with_the_same_content_changes_nothing(api: Api) -> None:
    created = await api.create("stable")

    again = await api.edit(created["id"], "stable")

    assert again["changed"] is False
    assert await api.audit_events(comment_id=created["id"], event_type="CommentUpdated") == []
    node = await api.comment(created["id"])
    assert (node["is_edited"], node["edited_at"]) == (False, None)


async def test_the_edited_thread_page_is_served_fresh_after_the_edit(api: Api) -> None:
    created = await api.create("before")
    await api.thread(fresh=False)  # may cache a page from before the projection caught up
    await api.settle()
    cached = await api.thread(fresh=False)
    assert [n["content"] for n in cached["data"]] == ["before"]

    await api.edit(created["id"], "after")
    await api.settle()

    # Without min_position the cache answers; the projector invalidated the page it had.
    page = await api.thread(fresh=False)
    assert [n["content"] for n in page["data"]] == ["after"]
    assert (await api.comment(created["id"], fresh=False))["content"] == "after"


@pytest.mark.parametrize(
    ("content", "code"),
    [
        ("", "invalid_content"),
        ("   ", "invalid_content"),
        ("x" * 10_001, "invalid_content"),
        ("a\x00", "invalid_content"),
    ],
)
async def test_an_edit_to_invalid_content_is_rejected(api: Api, content: str, code: str) -> None:
    created = await api.create("valid")

    response = await api.send("PATCH", f"/v1/comments/{created['id']}", json={"content": content})

    assert_problem(response, 422, code)
    assert (await api.comment(created["id"]))["content"] == "valid"


async def test_editing_an_unknown_comment_is_comment_not_found(api: Api) -> None:
    response = await api.send("PATCH", f"/v1/comments/{uuid.uuid4()}", json={"content": "x"})

    assert_problem(response, 404, "comment_not_found")


async def test_editing_a_deleted_comment_is_comment_deleted(api: Api) -> None:
    created = await api.create("to delete")
    await api.reply(created)
    await api.delete(created["id"])

    response = await api.send("PATCH", f"/v1/comments/{created['id']}", json={"content": "revived?"})

    assert_problem(response, 409, "comment_deleted")
    tombstone = await api.comment(created["id"])
    assert (tombstone["status"], tombstone["content"]) == ("DELETED", None)


@pytest.mark.parametrize(
    "body",
    [{}, {"content": None}, {"content": 42}, {"content": "x", "entity_id": "p2"}, ["x"]],
    ids=["missing", "null", "number", "extra-field", "array"],
)
async def test_a_malformed_edit_body_is_validation_failed(api: Api, body: object) -> None:
    created = await api.create("untouched")

    response = await api.send("PATCH", f"/v1/comments/{created['id']}", json=body)

    problem = assert_problem(response, 422, "validation_failed")
    assert problem["errors"]
    assert (await api.comment(created["id"]))["content"] == "untouched"


async def test_a_moderator_s_edit_keeps_the_comment_its_author_s(api: Api) -> None:
    created = await api.create("by alice", user="alice")

    edited = await api.edit(created["id"], "tidied by a moderator", user="mod", role=Role.MODERATOR)

    node = await api.comment(created["id"])
    assert edited["comment"]["author_id"] == "alice"
    assert (node["author_id"], node["author_name"], node["author_role"]) == ("alice", "Alice", "user")
    assert (node["content"], node["is_edited"]) == ("tidied by a moderator", True)
