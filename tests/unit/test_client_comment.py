"""One definition of a comment as a client sees it: the reader's rows, the command snapshot and
the documented schema all have exactly its fields, in its order, and nothing internal is sent."""

from __future__ import annotations

import orjson

from threadline.adapters.rendering.content_html import ContentHtmlRenderer
from threadline.adapters.sql.comment_reader import ROW_COLUMNS
from threadline.api.schemas import Comment as CommentSchema
from threadline.api.schemas import CommentFields, CommentSnapshot
from threadline.application.client_comment import CLIENT_FIELDS, public_status, shown_after_command
from threadline.application.ports.query import CommentRow, QueueItem, Report, SearchHit, ThreadNode
from threadline.domain.comment import Comment, Status

# One value per client field, in CLIENT_FIELDS order, then the two internal ones.
CLIENT_VALUES = (
    "c1",
    "post",
    "p1",
    None,
    0,
    "alice",
    "Alice",
    "https://img.test/alice.png",
    "user",
    "hello",
    "<p>hello</p>",
    "plain",
    "ACTIVE",
    False,
    False,
    2,
    1,
    9,
    "2024-01-01T00:00:00Z",
    "2024-01-01T00:00:00Z",
    None,
)
ROW = (*CLIENT_VALUES, 41, "alice-owner")


def keys(body: bytes) -> list[str]:
    return list(orjson.loads(body))


def write_side(status: Status = Status.ACTIVE, edited_at: str | None = None) -> Comment:
    return Comment(
        tenant_id="t1",
        id="c1",
        entity_type="post",
        entity_id="p1",
        parent_id=None,
        depth=0,
        path="c1",
        author_id="alice",
        author_name="Alice",
        author_avatar="https://img.test/alice.png",
        author_role="user",
        content="hello",
        content_format="plain",
        status=status,
        is_pinned=False,
        version=2,
        request_fingerprint="f",
        created_at="2024-01-01T00:00:00Z",
        updated_at="2024-01-02T00:00:00Z",
        edited_at=edited_at,
    )


def test_a_read_model_row_is_built_from_its_columns_in_order() -> None:
    assert [column.name for column in ROW_COLUMNS] == [*CLIENT_FIELDS, "created_seq", "owner_id"]
    row = CommentRow(*ROW)
    assert [getattr(row, name) for name in CLIENT_FIELDS] == list(CLIENT_VALUES)
    assert (row.created_seq, row.owner_id) == (41, "alice-owner")


def test_a_row_is_sent_with_exactly_the_client_fields_and_never_its_internal_ones() -> None:
    body = orjson.dumps(CommentRow(*ROW))

    assert keys(body) == list(CLIENT_FIELDS)
    assert b"alice-owner" not in body and b"41" not in body


def test_a_thread_node_adds_its_replies_and_a_search_hit_its_snippet_and_rank() -> None:
    reply = ThreadNode(*ROW, replies=[])
    node = ThreadNode(*ROW, replies=[reply])
    hit = SearchHit(*ROW, snippet="<mark>hello</mark>", rank=1.5)

    page = orjson.loads(orjson.dumps(node))
    assert list(page) == [*CLIENT_FIELDS, "replies"]
    assert list(page["replies"][0]) == [*CLIENT_FIELDS, "replies"]
    assert keys(orjson.dumps(hit)) == [*CLIENT_FIELDS, "snippet", "rank"]


def test_a_queue_item_sends_its_comment_and_reports_but_not_its_cursor() -> None:
    item = QueueItem(CommentRow(*ROW), True, 1, None, [Report("bob", "spam", "2024-01-01T00:00:00Z")], 12345)

    body = orjson.loads(orjson.dumps(item))

    assert list(body) == ["comment", "pending", "report_count", "last_reported_at", "reports"]
    assert list(body["comment"]) == list(CLIENT_FIELDS)
    assert item.queued_seq == 12345


def test_the_documented_schemas_list_the_client_fields_in_order() -> None:
    assert tuple(CommentFields.model_fields) == CLIENT_FIELDS
    assert tuple(CommentSnapshot.model_fields) == CLIENT_FIELDS
    assert tuple(CommentSchema.model_fields) == (*CLIENT_FIELDS, "current_user_liked", "replies")


def test_a_created_comment_is_shown_with_zero_counts() -> None:
    shown = shown_after_command(write_side(), ContentHtmlRenderer(), created=True)

    assert keys(orjson.dumps(shown)) == list(CLIENT_FIELDS)
    assert (shown.like_count, shown.reply_count, shown.view_count) == (0, 0, 0)
    assert (shown.content, shown.content_html, shown.author_id) == ("hello", "<p>hello</p>", "alice")


def test_after_another_command_the_counts_the_write_model_does_not_keep_are_unknown() -> None:
    shown = shown_after_command(
        write_side(edited_at="2024-01-02T00:00:00Z"), ContentHtmlRenderer(), created=False
    )

    assert keys(orjson.dumps(shown)) == list(CLIENT_FIELDS)
    assert (shown.like_count, shown.reply_count, shown.view_count) == (None, None, None)
    assert (shown.is_edited, shown.edited_at) == (True, "2024-01-02T00:00:00Z")


def test_an_erased_comment_is_shown_deleted_without_words_or_author() -> None:
    erased = write_side(Status.HARD_DELETED)

    shown = shown_after_command(erased, ContentHtmlRenderer(), created=False)

    assert public_status(erased) == shown.status == "DELETED"
    assert (shown.content, shown.content_html) == (None, None)
    assert (shown.author_id, shown.author_name, shown.author_avatar, shown.author_role) == (None,) * 4
