"""GET /v1/comments/{id}/history and GET /v1/admin/audit: the edit trail and the event-log trail."""

from __future__ import annotations

import uuid

import pytest

from tests.api.support import Api, assert_problem
from threadline.domain.identity import Role


async def test_history_lists_every_edit_in_order_with_its_editor(api: Api) -> None:
    created = await api.create("v1")
    await api.edit(created["id"], "v2")
    await api.edit(created["id"], "v3", user="mod", role=Role.MODERATOR)

    history = await api.history(created["id"])

    assert [(h["previous_content"], h["new_content"], h["editor_id"]) for h in history] == [
        ("v1", "v2", "alice"),
        ("v2", "v3", "mod"),
    ]
    assert history[0]["edited_at"] <= history[1]["edited_at"]
    assert history[1]["edited_at"] == (await api.comment(created["id"]))["edited_at"]


async def test_each_edit_carries_the_word_diff_that_rebuilds_both_texts(api: Api) -> None:
    created = await api.create("The quick brown fox,  jumps.")
    await api.edit(created["id"], "The quick red fox  jumps!\nOK")

    [edit] = await api.history(created["id"])

    assert edit["diff"] == [
        {"op": "equal", "text": "The quick "},
        {"op": "delete", "text": "brown"},
        {"op": "insert", "text": "red"},
        {"op": "equal", "text": " fox"},
        {"op": "delete", "text": ","},
        {"op": "equal", "text": "  jumps"},
        {"op": "delete", "text": "."},
        {"op": "insert", "text": "!\nOK"},
    ]
    old = "".join(op["text"] for op in edit["diff"] if op["op"] != "insert")
    new = "".join(op["text"] for op in edit["diff"] if op["op"] != "delete")
    assert (old, new) == (edit["previous_content"], edit["new_content"])


async def test_a_comment_never_edited_has_an_empty_history(api: Api) -> None:
    created = await api.create("pristine")

    assert await api.history(created["id"]) == []


@pytest.mark.parametrize(("user", "role"), [("mod", Role.MODERATOR), ("root", Role.ADMIN)])
async def test_staff_read_anyone_s_history(api: Api, user: str, role: Role) -> None:
    created = await api.create("v1")
    await api.edit(created["id"], "v2")

    assert [h["new_content"] for h in await api.history(created["id"], user=user, role=role)] == ["v2"]


async def test_another_user_may_not_read_the_history(api: Api) -> None:
    created = await api.create("v1")
    await api.edit(created["id"], "private v2")
    await api.settle()

    response = await api.http.get(f"/v1/comments/{created['id']}/history", headers=api.auth("mallory"))

    body = assert_problem(response, 403, "permission_denied")
    assert "private v2" not in response.text
    assert body["detail"]


async def test_history_needs_a_token_and_an_existing_comment(api: Api) -> None:
    created = await api.create("v1")
    await api.settle()

    anonymous = await api.http.get(f"/v1/comments/{created['id']}/history", headers=api.public())
    unknown = await api.http.get(f"/v1/comments/{uuid.uuid4()}/history", headers=api.auth())

    assert_problem(anonymous, 401, "authentication_required")
    assert_problem(unknown, 404, "comment_not_found")


async def test_the_audit_trail_records_every_command_with_its_actor_in_log_order(api: Api) -> None:
    root = await api.create("audited", user="alice")
    reply = await api.reply(root, "reply", user="bob")
    await api.edit(root["id"], "audited, edited")
    await api.like(root["id"], user="bob")
    await api.unlike(root["id"], user="bob")
    await api.pin(root["id"])
    await api.unpin(root["id"])
    await api.delete(reply["id"], user="bob", reason="changed my mind")

    events = await api.audit_events()

    assert [(e["event_type"], e["metadata"]["actor_id"]) for e in events] == [
        ("CommentCreated", "alice"),
        ("CommentCreated", "bob"),
        ("CommentUpdated", "alice"),
        ("CommentLiked", "bob"),
        ("CommentUnliked", "bob"),
        ("CommentPinned", "mod"),
        ("CommentUnpinned", "mod"),
        ("CommentDeleted", "bob"),
    ]
    positions = [e["position"] for e in events]
    assert positions == sorted(positions) and len(set(positions)) == len(positions)
    assert positions[-1] == api.log.value
    first = events[0]
    assert first["comment_id"] == first["aggregate_id"] == root["id"]
    assert (first["aggregate_version"], first["schema_version"]) == (1, 1)
    assert uuid.UUID(first["event_id"])
    assert first["payload"]["content"] == "audited"
    assert first["payload"]["author_id"] == "alice"
    assert first["metadata"]["actor_role"] == "user"
    assert {"correlation_id", "causation_id"} <= first["metadata"].keys()
    assert first["recorded_at"]
    assert events[-1]["payload"]["reason"] == "changed my mind"
    assert "tenant_id" not in first
    # Versions of one comment count up; a like lives on its own aggregate.
    root_versions = [e["aggregate_version"] for e in events if e["aggregate_id"] == root["id"]]
    assert root_versions == [1, 2, 3, 4]
    assert events[3]["aggregate_id"] != root["id"] and events[3]["comment_id"] == root["id"]


async def test_the_audit_trail_filters_by_comment_actor_and_event_type(api: Api) -> None:
    first = await api.create("one", user="alice")
    second = await api.create("two", user="bob")
    await api.like(first["id"], user="bob")
    await api.like(second["id"], user="alice")

    by_comment = await api.audit_events(comment_id=first["id"])
    by_actor = await api.audit_events(actor_id="bob")
    by_type = await api.audit_events(event_type="CommentLiked")
    combined = await api.audit_events(actor_id="alice", event_type="CommentLiked")

    assert [e["event_type"] for e in by_comment] == ["CommentCreated", "CommentLiked"]
    assert {e["comment_id"] for e in by_comment} == {first["id"]}
    assert [(e["event_type"], e["comment_id"]) for e in by_actor] == [
        ("CommentCreated", second["id"]),
        ("CommentLiked", first["id"]),
    ]
    assert [e["comment_id"] for e in by_type] == [first["id"], second["id"]]
    assert [e["comment_id"] for e in combined] == [second["id"]]
    assert await api.audit_events(comment_id=str(uuid.uuid4())) == []


async def test_the_audit_cursor_walks_the_trail_without_gaps_or_repeats(api: Api) -> None:
    for n in range(7):
        await api.create(f"comment {n}")
    default = await api.audit()
    everything = (await api.audit(limit=100))["data"]
    assert (default["meta"]["limit"], default["meta"]["next_cursor"]) == (50, None)

    pages = []
    cursor: str | None = None
    while True:
        page = await api.audit(limit=3, **({"cursor": cursor} if cursor else {}))
        assert page["meta"]["limit"] == 3
        pages.append(page["data"])
        cursor = page["meta"]["next_cursor"]
        if cursor is None:
            break

    assert [len(p) for p in pages] == [3, 3, 1]
    walked = [e["event_id"] for p in pages for e in p]
    assert walked == [e["event_id"] for e in everything]
    assert len(everything) == 7


async def test_the_correlation_id_of_a_request_is_kept_in_the_event_metadata(api: Api) -> None:
    created = await api.ok(
        "POST",
        "/v1/comments",
        expect=201,
        json={"entity_type": "post", "entity_id": "p1", "content": "traced"},
        headers={"X-Correlation-ID": "req-42.abc"},
    )

    [event] = await api.audit_events(comment_id=created["id"])

    assert event["metadata"]["correlation_id"] == "req-42.abc"


@pytest.mark.parametrize(("user", "role"), [("alice", Role.USER), ("mod", Role.MODERATOR)])
async def test_only_admins_read_the_audit_trail(api: Api, user: str, role: Role) -> None:
    await api.create("secret-ish")

    response = await api.http.get("/v1/admin/audit", headers=api.auth(user, role))

    assert_problem(response, 403, "permission_denied")


async def test_the_audit_trail_needs_a_token(api: Api) -> None:
    response = await api.http.get("/v1/admin/audit", headers=api.public())

    assert_problem(response, 401, "authentication_required")


@pytest.mark.parametrize(
    ("params", "status", "code"),
    [
        ({"event_type": "CommentExploded"}, 422, "invalid_query"),
        ({"limit": "0"}, 422, "validation_failed"),
        ({"limit": "101"}, 422, "validation_failed"),
        ({"limit": "many"}, 422, "validation_failed"),
        ({"cursor": "not-a-cursor"}, 400, "invalid_cursor"),
        ({"cursor": "-1"}, 400, "invalid_cursor"),
        ({"cursor": "9" * 40}, 400, "invalid_cursor"),
        ({"comment_id": "c" * 65}, 422, "validation_failed"),
        ({"comment_id": "nul\x00"}, 422, "invalid_query"),
        ({"actor_id": "nul\x00"}, 422, "invalid_query"),
    ],
)
async def test_bad_audit_parameters_are_problems(
    api: Api, params: dict[str, str], status: int, code: str
) -> None:
    response = await api.http.get("/v1/admin/audit", params=params, headers=api.auth("root", Role.ADMIN))

    assert_problem(response, status, code)
