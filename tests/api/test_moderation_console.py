"""The moderation console's reads: locked threads, a comment's timeline, a user's activity."""

from __future__ import annotations

from itertools import pairwise
from typing import Any

import pytest

from tests.api.support import MODERATOR, Api, Json, assert_problem
from threadline.bootstrap import Threadline
from threadline.domain.identity import Role
from threadline.domain.tenant import Tenant, TenantSettings

ADMIN: dict[str, Any] = {"user": "root", "role": Role.ADMIN}


async def staff_read(api: Api, path: str, params: dict[str, str | int] | None = None) -> Json:
    return await api.read(path, params, **MODERATOR)


async def walk(api: Api, path: str, limit: int) -> list[list[Json]]:
    """Every page of a console list, following next_cursor to the end."""
    pages: list[list[Json]] = []
    cursor: str | None = None
    while True:
        params: dict[str, str | int] = {"limit": limit, **({"cursor": cursor} if cursor else {})}
        page = await staff_read(api, path, params)
        assert page["meta"]["limit"] == limit
        pages.append(page["data"])
        cursor = page["meta"]["next_cursor"]
        if cursor is None:
            return pages


async def lock(api: Api, entity_id: str, reason: str | None = None, **caller: Any) -> Json:
    body = {"reason": reason} if reason is not None else None
    who = caller or MODERATOR
    return await api.ok("PUT", f"/v1/entities/post/{entity_id}/lock", json=body, **who)


# locked threads


async def test_locked_threads_are_listed_newest_lock_first_with_who_when_and_why(api: Api) -> None:
    await lock(api, "p1", "heated")
    await lock(api, "p2", **ADMIN)
    await lock(api, "p3", "spam wave")

    body = await staff_read(api, "/v1/moderation/locks")

    assert [(t["entity_type"], t["entity_id"], t["reason"], t["locked_by"]) for t in body["data"]] == [
        ("post", "p3", "spam wave", "mod"),
        ("post", "p2", None, "root"),
        ("post", "p1", "heated", "mod"),
    ]
    assert set(body["data"][0]) == {"entity_type", "entity_id", "reason", "locked_by", "locked_at"}
    locked_at = [t["locked_at"] for t in body["data"]]
    assert locked_at == sorted(locked_at, reverse=True) and all(a.endswith("Z") for a in locked_at)
    assert body["meta"] == {"limit": 50, "next_cursor": None}


async def test_an_unlocked_thread_leaves_the_list_and_a_new_lock_puts_it_first(api: Api) -> None:
    await lock(api, "p1", "first")
    await lock(api, "p2")
    await api.ok("DELETE", "/v1/entities/post/p1/lock", **MODERATOR)

    assert [t["entity_id"] for t in (await staff_read(api, "/v1/moderation/locks"))["data"]] == ["p2"]

    await lock(api, "p1", "second time")
    [again, other] = (await staff_read(api, "/v1/moderation/locks"))["data"]
    assert (again["entity_id"], again["reason"], other["entity_id"]) == ("p1", "second time", "p2")


async def test_the_locks_cursor_walks_every_lock_once(api: Api) -> None:
    for n in range(5):
        await lock(api, f"t{n}")

    pages = await walk(api, "/v1/moderation/locks", limit=2)

    assert [[t["entity_id"] for t in page] for page in pages] == [["t4", "t3"], ["t2", "t1"], ["t0"]]


async def test_locks_of_another_tenant_are_not_listed(api: Api, other_api: Api) -> None:
    await lock(other_api, "elsewhere")
    await lock(api, "here")

    assert [t["entity_id"] for t in (await staff_read(api, "/v1/moderation/locks"))["data"]] == ["here"]


# a comment's timeline


def timeline_path(comment_id: str) -> str:
    return f"/v1/moderation/comments/{comment_id}/timeline"


def rebuilt(diff: list[Json]) -> tuple[str, str]:
    old = "".join(op["text"] for op in diff if op["op"] in ("equal", "delete"))
    new = "".join(op["text"] for op in diff if op["op"] in ("equal", "insert"))
    return old, new


async def test_a_timeline_lists_every_action_on_the_comment_oldest_first_without_likes(api: Api) -> None:
    created = await api.create("The first words")
    comment_id = created["id"]
    await api.edit(comment_id, "The second words")
    await api.like(comment_id, user="bob")
    await api.ok("POST", f"/v1/comments/{comment_id}/report", json={"reason": "rude"}, user="bob")
    await api.pin(comment_id)
    await api.unpin(comment_id)
    await api.ok("POST", f"/v1/comments/{comment_id}/approve", **MODERATOR)
    await api.edit(comment_id, "The second words, trimmed by a moderator", **MODERATOR)
    await api.unlike(comment_id, user="bob")
    await api.delete(comment_id, **MODERATOR, reason="off-topic")

    body = await staff_read(api, timeline_path(comment_id))

    entries = body["data"]
    rows = [(e["event_type"], e["actor_id"], e["actor_role"], e["reason"], e["content"]) for e in entries]
    assert rows == [
        ("CommentCreated", "alice", "user", None, "The first words"),
        ("CommentUpdated", "alice", "user", None, "The second words"),
        ("CommentReported", "bob", "user", "rude", None),
        ("CommentPinned", "mod", "moderator", None, None),
        ("CommentUnpinned", "mod", "moderator", None, None),
        ("CommentApproved", "mod", "moderator", None, None),
        ("CommentUpdated", "mod", "moderator", None, "The second words, trimmed by a moderator"),
        ("CommentDeleted", "mod", "moderator", "off-topic", None),
    ]
    assert [e["diff"] is None for e in entries] == [True, False, True, True, True, True, False, True]
    assert entries[1]["diff"] == [
        {"op": "equal", "text": "The "},
        {"op": "delete", "text": "first"},
        {"op": "insert", "text": "second"},
        {"op": "equal", "text": " words"},
    ]
    assert rebuilt(entries[6]["diff"]) == ("The second words", "The second words, trimmed by a moderator")
    positions = [e["position"] for e in entries]
    assert positions == sorted(positions) and positions[0] == created["position"]
    assert all(e["at"].endswith("Z") for e in entries)
    assert entries[0]["at"] == created["comment"]["created_at"]
    assert set(entries[0]) == {
        "position",
        "event_type",
        "actor_id",
        "actor_role",
        "at",
        "reason",
        "content",
        "diff",
    }
    assert body["meta"] == {"limit": 50, "next_cursor": None}
    # A deleted comment with no replies left its thread: the console still shows its tombstone.
    assert body["comment"]["status"] == "DELETED" and body["comment"]["content"] is None
    assert body["comment"]["id"] == comment_id and body["comment"]["current_user_liked"] is False


async def test_the_timeline_pages_keep_each_edit_s_diff_against_the_text_before_it(api: Api) -> None:
    created = await api.create("v0")
    for n in range(1, 6):
        await api.edit(created["id"], f"v{n} words")

    pages = await walk(api, timeline_path(created["id"]), limit=2)

    assert [len(page) for page in pages] == [2, 2, 2]
    entries = [e for page in pages for e in page]
    texts = ["v0"] + [f"v{n} words" for n in range(1, 6)]
    assert [e["content"] for e in entries] == texts
    assert [rebuilt(e["diff"]) for e in entries[1:]] == list(pairwise(texts))


async def test_a_pending_comment_s_timeline_shows_its_rejection_to_staff(
    api: Api, container: Threadline, tenant: Tenant
) -> None:
    await container.tenants.set_settings(tenant.id, TenantSettings(premoderation=True))
    container.verifier.forget(tenant.id)
    pending = await api.create("awaiting a moderator")
    await api.ok("POST", f"/v1/comments/{pending['id']}/reject", json={"reason": "spam"}, **ADMIN)

    body = await staff_read(api, timeline_path(pending["id"]))

    assert body["comment"]["status"] == "REJECTED"
    assert [(e["event_type"], e["actor_id"], e["reason"]) for e in body["data"]] == [
        ("CommentCreated", "alice", None),
        ("CommentRejected", "root", "spam"),
    ]


async def test_a_hard_deleted_comment_s_timeline_keeps_the_actions_but_none_of_the_words(api: Api) -> None:
    root = await api.create("words to be erased")
    await api.reply(root, "a reply keeps the tombstone")
    await api.edit(root["id"], "more words to be erased")
    await api.ok("POST", f"/v1/comments/{root['id']}/report", json={"reason": "doxxing"}, user="bob")
    await api.hard_delete(root["id"], reason="court order")

    response = await api.get(timeline_path(root["id"]), **MODERATOR)

    assert response.status_code == 200, response.text
    assert "erased" not in response.text and "doxxing" not in response.text
    entries = response.json()["data"]
    assert [(e["event_type"], e["content"], e["diff"], e["reason"]) for e in entries] == [
        ("CommentCreated", None, None, None),
        ("CommentUpdated", None, [], None),
        ("CommentReported", None, None, None),
        ("CommentHardDeleted", None, None, "court order"),
    ]
    assert entries[-1]["actor_id"] == "root"
    assert response.json()["comment"]["content"] is None


async def test_the_timeline_of_an_unknown_comment_is_not_found(api: Api) -> None:
    await api.create("something")
    await api.settle()

    response = await api.http.get(
        timeline_path("8d3c1c9e-3b7b-4c39-9a4c-2f3b5c1d2e4f"), headers=api.auth("mod", Role.MODERATOR)
    )

    assert_problem(response, 404, "comment_not_found")


async def test_a_timeline_holds_only_its_own_tenant_s_comment(api: Api, other_api: Api) -> None:
    elsewhere = await other_api.create("in another tenant")
    await api.settle()

    response = await api.http.get(timeline_path(elsewhere["id"]), headers=api.auth("mod", Role.MODERATOR))

    assert_problem(response, 404, "comment_not_found")


# who may read the console, and bad parameters

CONSOLE_PATHS = [
    "/v1/moderation/locks",
    "/v1/moderation/comments/{comment_id}/timeline",
]


@pytest.mark.parametrize("path", CONSOLE_PATHS)
async def test_the_console_is_for_staff_only(api: Api, path: str) -> None:
    created = await api.create("a comment")
    where = path.format(comment_id=created["id"], user_id="alice")
    await api.settle()

    assert_problem(await api.http.get(where, headers=api.public()), 401, "authentication_required")
    assert_problem(await api.http.get(where, headers=api.auth("alice")), 403, "permission_denied")
    for user, role in (("mod", Role.MODERATOR), ("root", Role.ADMIN)):
        assert (await api.http.get(where, headers=api.auth(user, role))).status_code == 200


@pytest.mark.parametrize("path", CONSOLE_PATHS)
@pytest.mark.parametrize(
    ("params", "status", "code"),
    [
        ({"cursor": "not-a-cursor"}, 400, "invalid_cursor"),
        ({"cursor": "-3"}, 400, "invalid_cursor"),
        ({"cursor": "9" * 40}, 400, "invalid_cursor"),
        ({"limit": "0"}, 422, "validation_failed"),
        ({"limit": "101"}, 422, "validation_failed"),
    ],
)
async def test_bad_console_parameters_are_problems(
    api: Api, path: str, params: dict[str, str], status: int, code: str
) -> None:
    created = await api.create("a comment")
    await api.settle()
    where = path.format(comment_id=created["id"], user_id="alice")

    response = await api.http.get(where, params=params, headers=api.auth("mod", Role.MODERATOR))

    assert_problem(response, status, code)
