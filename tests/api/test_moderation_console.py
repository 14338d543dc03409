"""The moderation console's reads: locked threads, a comment's timeline, a user's activity."""

from __future__ import annotations

from itertools import pairwise
from typing import Any

import pytest

from tests.api.support import MODERATOR, Api, Json, assert_problem
from threadline.bootstrap import Threadline
from threadline.domain.identity import Role
from threadline.domain.tenant import ErasureMode, Tenant, TenantSettings

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


# a user's activity


async def report(api: Api, comment_id: str, reason: str, user: str = "bob") -> Json:
    return await api.ok("POST", f"/v1/comments/{comment_id}/report", json={"reason": reason}, user=user)


async def test_a_user_s_comments_are_listed_newest_first_in_any_status_with_no_ban(
    api: Api, other_api: Api
) -> None:
    first = await api.create("first", entity_id="p1")
    await api.create("by bob", user="bob")
    deleted = await api.create("deleted by herself", entity_id="p2")
    await api.delete(deleted["id"])
    rejected = await api.create("taken down", entity_id="p3")
    await api.ok("POST", f"/v1/comments/{rejected['id']}/reject", **MODERATOR)
    erased = await api.create("erased for good")
    await api.hard_delete(erased["id"])
    await other_api.create("alice in another tenant")
    last = await api.create("last", entity_id="p1")
    await api.like(last["id"], user="mod")

    body = await staff_read(api, "/v1/moderation/users/alice/comments")

    assert [(c["id"], c["status"]) for c in body["data"]] == [
        (last["id"], "ACTIVE"),
        (rejected["id"], "DELETED"),
        (deleted["id"], "DELETED"),
        (first["id"], "ACTIVE"),
    ]
    assert body["ban"] is None
    assert body["meta"] == {"limit": 50, "next_cursor": None}
    # Each comment is what a by-id read answers the moderator, their own like included.
    assert body["data"][0] == await api.comment(last["id"], **MODERATOR)
    assert body["data"][0]["current_user_liked"] is True
    assert body["data"][2]["content"] is None


async def test_a_user_s_comments_come_with_the_ban_in_force_and_page_by_cursor(api: Api) -> None:
    created = [await api.create(f"comment {n}", entity_id=f"p{n}") for n in range(5)]
    await api.ok(
        "PUT",
        "/v1/moderation/bans/alice",
        json={"reason": "spam", "expires_at": "2999-01-01T00:00:00Z"},
        **MODERATOR,
    )

    pages = await walk(api, "/v1/moderation/users/alice/comments", limit=2)
    body = await staff_read(api, "/v1/moderation/users/alice/comments", {"limit": 1})

    assert [[c["id"] for c in page] for page in pages] == [
        [created[4]["id"], created[3]["id"]],
        [created[2]["id"], created[1]["id"]],
        [created[0]["id"]],
    ]
    ban = body["ban"]
    assert (ban["user_id"], ban["reason"], ban["banned_by"]) == ("alice", "spam", "mod")
    assert ban["expires_at"].startswith("2999-01-01T00:00:00") and ban["banned_at"].endswith("Z")
    await api.ok("DELETE", "/v1/moderation/bans/alice", **MODERATOR)
    assert (await staff_read(api, "/v1/moderation/users/alice/comments"))["ban"] is None


async def test_actions_on_a_user_and_their_comments_are_listed_newest_first(api: Api) -> None:
    mine = await api.create("alice's words")
    other = await api.create("another of hers", entity_id="p2")
    own_delete = await api.create("she takes it back", entity_id="p3")
    bobs = await api.create("bob's own", user="bob")
    await report(api, mine["id"], "rude")
    await api.like(mine["id"], user="bob")
    await api.edit(mine["id"], "alice's words, edited")
    await api.pin(mine["id"])
    await api.unpin(mine["id"])
    await api.ok("POST", f"/v1/comments/{mine['id']}/approve", **MODERATOR)
    await api.ok("POST", f"/v1/comments/{other['id']}/reject", json={"reason": "off-topic"}, **MODERATOR)
    await api.delete(own_delete["id"])
    await api.ok("PUT", "/v1/moderation/bans/alice", json={"reason": "repeat offender"}, **MODERATOR)
    await api.ok("DELETE", "/v1/moderation/bans/alice", user="root", role=Role.ADMIN)
    await api.delete(mine["id"], **MODERATOR, reason="still rude")
    await report(api, bobs["id"], "not alice's", user="carol")
    await api.ok("PUT", "/v1/moderation/bans/bob", **MODERATOR)

    body = await staff_read(api, "/v1/moderation/users/alice/actions")

    assert [(a["event_type"], a["actor_id"], a["comment_id"], a["reason"]) for a in body["data"]] == [
        ("CommentDeleted", "mod", mine["id"], "still rude"),
        ("UserUnbanned", "root", None, None),
        ("UserBanned", "mod", None, "repeat offender"),
        ("CommentRejected", "mod", other["id"], "off-topic"),
        ("CommentApproved", "mod", mine["id"], None),
        ("CommentUnpinned", "mod", mine["id"], None),
        ("CommentPinned", "mod", mine["id"], None),
        ("CommentReported", "bob", mine["id"], "rude"),
    ]
    positions = [a["position"] for a in body["data"]]
    assert positions == sorted(positions, reverse=True)
    assert all(a["at"].endswith("Z") for a in body["data"])
    assert set(body["data"][0]) == {"position", "event_type", "actor_id", "at", "comment_id", "reason"}
    assert body["meta"] == {"limit": 50, "next_cursor": None}


async def test_the_actions_cursor_walks_every_action_once(api: Api) -> None:
    created = await api.create("reported a lot")
    for n in range(5):
        await report(api, created["id"], f"reason {n}", user=f"reader{n}")

    pages = await walk(api, "/v1/moderation/users/alice/actions", limit=2)

    assert [[a["reason"] for a in page] for page in pages] == [
        ["reason 4", "reason 3"],
        ["reason 2", "reason 1"],
        ["reason 0"],
    ]


async def test_a_hard_delete_is_an_action_on_the_author_and_erases_the_reasons_before_it(api: Api) -> None:
    created = await api.create("to be erased")
    await report(api, created["id"], "doxxing someone")
    await api.hard_delete(created["id"], reason="court order")

    response = await api.get("/v1/moderation/users/alice/actions", **MODERATOR)

    assert response.status_code == 200 and "doxxing" not in response.text
    assert [(a["event_type"], a["actor_id"], a["reason"]) for a in response.json()["data"]] == [
        ("CommentHardDeleted", "root", "court order"),
        ("CommentReported", "bob", None),
    ]
    assert (await staff_read(api, "/v1/moderation/users/alice/comments"))["data"] == []


async def test_an_anonymized_author_s_comments_and_their_actions_are_no_longer_listed_under_them(
    api: Api, container: Threadline, tenant: Tenant
) -> None:
    settings = TenantSettings(erasure_mode=ErasureMode.ANONYMIZE)
    await container.tenants.set_settings(tenant.id, settings)
    container.verifier.forget(tenant.id)
    created = await api.create("words that stay")
    await report(api, created["id"], "meh")
    await api.ok("PUT", "/v1/moderation/bans/alice", **MODERATOR)

    await api.ok("DELETE", "/v1/users/alice", user="root", role=Role.ADMIN)

    assert (await staff_read(api, "/v1/moderation/users/alice/comments"))["data"] == []
    actions = (await staff_read(api, "/v1/moderation/users/alice/actions"))["data"]
    assert [a["event_type"] for a in actions] == ["UserBanned"]


# who may read the console, and bad parameters

CONSOLE_PATHS = [
    "/v1/moderation/locks",
    "/v1/moderation/comments/{comment_id}/timeline",
    "/v1/moderation/users/{user_id}/comments",
    "/v1/moderation/users/{user_id}/actions",
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


@pytest.mark.parametrize("kind", ["comments", "actions"])
async def test_a_user_id_that_cannot_exist_is_a_problem(api: Api, kind: str) -> None:
    response = await api.http.get(
        f"/v1/moderation/users/{'u' * 300}/{kind}", headers=api.auth("mod", Role.MODERATOR)
    )

    assert_problem(response, 422, "invalid_command")
