"""The moderation console's reads: locked threads, a comment's timeline, a user's activity."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.support import MODERATOR, Api, Json, assert_problem
from threadline.domain.identity import Role

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


# who may read the console, and bad parameters

CONSOLE_PATHS = [
    "/v1/moderation/locks",
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
