"""GET /v1/search (ranked full-text with highlighted snippets) and GET /v1/counts (many entities)."""

from __future__ import annotations

import pytest

from tests.api.support import NODE_FIELDS, Api, assert_problem, contents


async def test_search_finds_live_comments_with_a_highlighted_snippet(api: Api) -> None:
    hit = await api.create("The quick brown fox jumps over the lazy dog")
    await api.create("Nothing to see here")

    result = await api.search("fox")

    [found] = result["data"]
    assert found["id"] == hit["id"]
    assert found["content"] == "The quick brown fox jumps over the lazy dog"
    assert "<mark>fox</mark>" in found["snippet"]
    assert isinstance(found["rank"], float)
    assert set(found) == NODE_FIELDS | {"snippet", "rank"}
    assert result["meta"] == {
        "page": 1,
        "limit": 20,
        "total": 1,
        "total_pages": 1,
        "next_cursor": None,
        "more_results": False,
        "hint": None,
    }


async def test_every_word_must_match_in_any_case(api: Api) -> None:
    both = await api.create("Apples and Oranges")
    await api.create("apples only")

    result = await api.search("ORANGES apples")

    assert [hit["id"] for hit in result["data"]] == [both["id"]]
    assert "<mark>Apples</mark>" in result["data"][0]["snippet"]
    assert "<mark>Oranges</mark>" in result["data"][0]["snippet"]


async def test_the_snippet_escapes_html_around_the_marks(api: Api) -> None:
    await api.create('<script>alert("banana")</script> banana <b>split</b>')

    [hit] = (await api.search("banana"))["data"]

    snippet = hit["snippet"]
    assert "<mark>banana</mark>" in snippet
    assert snippet.count("<mark>") == snippet.count("</mark>")
    # The only markup is the highlight: every other angle bracket arrives escaped (or not at all).
    assert "<" not in snippet.replace("<mark>", "").replace("</mark>", "")
    assert hit["content"] == '<script>alert("banana")</script> banana <b>split</b>'


async def test_better_matches_rank_first(api: Api) -> None:
    weak = await api.create(
        "A long comment about many things: gardens, weather, trains, music and, once, a kiwi."
    )
    strong = await api.create("kiwi kiwi kiwi")

    result = await api.search("kiwi")

    assert [hit["id"] for hit in result["data"]] == [strong["id"], weak["id"]]
    ranks = [hit["rank"] for hit in result["data"]]
    assert ranks == sorted(ranks)


async def test_search_filters_by_entity_type_and_id(api: Api) -> None:
    on_post = await api.create("mango on a post", entity_type="post", entity_id="p1")
    on_other_post = await api.create("mango elsewhere", entity_type="post", entity_id="p2")
    on_video = await api.create("mango on a video", entity_type="video", entity_id="p1")

    every = await api.search("mango")
    posts = await api.search("mango", entity_type="post")
    one_post = await api.search("mango", entity_type="post", entity_id="p1")
    any_p1 = await api.search("mango", entity_id="p1")

    assert {h["id"] for h in every["data"]} == {on_post["id"], on_other_post["id"], on_video["id"]}
    assert {h["id"] for h in posts["data"]} == {on_post["id"], on_other_post["id"]}
    assert [h["id"] for h in one_post["data"]] == [on_post["id"]]
    assert {h["id"] for h in any_p1["data"]} == {on_post["id"], on_video["id"]}
    assert (every["meta"]["total"], posts["meta"]["total"], one_post["meta"]["total"]) == (3, 2, 1)


async def test_search_pages_through_hits(api: Api) -> None:
    for n in range(5):
        await api.create(f"papaya number {n}")

    pages = [await api.search("papaya", limit=2, page=page) for page in (1, 2, 3)]

    assert [len(p["data"]) for p in pages] == [2, 2, 1]
    assert len({h["id"] for p in pages for h in p["data"]}) == 5
    assert {(p["meta"]["total"], p["meta"]["total_pages"], p["meta"]["limit"]) for p in pages} == {(5, 3, 2)}
    assert [p["meta"]["page"] for p in pages] == [1, 2, 3]


async def test_search_follows_edits_and_deletes(api: Api) -> None:
    edited = await api.create("cherry pie")
    deleted = await api.create("cherry tart")
    await api.edit(edited["id"], "plum pie")
    await api.delete(deleted["id"])

    assert (await api.search("cherry"))["data"] == []
    assert [h["id"] for h in (await api.search("plum"))["data"]] == [edited["id"]]


@pytest.mark.parametrize(
    ("q", "hits"),
    [
        ("fox*", 1),
        ("NEAR(fox dog)", 1),
        ("content:fox", 1),
        ("^fox", 1),
        ("AND", 1),
        ("tenant_key:x", 0),
        ("tenant_id:x fox", 0),
    ],
)
async def test_index_syntax_in_the_query_is_taken_as_plain_words(api: Api, q: str, hits: int) -> None:
    await api.create("fox and dog and and near content")

    result = await api.search(q)

    assert result["meta"]["total"] == len(result["data"]) == hits


@pytest.mark.parametrize(
    "q",
    [
        "fox",
        "fox OR secret",
        "-secret fox",
        '"fox" OR "secret"',
        "tenant_id:* fox",
        "fox) OR (secret",
        "* OR fox",
    ],
)
async def test_no_query_reaches_past_the_tenant(api: Api, other_api: Api, q: str) -> None:
    mine = await api.create("fox and dog")
    await other_api.create("fox secret of the other tenant")
    await api.settle()

    response = await api.get("/v1/search", {"q": q}, fresh=False)

    if response.status_code == 200:
        assert {hit["id"] for hit in response.json()["data"]} <= {mine["id"]}
        assert "secret" not in response.text
    else:
        assert_problem(response, 422, "invalid_query")


@pytest.mark.parametrize("q", ['"', "'", "*", "(", "-", "?!*", "\x00"])
async def test_a_query_without_words_finds_nothing(api: Api, q: str) -> None:
    await api.create("quotes \" and ' stars * and brackets (")
    await api.settle()

    response = await api.http.get("/v1/search", params={"q": q}, headers=api.public())

    if response.status_code == 200:
        assert response.json()["data"] == []
    else:
        assert_problem(response, 422, "invalid_query")


@pytest.mark.parametrize(
    ("params", "status", "code"),
    [
        ({}, 422, "validation_failed"),
        ({"q": ""}, 422, "validation_failed"),
        ({"q": "x" * 257}, 422, "validation_failed"),
        ({"q": "   "}, 422, "invalid_query"),
        ({"q": "a", "limit": "0"}, 422, "validation_failed"),
        ({"q": "a", "limit": "101"}, 422, "validation_failed"),
        ({"q": "a", "page": "0"}, 422, "validation_failed"),
        ({"q": "a", "page": "1001"}, 422, "validation_failed"),
        ({"q": "a", "entity_type": "Bad Type"}, 422, "invalid_entity"),
        ({"q": "a", "entity_id": ""}, 422, "invalid_entity"),
        ({"q": " ".join(f"w{n}" for n in range(13))}, 422, "search_query_too_complex"),
        ({"q": " or ".join(f"w{n}" for n in range(9))}, 422, "search_query_too_complex"),
    ],
)
async def test_bad_search_parameters_are_problems(
    api: Api, params: dict[str, str], status: int, code: str
) -> None:
    response = await api.http.get("/v1/search", params=params, headers=api.public())

    assert_problem(response, status, code)


async def test_counts_answer_for_many_entities_at_once(api: Api) -> None:
    root = await api.create("one", entity_id="a")
    await api.reply(root, "reply counts too")
    await api.create("two", entity_id="a")
    await api.create("only", entity_id="b")
    await api.create("other type", entity_type="video", entity_id="a")

    counts = await api.counts(["a", "b", "never-commented"])

    assert counts == {"a": 3, "b": 1, "never-commented": 0}
    assert await api.counts(["a"], entity_type="video") == {"a": 1}


async def test_counts_drop_when_comments_are_deleted_and_ignore_tombstones(api: Api) -> None:
    root = await api.create("root", entity_id="a")
    reply = await api.reply(root, "reply")
    await api.create("another", entity_id="a")
    await api.delete(root["id"])

    assert await api.counts(["a"]) == {"a": 2}

    await api.delete(reply["id"], user="bob")

    assert await api.counts(["a"]) == {"a": 1}


async def test_repeated_entity_ids_are_answered_once(api: Api) -> None:
    await api.create("x", entity_id="a")

    assert await api.counts(["a", "a", "a"]) == {"a": 1}


async def test_counts_accept_one_hundred_entities(api: Api) -> None:
    await api.create("x", entity_id="e-7")

    counts = await api.counts([f"e-{n}" for n in range(100)])

    assert len(counts) == 100 and counts["e-7"] == 1 and sum(counts.values()) == 1


@pytest.mark.parametrize(
    ("params", "status", "code"),
    [
        ({"entity_type": "post"}, 422, "validation_failed"),
        ({"entity_id": "a"}, 422, "validation_failed"),
        ({"entity_type": "post", "entity_id": [f"e{n}" for n in range(101)]}, 422, "invalid_query"),
        ({"entity_type": "Post", "entity_id": "a"}, 422, "invalid_entity"),
        ({"entity_type": "post", "entity_id": ""}, 422, "invalid_entity"),
        ({"entity_type": "post", "entity_id": "x" * 257}, 422, "invalid_entity"),
        ({"entity_type": "post", "entity_id": "nul\x00"}, 422, "invalid_entity"),
        ({"entity_type": "p" * 65, "entity_id": "a"}, 422, "validation_failed"),
    ],
)
async def test_bad_counts_parameters_are_problems(
    api: Api, params: dict[str, str | list[str]], status: int, code: str
) -> None:
    response = await api.http.get("/v1/counts", params=params, headers=api.public())

    assert_problem(response, status, code)


async def test_search_results_are_the_thread_s_live_comments(api: Api) -> None:
    root = await api.create("guava root")
    await api.reply(root, "guava reply")

    result = await api.search("guava")

    assert sorted(str(c) for c in contents(result["data"])) == ["guava reply", "guava root"]
    assert {h["depth"] for h in result["data"]} == {0, 1}


async def test_search_hits_carry_the_caller_s_likes(api: Api) -> None:
    liked = await api.create("lychee liked")
    await api.create("lychee not liked")
    await api.like(liked["id"], user="bob")
    await api.settle()

    hits = await api.read("/v1/search", {"q": "lychee"}, user="bob", fresh=False)

    assert {h["content"]: h.get("current_user_liked") for h in hits["data"]} == {
        "lychee liked": True,
        "lychee not liked": False,
    }
