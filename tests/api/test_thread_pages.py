"""GET /v1/entities/{type}/{id}/comments and GET /v1/comments/{id}/replies: sorting, pinned
first, nesting to a depth, page/limit and keyset cursors, and read-your-writes."""

from __future__ import annotations

import base64
import json
import uuid

import pytest

from tests.api.support import CONSISTENCY, NODE_FIELDS, Api, Json, assert_problem, contents, ids


async def _three_roots_with_likes(api: Api) -> tuple[Json, Json, Json]:
    """c1 (2 likes), c2 (1 like), c3 (3 likes), created in that order."""
    c1 = await api.create("c1")
    c2 = await api.create("c2")
    c3 = await api.create("c3")
    for comment, likers in ((c1, ["u1", "u2"]), (c2, ["u1"]), (c3, ["u1", "u2", "u3"])):
        for user in likers:
            await api.like(comment["id"], user=user)
    return c1, c2, c3


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        (None, ["c3", "c2", "c1"]),
        ("newest", ["c3", "c2", "c1"]),
        ("oldest", ["c1", "c2", "c3"]),
        ("popular", ["c3", "c1", "c2"]),
    ],
)
async def test_roots_come_in_the_requested_order(api: Api, sort: str | None, expected: list[str]) -> None:
    await _three_roots_with_likes(api)

    page = await api.thread(params={"sort": sort} if sort else None)

    assert contents(page["data"]) == expected
    assert [n["like_count"] for n in page["data"]] == [{"c1": 2, "c2": 1, "c3": 3}[c] for c in expected]


@pytest.mark.parametrize(
    ("sort", "expected"),
    [("newest", ["c1", "c3", "c2"]), ("oldest", ["c1", "c2", "c3"]), ("popular", ["c1", "c3", "c2"])],
)
async def test_a_pinned_root_comes_first_in_every_sort(api: Api, sort: str, expected: list[str]) -> None:
    c1, _, _ = await _three_roots_with_likes(api)
    await api.pin(c1["id"])

    page = await api.thread(params={"sort": sort})

    assert contents(page["data"]) == expected
    assert [n["is_pinned"] for n in page["data"]] == [True, False, False]


async def test_unpinning_restores_the_plain_order(api: Api) -> None:
    c1, _, _ = await _three_roots_with_likes(api)
    await api.pin(c1["id"])
    await api.unpin(c1["id"])

    assert contents((await api.thread(params={"sort": "newest"}))["data"]) == ["c3", "c2", "c1"]


async def test_popular_ties_are_broken_by_recency(api: Api) -> None:
    await api.create("old")
    await api.create("new")

    assert contents((await api.thread(params={"sort": "popular"}))["data"]) == ["new", "old"]


async def _tree(api: Api) -> dict[str, Json]:
    """root ─ a ─ a1 ─ a2, root ─ b, root ─ c; plus a second root 'other'."""
    root = await api.create("root")
    a = await api.reply(root, "a")
    b = await api.reply(root, "b")
    c = await api.reply(root, "c")
    a1 = await api.reply(a, "a1")
    a2 = await api.reply(a1, "a2")
    other = await api.create("other")
    return {"root": root, "a": a, "b": b, "c": c, "a1": a1, "a2": a2, "other": other}


async def test_replies_are_nested_oldest_first_to_the_default_depth(api: Api) -> None:
    await _tree(api)

    page = await api.thread(params={"sort": "oldest"})

    root, other = page["data"]
    assert (root["content"], other["content"]) == ("root", "other")
    assert set(root) == set(root["replies"][0]) == NODE_FIELDS | {"replies"}
    assert (root["reply_count"], other["reply_count"], other["replies"]) == (3, 0, [])
    assert contents(root["replies"]) == ["a", "b", "c"]
    a = root["replies"][0]
    assert a["reply_count"] == 1 and contents(a["replies"]) == ["a1"]
    assert contents(a["replies"][0]["replies"]) == ["a2"]
    assert [n["depth"] for n in (root, a, a["replies"][0], a["replies"][0]["replies"][0])] == [0, 1, 2, 3]
    assert page["meta"]["total"] == 2


@pytest.mark.parametrize(
    ("depth", "nested"),
    [("0", []), ("1", ["a", "b", "c"]), ("2", ["a", "b", "c", "a1"]), ("10", ["a", "b", "c", "a1", "a2"])],
)
async def test_depth_limits_how_many_levels_are_nested(api: Api, depth: str, nested: list[str]) -> None:
    await _tree(api)

    page = await api.thread(params={"sort": "oldest", "depth": depth})

    seen: list[str | None] = []

    def walk(nodes: list[Json]) -> None:
        for node in nodes:
            assert isinstance(node["replies"], list)
            seen.extend(contents(node["replies"]))
            walk(node["replies"])

    walk(page["data"])
    assert sorted(str(c) for c in seen) == sorted(nested)
    root = page["data"][0]
    assert root["reply_count"] == 3


async def test_replies_limit_caps_each_level_while_reply_count_tells_the_rest(api: Api) -> None:
    await _tree(api)

    page = await api.thread(params={"sort": "oldest", "replies_limit": "2"})
    none = await api.thread(params={"sort": "oldest", "replies_limit": "0"})

    root = page["data"][0]
    assert contents(root["replies"]) == ["a", "b"]
    assert root["reply_count"] == 3
    assert none["data"][0]["replies"] == [] and none["data"][0]["reply_count"] == 3


async def test_a_limited_page_keeps_every_reply_under_its_own_root(api: Api) -> None:
    first = await api.create("first root")
    for n in range(3):
        await api.reply(first, f"first-{n}")
    second = await api.create("second root")
    await api.reply(second, "second-0")

    page = await api.thread(params={"sort": "oldest", "limit": "1"})

    [root] = page["data"]
    assert root["content"] == "first root"
    assert contents(root["replies"]) == ["first-0", "first-1", "first-2"]
    assert page["meta"] == {
        "page": 1,
        "limit": 1,
        "locked": False,
        "total": 2,
        "total_pages": 2,
        "next_cursor": page["meta"]["next_cursor"],
    }
    assert page["meta"]["next_cursor"]


async def test_page_and_limit_offset_through_the_roots(api: Api) -> None:
    for n in range(5):
        await api.create(f"r{n}")

    pages = [await api.thread(params={"sort": "oldest", "limit": "2", "page": str(p)}) for p in (1, 2, 3, 4)]

    assert [contents(p["data"]) for p in pages] == [["r0", "r1"], ["r2", "r3"], ["r4"], []]
    assert [p["meta"]["page"] for p in pages] == [1, 2, 3, 4]
    assert {(p["meta"]["total"], p["meta"]["total_pages"], p["meta"]["limit"]) for p in pages} == {(5, 3, 2)}
    assert [p["meta"]["next_cursor"] is not None for p in pages] == [True, True, False, False]


@pytest.mark.parametrize("sort", ["newest", "oldest", "popular"])
async def test_the_cursor_walks_every_root_once_with_pinned_first(api: Api, sort: str) -> None:
    roots = [await api.create(f"r{n}") for n in range(7)]
    for n, user in ((2, "u1"), (2, "u2"), (5, "u1")):
        await api.like(roots[n]["id"], user=user)
    await api.pin(roots[3]["id"])
    full = await api.thread(params={"sort": sort, "limit": "100"})

    walked: list[Json] = []
    metas: list[Json] = []
    cursor: str | None = None
    while True:
        params = {"sort": sort, "limit": "3", **({"cursor": cursor} if cursor else {})}
        page = await api.thread(params=params)
        walked.extend(page["data"])
        metas.append(page["meta"])
        cursor = page["meta"]["next_cursor"]
        if cursor is None:
            break

    assert ids(walked) == ids(full["data"])
    assert len(set(ids(walked))) == 7
    assert walked[0]["id"] == roots[3]["id"]
    assert [m["page"] for m in metas] == [1, 2, 3]
    assert {(m["total"], m["total_pages"]) for m in metas} == {(7, 3)}
    by_page: list[Json] = []
    for number in (1, 2, 3):
        by_page.extend((await api.thread(params={"sort": sort, "limit": "3", "page": str(number)}))["data"])
    assert ids(by_page) == ids(full["data"])


@pytest.mark.parametrize("sort", ["newest", "oldest"])
async def test_the_cursor_stays_correct_while_comments_are_added(api: Api, sort: str) -> None:
    for n in range(6):
        await api.create(f"r{n}")
    first = await api.thread(params={"sort": sort, "limit": "2"})
    for n in range(6, 9):
        await api.create(f"r{n}")

    rest: list[Json] = []
    cursor = first["meta"]["next_cursor"]
    while cursor:
        page = await api.thread(params={"sort": sort, "limit": "2", "cursor": cursor})
        rest.extend(page["data"])
        cursor = page["meta"]["next_cursor"]

    seen = contents(first["data"]) + contents(rest)
    assert len(seen) == len(set(seen))
    if sort == "newest":
        # Newer comments land before the cursor: the walk goes on exactly where it was.
        assert seen == ["r5", "r4", "r3", "r2", "r1", "r0"]
    else:
        assert seen == [f"r{n}" for n in range(9)]


async def test_the_replies_route_pages_a_comment_s_direct_replies(api: Api) -> None:
    root = await api.create("root")
    replies = [await api.reply(root, f"reply {n}") for n in range(5)]
    await api.reply(replies[0], "nested")

    first = await api.replies(root["id"], {"limit": "2"})
    second = await api.replies(root["id"], {"limit": "2", "cursor": first["meta"]["next_cursor"]})
    third = await api.replies(root["id"], {"limit": "2", "cursor": second["meta"]["next_cursor"]})
    newest = await api.replies(root["id"], {"sort": "newest", "limit": "2", "depth": "0"})
    by_page = await api.replies(root["id"], {"limit": "2", "page": "2"})

    assert contents(first["data"]) == ["reply 0", "reply 1"]
    assert contents(first["data"][0]["replies"]) == ["nested"]
    assert contents(second["data"]) == ["reply 2", "reply 3"]
    assert contents(third["data"]) == ["reply 4"]
    assert third["meta"]["next_cursor"] is None
    assert first["meta"] == {
        "page": 1,
        "limit": 2,
        "total": 5,
        "total_pages": 3,
        "next_cursor": first["meta"]["next_cursor"],
    }
    assert (second["meta"]["page"], third["meta"]["page"]) == (2, 3)
    assert contents(newest["data"]) == ["reply 4", "reply 3"]
    assert newest["data"][1]["replies"] == []
    assert contents(by_page["data"]) == ["reply 2", "reply 3"]


async def test_replies_of_an_unknown_comment_are_comment_not_found(api: Api) -> None:
    response = await api.get(f"/v1/comments/{uuid.uuid4()}/replies")

    assert_problem(response, 404, "comment_not_found")


async def test_a_thread_without_comments_is_an_empty_page(api: Api) -> None:
    page = await api.thread("article", "nothing-here")

    assert page == {
        "data": [],
        "meta": {"page": 1, "limit": 20, "locked": False, "total": 0, "total_pages": 0, "next_cursor": None},
    }


async def test_limit_defaults_to_20_and_accepts_up_to_100(api: Api) -> None:
    for n in range(21):
        await api.create(f"r{n}")

    default = await api.thread()
    largest = await api.thread(params={"limit": "100"})

    assert len(default["data"]) == 20 and default["meta"]["limit"] == 20
    assert default["meta"]["total_pages"] == 2
    assert len(largest["data"]) == 21 and largest["meta"]["next_cursor"] is None


async def test_a_read_waits_for_its_own_write(api: Api) -> None:
    created = await api.create("just written")

    response = await api.http.get(
        f"/v1/entities/post/p1/comments?min_position={created['position']}", headers=api.public()
    )

    assert response.headers[CONSISTENCY] == "caught-up"
    assert int(response.headers["X-Threadline-Position"]) >= created["position"]
    assert contents(response.json()["data"]) == ["just written"]


@pytest.mark.parametrize(
    "path", ["/v1/entities/post/p1/comments", "/v1/comments/{id}", "/v1/comments/{id}/replies"]
)
@pytest.mark.read_wait(0.3)
async def test_a_read_that_cannot_catch_up_in_time_says_it_is_stale(api: Api, path: str) -> None:
    created = await api.create("exists")
    await api.settle()

    response = await api.http.get(
        path.format(id=created["id"]), params={"min_position": api.log.value + 1000}, headers=api.public()
    )

    assert response.status_code == 200
    assert response.headers[CONSISTENCY] == "stale"
    assert int(response.headers["X-Threadline-Position"]) == api.log.value


def _forged_cursor(*parts: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(parts)).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "cursor",
    [
        "garbage!!",
        "W10",  # []
        "e30",  # {}
        _forged_cursor(1, "000000000000", 0, 0, 1, 2),
        _forged_cursor(2, "x", 0, 0, 1, 2),
        _forged_cursor(1, "x", 0, -1, 1, 2),
        _forged_cursor(1, "x", 7, 0, 1, 2),
        _forged_cursor(1, "x", 0, 0, 2**70, 2),
        _forged_cursor("abcdef"),
        base64.urlsafe_b64encode(b"\xff\xfe\x00").decode(),
        "é",
    ],
)
async def test_a_malformed_cursor_is_invalid_cursor(api: Api, cursor: str) -> None:
    await api.create("r")

    response = await api.get("/v1/entities/post/p1/comments", {"cursor": cursor})

    assert_problem(response, 400, "invalid_cursor")


async def test_a_cursor_of_another_query_is_invalid_cursor(api: Api) -> None:
    root = await api.create("r0")
    for n in range(1, 4):
        await api.create(f"r{n}")
        await api.reply(root, f"reply {n}")
    newest = (await api.thread(params={"limit": "1"}))["meta"]["next_cursor"]
    replies = (await api.replies(root["id"], {"limit": "1"}))["meta"]["next_cursor"]

    other_sort = await api.get("/v1/entities/post/p1/comments", {"sort": "oldest", "cursor": newest})
    other_entity = await api.get("/v1/entities/post/p2/comments", {"cursor": newest})
    thread_with_replies_cursor = await api.get("/v1/entities/post/p1/comments", {"cursor": replies})
    replies_with_thread_cursor = await api.get(f"/v1/comments/{root['id']}/replies", {"cursor": newest})

    for response in (other_sort, other_entity, thread_with_replies_cursor, replies_with_thread_cursor):
        assert_problem(response, 400, "invalid_cursor")


@pytest.mark.parametrize(
    "params",
    [
        {"limit": "0"},
        {"limit": "101"},
        {"limit": "1000"},
        {"limit": "-1"},
        {"limit": "ten"},
        {"page": "0"},
        {"page": "-3"},
        {"page": "10001"},
        {"depth": "-1"},
        {"depth": "11"},
        {"replies_limit": "101"},
        {"sort": "random"},
        {"cursor": "c" * 201},
        {"min_position": "-1"},
        {"min_position": str(2**63)},
        {"min_position": "soon"},
        {"unexpected": "1"},
    ],
)
async def test_bad_page_parameters_are_validation_failed(api: Api, params: dict[str, str]) -> None:
    thread = await api.http.get("/v1/entities/post/p1/comments", params=params, headers=api.public())

    body = assert_problem(thread, 422, "validation_failed")
    assert body["errors"] and all({"location", "message", "type"} <= e.keys() for e in body["errors"])


@pytest.mark.parametrize(
    ("entity_type", "entity_id"),
    [("Post", "p1"), ("9lives", "p1"), ("p" * 65, "p1"), ("post", "x" * 257), ("post", "bell%07")],
)
async def test_an_invalid_entity_in_the_path_is_invalid_entity(
    api: Api, entity_type: str, entity_id: str
) -> None:
    response = await api.http.get(f"/v1/entities/{entity_type}/{entity_id}/comments", headers=api.public())

    assert_problem(response, 422, "invalid_entity")


async def test_cached_pages_and_comments_never_outlive_a_projected_change(api: Api) -> None:
    root = await api.create("root")
    await api.settle()
    assert (await api.thread(fresh=False))["data"][0]["reply_count"] == 0
    assert (await api.comment(root["id"], fresh=False))["reply_count"] == 0

    reply = await api.reply(root, "reply")
    await api.like(root["id"], user="carol")
    await api.settle()

    # No min_position: these may come from the cache, which the projector has invalidated.
    page = await api.thread(fresh=False)
    node = await api.comment(root["id"], fresh=False)
    replies = await api.replies(root["id"], fresh=False)
    assert (page["data"][0]["reply_count"], page["data"][0]["like_count"]) == (1, 1)
    assert contents(page["data"][0]["replies"]) == ["reply"]
    assert (node["reply_count"], node["like_count"]) == (1, 1)
    assert ids(replies["data"]) == [reply["id"]]

    await api.delete(reply["id"], user="bob")
    await api.settle()

    assert (await api.thread(fresh=False))["data"][0]["replies"] == []
    assert (await api.comment(root["id"], fresh=False))["reply_count"] == 0
    assert (await api.replies(root["id"], fresh=False))["data"] == []


@pytest.mark.parametrize(
    "path", ["/v1/search?q=exists", "/v1/counts?entity_type=post&entity_id=p1", "history"]
)
@pytest.mark.read_wait(0.3)
async def test_every_query_honours_min_position(api: Api, path: str) -> None:
    created = await api.create("exists")
    await api.settle()
    if path == "history":
        path, headers = f"/v1/comments/{created['id']}/history", api.auth()
    else:
        headers = api.public()

    base, _, query = path.partition("?")
    params: list[tuple[str, str | int | float | bool | None]] = [
        (k, v) for k, _, v in (pair.partition("=") for pair in query.split("&") if pair)
    ]
    params.append(("min_position", api.log.value + 1000))
    response = await api.http.get(base, params=params, headers=headers)

    assert response.status_code == 200
    assert response.headers.get(CONSISTENCY) == "stale"
