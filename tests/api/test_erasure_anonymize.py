"""Erasure in 'anonymize' mode: the erased user's published comments keep their words in the
thread but lose their name, avatar, role and owner; their unpublished and deleted comments are
erased outright and their likes withdrawn. Afterwards the name and avatar are in no table, no
event payload and no cache."""

from __future__ import annotations

from tests.api.support import MODERATOR, Api, Json, assert_problem, ids
from tests.integration.helpers import PREPARED_TABLES, cached_text, stored_text, table_text
from threadline.bootstrap import Threadline
from threadline.domain.identity import Role
from threadline.domain.tenant import ErasureMode, Tenant, TenantSettings

ALICE = (
    "alice-wonder"  # her token carries the name "Alice-Wonder" and avatar https://img.test/alice-wonder.png
)
NAME, AVATAR = "Alice-Wonder", f"https://img.test/{ALICE}.png"
KEPT = ("kept-words-one", "kept-words-two-edited")
GONE = ("pending-private-words", "deleted-private-words")
MOD = MODERATOR
AUTHOR_FIELDS = ("author_id", "author_name", "author_avatar", "author_role")


async def configure(container: Threadline, tenant: Tenant, *, premoderation: bool = False) -> None:
    settings = TenantSettings(premoderation=premoderation, erasure_mode=ErasureMode.ANONYMIZE)
    await container.tenants.set_settings(tenant.id, settings)
    container.verifier.forget(tenant.id)


async def approved(api: Api, created: Json) -> Json:
    assert created["status"] == "PENDING"
    await api.ok("POST", f"/v1/comments/{created['id']}/approve", **MOD)
    return created


async def erase(api: Api, user_id: str = ALICE) -> Json:
    return await api.ok("DELETE", f"/v1/users/{user_id}", user="root", role=Role.ADMIN)


async def scene(api: Api, container: Threadline) -> dict[str, str]:
    """Under pre-moderation Alice has two published comments (one edited), one still pending and
    one she deleted; a moderator replies to her and she likes the reply. The pages are cached."""
    first = await approved(api, await api.create(KEPT[0], user=ALICE))
    second = await approved(api, await api.create("kept-words-two", user=ALICE, entity_id="p2"))
    await api.edit(second["id"], KEPT[1], user=ALICE)
    await api.create(GONE[0], user=ALICE)
    deleted = await approved(api, await api.create(GONE[1], user=ALICE, entity_id="p3"))
    await api.delete(deleted["id"], user=ALICE)
    reply = await api.reply(first, "the moderator answers", **MOD)
    await api.like(reply["id"], user=ALICE)
    for entity in ("p1", "p2"):
        await api.thread("post", entity, user="bob")
    # Stop the background projector (its last invalidations are done), so what is cached now stays
    # cached; the tests then project by hand.
    await container.stop_projector()
    for entity in ("p1", "p2"):
        await api.thread("post", entity, user="bob", fresh=False)
        await api.thread("post", entity, fresh=False)
    await api.comment(first["id"], fresh=False)
    return {"first": first["id"], "second": second["id"], "reply": reply["id"]}


async def test_an_anonymized_user_leaves_their_words_but_no_name_or_avatar_anywhere(
    api: Api, container: Threadline, tenant: Tenant
) -> None:
    await configure(container, tenant, premoderation=True)
    scenery = await scene(api, container)
    before = await stored_text(container)
    assert all(word in before for word in (*KEPT, *GONE, NAME, AVATAR))  # the check below would see them
    assert NAME in await cached_text(container)  # and so would the cache check
    assert NAME in await table_text(container, *PREPARED_TABLES)  # and the prepared pages

    erased = await erase(api)
    await container.projector.catch_up()

    assert (erased["comments_erased"], erased["likes_removed"]) == (4, 1)
    [root] = (await api.thread())["data"]
    assert (root["id"], root["status"], root["content"]) == (scenery["first"], "ACTIVE", KEPT[0])
    assert [root[f] for f in AUTHOR_FIELDS] == [None] * 4
    assert [(r["id"], r["like_count"]) for r in root["replies"]] == [(scenery["reply"], 0)]
    [other] = (await api.thread("post", "p2"))["data"]
    assert (other["content"], [other[f] for f in AUTHOR_FIELDS]) == (KEPT[1], [None] * 4)
    single = await api.comment(scenery["first"])
    assert (single["content"], [single[f] for f in AUTHOR_FIELDS]) == (KEPT[0], [None] * 4)
    assert (await api.thread(**MOD))["pending"] == []  # her pending comment is erased, not kept
    assert (await api.thread("post", "p3"))["data"] == []

    stored = await stored_text(container)
    everything = stored + await cached_text(container)
    assert [word for word in (NAME, AVATAR, *GONE) if word in everything] == []
    assert all(word in stored for word in KEPT)


async def test_anonymized_comments_stay_counted_and_searchable_but_have_no_owner(
    api: Api, container: Threadline, tenant: Tenant
) -> None:
    await configure(container, tenant)
    kept = await api.create("a durable aardvark remark", user=ALICE)
    reply = await api.reply(kept, "bob agrees", user="bob")
    await api.like(reply["id"], user=ALICE)

    erased = await erase(api)

    assert (erased["comments_erased"], erased["likes_removed"]) == (1, 1)
    assert await api.counts(["p1"]) == {"p1": 2}
    assert [hit["id"] for hit in (await api.search("aardvark"))["data"]] == [kept["id"]]
    [root] = (await api.thread())["data"]
    assert (root["status"], root["author_id"], ids(root["replies"])) == ("ACTIVE", None, [reply["id"]])
    edit = await api.send("PATCH", f"/v1/comments/{kept['id']}", json={"content": "mine?"}, user=ALICE)
    assert_problem(edit, 403, "permission_denied")
    assert (await api.comment(kept["id"]))["content"] == "a durable aardvark remark"
    again = await erase(api)
    assert (again["comments_erased"], again["likes_removed"]) == (0, 0)  # nothing of hers is left


async def test_erasure_withdraws_a_like_of_a_comment_a_moderator_took_down(
    api: Api, container: Threadline, tenant: Tenant
) -> None:
    await configure(container, tenant)
    taken_down = await api.create("soon taken down", user="bob")
    await api.like(taken_down["id"], user=ALICE)
    await api.ok("POST", f"/v1/comments/{taken_down['id']}/reject", **MOD)

    erased = await erase(api)

    export = await api.ok("GET", f"/v1/users/{ALICE}/export", user="root", role=Role.ADMIN)
    assert export["likes"] == []
    assert erased["likes_removed"] == 1
