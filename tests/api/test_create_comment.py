"""POST /v1/comments: roots, replies, the rules on what a comment may contain, and safe retries."""

from __future__ import annotations

import asyncio
import uuid
from html.parser import HTMLParser

import pytest

from tests.api.support import NODE_FIELDS, Api, assert_problem, contents


class TagCollector(HTMLParser):
    """Every element and attribute an HTML fragment would create in a browser."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))

    @classmethod
    def of(cls, html: str) -> list[tuple[str, list[tuple[str, str | None]]]]:
        parser = cls()
        parser.feed(html)
        parser.close()
        return parser.tags


async def test_root_comment_is_created_with_the_author_from_the_token(api: Api) -> None:
    response = await api.send(
        "POST", "/v1/comments", json={"entity_type": "post", "entity_id": "p1", "content": "First!"}
    )

    assert response.status_code == 201
    body = response.json()
    assert uuid.UUID(body["id"])
    assert body["position"] >= 1
    assert response.headers["X-Threadline-Position"] == str(body["position"])
    assert (body["changed"], body["status"]) == (True, "ACTIVE")
    snapshot = body["comment"]
    assert snapshot["id"] == body["id"]
    assert (snapshot["entity_type"], snapshot["entity_id"]) == ("post", "p1")
    assert (snapshot["parent_id"], snapshot["depth"]) == (None, 0)
    assert snapshot["author_id"] == "alice"
    assert snapshot["author_name"] == "Alice"
    assert snapshot["author_avatar"] == "https://img.test/alice.png"
    assert snapshot["author_role"] == "user"
    assert (snapshot["content"], snapshot["content_format"]) == ("First!", "plain")
    assert (snapshot["is_pinned"], snapshot["is_edited"], snapshot["edited_at"]) == (False, False, None)


async def test_created_comment_reads_back_with_counts_and_no_internal_fields(api: Api) -> None:
    created = await api.create("Hello there", user="carol")

    node = await api.comment(created["id"])

    assert set(node) == NODE_FIELDS
    assert node["id"] == created["id"]
    assert node["content"] == "Hello there"
    assert node["content_html"] == "<p>Hello there</p>"
    assert (node["author_id"], node["author_name"]) == ("carol", "Carol")
    assert (node["like_count"], node["reply_count"]) == (0, 0)
    assert isinstance(node["view_count"], int)
    assert node["status"] == "ACTIVE"
    assert node["created_at"] == created["comment"]["created_at"]


async def test_a_create_response_shows_the_comment_exactly_as_a_read_of_it_does(api: Api) -> None:
    root = await api.create("Shown **the same**", content_format="markdown")
    reply = await api.reply(root, "and so is a reply")

    for created in (root, reply):
        node = await api.comment(created["id"])
        assert list(created["comment"]) == list(node)  # the same keys, in the same order
        assert set(node) == NODE_FIELDS
        fresh = {"like_count": 0, "reply_count": 0, "view_count": 0}
        assert {k: created["comment"][k] for k in fresh} == fresh
        assert created["comment"] == {**node, **fresh}  # the read may already count the reply


async def test_a_repeated_create_shows_the_fields_of_a_read_with_the_counts_it_cannot_know(api: Api) -> None:
    comment_id = str(uuid.uuid4())
    first = await api.create("liked soon", comment_id=comment_id)
    await api.like(comment_id)

    again = await api.create("liked soon", comment_id=comment_id)

    node = await api.comment(comment_id)
    assert list(again["comment"]) == list(node)
    counts = ("like_count", "reply_count", "view_count")
    assert [again["comment"][k] for k in counts] == [None, None, None]
    assert node["like_count"] == 1
    assert {k: v for k, v in again["comment"].items() if k not in counts} == {
        k: v for k, v in first["comment"].items() if k not in counts
    }


async def test_content_is_stored_trimmed(api: Api) -> None:
    created = await api.create("  \n  padded words \t \n")

    assert created["comment"]["content"] == "padded words"
    assert (await api.comment(created["id"]))["content"] == "padded words"


async def test_reply_is_nested_under_its_parent_and_counted(api: Api) -> None:
    root = await api.create("root")
    reply = await api.reply(root, "child")
    grandchild = await api.reply(reply, "grandchild", user="carol")

    assert (reply["comment"]["parent_id"], reply["comment"]["depth"]) == (root["id"], 1)
    assert (grandchild["comment"]["parent_id"], grandchild["comment"]["depth"]) == (reply["id"], 2)
    assert (await api.comment(root["id"]))["reply_count"] == 1
    page = await api.thread()
    [node] = page["data"]
    assert contents(node["replies"]) == ["child"]
    assert contents(node["replies"][0]["replies"]) == ["grandchild"]


async def test_plain_text_is_escaped_and_keeps_its_line_breaks(api: Api) -> None:
    created = await api.create("<b>bold?</b>\nsecond line\n\nnext paragraph")

    node = await api.comment(created["id"])

    assert node["content"] == "<b>bold?</b>\nsecond line\n\nnext paragraph"
    assert node["content_html"] == "<p>&lt;b&gt;bold?&lt;/b&gt;<br>second line</p><p>next paragraph</p>"


async def test_markdown_is_rendered_and_nothing_executable_survives(api: Api) -> None:
    hostile = (
        "**bold** and [ok](https://example.com)\n\n"
        "<script>alert(1)</script>\n\n"
        "[click](javascript:alert(1))\n\n"
        '<iframe src="https://evil.test"></iframe>\n\n'
        '<img src=x onerror="alert(1)">'
    )
    created = await api.create(hostile, content_format="markdown")

    node = await api.comment(created["id"])

    html = node["content_html"]
    assert node["content_format"] == "markdown"
    assert "<strong>bold</strong>" in html
    tags = TagCollector.of(html)
    assert {tag for tag, _ in tags} <= {"p", "strong", "a"}, html
    for _, attributes in tags:
        for name, value in attributes:
            assert not name.startswith("on"), html
            assert name != "href" or (value or "").startswith("https://"), html
    # The hostile markup is shown as text, never as elements.
    assert "&lt;script&gt;" in html


async def test_a_retry_with_the_same_id_returns_the_same_comment_and_appends_no_event(api: Api) -> None:
    comment_id = str(uuid.uuid4())
    first = await api.create("exactly once", comment_id=comment_id)
    again = await api.create("exactly once", comment_id=comment_id)
    # Content is compared after trimming, and the id in canonical form.
    third = await api.create("  exactly once ", comment_id=comment_id.upper())

    assert first["id"] == again["id"] == third["id"] == comment_id
    assert (first["changed"], again["changed"], third["changed"]) == (True, False, False)
    assert again["comment"]["created_at"] == first["comment"]["created_at"]
    created = await api.audit_events(comment_id=comment_id, event_type="CommentCreated")
    assert len(created) == 1
    assert (await api.thread())["meta"]["total"] == 1


@pytest.mark.parametrize(
    "change",
    [
        {"content": "something else"},
        {"entity_id": "p2"},
        {"content_format": "markdown"},
    ],
)
async def test_the_same_id_with_another_payload_is_an_idempotency_conflict(
    api: Api, change: dict[str, str]
) -> None:
    comment_id = str(uuid.uuid4())
    payload = {"id": comment_id, "entity_type": "post", "entity_id": "p1", "content": "original"}
    await api.ok("POST", "/v1/comments", expect=201, json=payload)

    response = await api.send("POST", "/v1/comments", json={**payload, **change})

    assert_problem(response, 409, "idempotency_conflict")
    assert (await api.comment(comment_id))["content"] == "original"
    assert len(await api.audit_events(comment_id=comment_id)) == 1


async def test_the_same_id_sent_by_another_user_is_an_idempotency_conflict(api: Api) -> None:
    comment_id = str(uuid.uuid4())
    payload = {"id": comment_id, "entity_type": "post", "entity_id": "p1", "content": "mine"}
    await api.ok("POST", "/v1/comments", expect=201, json=payload, user="alice")

    response = await api.send("POST", "/v1/comments", json=payload, user="mallory")

    assert_problem(response, 409, "idempotency_conflict")
    assert (await api.comment(comment_id))["author_id"] == "alice"


async def test_a_reply_to_a_comment_of_another_entity_is_parent_not_found(api: Api) -> None:
    root = await api.create("on p1", entity_id="p1")

    response = await api.send(
        "POST",
        "/v1/comments",
        json={"entity_type": "post", "entity_id": "p2", "content": "x", "parent_id": root["id"]},
    )

    assert_problem(response, 422, "parent_not_found")


async def test_a_reply_to_an_unknown_comment_is_parent_not_found(api: Api) -> None:
    response = await api.send(
        "POST",
        "/v1/comments",
        json={"entity_type": "post", "entity_id": "p1", "content": "x", "parent_id": str(uuid.uuid4())},
    )

    assert_problem(response, 422, "parent_not_found")


@pytest.mark.parametrize("with_reply", [False, True], ids=["deleted-leaf", "tombstone"])
async def test_a_reply_to_a_deleted_comment_is_parent_not_live(api: Api, with_reply: bool) -> None:
    root = await api.create("soon gone")
    if with_reply:
        await api.reply(root, "keeps it as a tombstone")
    await api.delete(root["id"])

    response = await api.send(
        "POST",
        "/v1/comments",
        json={"entity_type": "post", "entity_id": "p1", "content": "late", "parent_id": root["id"]},
    )

    assert_problem(response, 409, "parent_not_live")


async def test_replies_may_nest_to_the_default_maximum_depth_and_no_deeper(api: Api) -> None:
    parent = await api.create("depth 0")
    for depth in range(1, 11):
        parent = await api.reply(parent, f"depth {depth}")
        assert parent["comment"]["depth"] == depth

    response = await api.send(
        "POST",
        "/v1/comments",
        json={"entity_type": "post", "entity_id": "p1", "content": "depth 11", "parent_id": parent["id"]},
    )

    assert_problem(response, 422, "max_depth_exceeded")
    assert (await api.comment(parent["id"]))["reply_count"] == 0


VALID = {"entity_type": "post", "entity_id": "p1", "content": "fine"}


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"entity_type": "Post"}, "invalid_entity"),
        ({"entity_type": "1post"}, "invalid_entity"),
        ({"entity_type": ""}, "invalid_entity"),
        ({"entity_type": "p" * 65}, "invalid_entity"),
        ({"entity_type": "post type"}, "invalid_entity"),
        ({"entity_id": ""}, "invalid_entity"),
        ({"entity_id": "x" * 257}, "invalid_entity"),
        ({"entity_id": "tab\there"}, "invalid_entity"),
        ({"entity_id": "nul\x00"}, "invalid_entity"),
        ({"content": ""}, "invalid_content"),
        ({"content": " \n\t "}, "invalid_content"),
        ({"content": "x" * 10_001}, "invalid_content"),
        ({"content": "bell\x07"}, "invalid_content"),
        ({"content": "nul\x00byte"}, "invalid_content"),
        ({"content": "escape\x1b[31m"}, "invalid_content"),
        ({"content": "del\x7f"}, "invalid_content"),
        ({"content": "line\u2028separator"}, "invalid_content"),
        ({"content": "form\x0cfeed"}, "invalid_content"),
        ({"content": "zero\ufeffwidth"}, "invalid_content"),
        ({"id": "not-a-uuid"}, "invalid_command"),
        ({"id": ""}, "invalid_command"),
        ({"parent_id": "not-a-uuid"}, "invalid_command"),
    ],
)
async def test_invalid_fields_are_rejected_with_a_stable_code(
    api: Api, change: dict[str, str], code: str
) -> None:
    response = await api.send("POST", "/v1/comments", json={**VALID, **change})

    assert_problem(response, 422, code)
    assert (await api.thread())["meta"]["total"] == 0


async def test_content_at_the_limits_is_accepted(api: Api) -> None:
    longest = await api.create("z" * 10_000)
    shaped = await api.create("line one\n\tindented line two")
    longest_entity = await api.create("x", entity_type="a" + "-" * 63, entity_id="é" * 256)

    assert len(longest["comment"]["content"]) == 10_000
    assert shaped["comment"]["content"] == "line one\n\tindented line two"
    assert longest_entity["comment"]["entity_id"] == "é" * 256


async def test_a_lone_surrogate_in_the_content_is_invalid_content(api: Api) -> None:
    response = await api.http.post(
        "/v1/comments",
        content=b'{"entity_type": "post", "entity_id": "p1", "content": "broken \\ud800 text"}',
        headers={**api.auth(), "Content-Type": "application/json"},
    )

    assert_problem(response, 422, "invalid_content")


async def test_creating_without_a_token_is_authentication_required(api: Api) -> None:
    response = await api.http.post("/v1/comments", json=VALID, headers=api.public())

    assert_problem(response, 401, "authentication_required")
    assert response.headers["WWW-Authenticate"] == "Bearer"


async def test_concurrent_retries_of_one_create_make_one_comment(api: Api) -> None:
    comment_id = str(uuid.uuid4())

    results = await asyncio.gather(*(api.create("raced", comment_id=comment_id) for _ in range(6)))

    assert {r["id"] for r in results} == {comment_id}
    assert sum(r["changed"] for r in results) == 1
    assert len(await api.audit_events(comment_id=comment_id)) == 1
    assert (await api.thread())["meta"]["total"] == 1


async def test_concurrent_replies_are_all_counted_on_the_parent(api: Api) -> None:
    root = await api.create("busy thread")

    await asyncio.gather(*(api.reply(root, f"reply {n}", user=f"user{n}") for n in range(10)))

    assert (await api.comment(root["id"]))["reply_count"] == 10
    assert (await api.replies(root["id"], {"limit": "100"}))["meta"]["total"] == 10
    assert await api.counts(["p1"]) == {"p1": 11}
