"""A user's data can be exported, and a user erased: afterwards their words, name and avatar are
in no table, no event payload and no cache."""

from __future__ import annotations

import httpx
import pytest
from pydantic import SecretStr

from tests.conftest import TokenFactory
from tests.integration.helpers import PREPARED_TABLES, cached_text, stored_text, table_text
from threadline.bootstrap import Threadline
from threadline.domain.identity import Role
from threadline.domain.tenant import Tenant

ALICE = (
    "alice-wonder"  # her token carries the name "Alice-Wonder" and avatar https://img.test/alice-wonder.png
)
SECRET_WORDS = ("first-private-thought", "second-private-thought", "edited-private-thought")


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def scene(client: httpx.AsyncClient, container: Threadline, make_token: TokenFactory) -> dict[str, str]:
    """Alice writes two comments (and edits one), Bob replies to her and Alice likes Bob's reply."""
    alice, bob = auth(make_token(ALICE)), auth(make_token("bob"))
    first = (
        await client.post(
            "/v1/comments",
            json={"entity_type": "post", "entity_id": "p1", "content": SECRET_WORDS[0]},
            headers=alice,
        )
    ).json()
    second = (
        await client.post(
            "/v1/comments",
            json={"entity_type": "post", "entity_id": "p2", "content": SECRET_WORDS[1]},
            headers=alice,
        )
    ).json()
    await client.patch(f"/v1/comments/{second['id']}", json={"content": SECRET_WORDS[2]}, headers=alice)
    reply = (
        await client.post(
            "/v1/comments",
            json={
                "entity_type": "post",
                "entity_id": "p1",
                "content": "bob answers",
                "parent_id": first["id"],
            },
            headers=bob,
        )
    ).json()
    liked = (await client.put(f"/v1/comments/{reply['id']}/like", headers=alice)).json()
    # Read the threads so their pages (with Alice's name in them) sit in the cache.
    for entity in ("p1", "p2"):
        page = await client.get(
            f"/v1/entities/post/{entity}/comments?min_position={liked['position']}", headers=bob
        )
        assert page.status_code == 200
    # Stop the background projector (its last invalidations are done), so what is cached now
    # stays cached; the tests then project by hand.
    await container.stop_projector()
    for entity in ("p1", "p2"):
        assert (await client.get(f"/v1/entities/post/{entity}/comments", headers=bob)).status_code == 200
    return {"first": first["id"], "second": second["id"], "reply": reply["id"]}


async def test_a_user_exports_every_comment_edit_and_like_of_theirs(
    client: httpx.AsyncClient, container: Threadline, make_token: TokenFactory
) -> None:
    ids = await scene(client, container, make_token)
    export = await client.get(f"/v1/users/{ALICE}/export", headers=auth(make_token(ALICE)))
    assert export.status_code == 200
    body = export.json()
    assert sorted(c["id"] for c in body["comments"]) == sorted([ids["first"], ids["second"]])
    assert {c["content"] for c in body["comments"]} == {SECRET_WORDS[0], SECRET_WORDS[2]}
    assert [e["previous_content"] for e in body["edits"]] == [SECRET_WORDS[1]]
    assert [like["comment_id"] for like in body["likes"]] == [ids["reply"]]
    others = await client.get(f"/v1/users/{ALICE}/export", headers=auth(make_token("bob")))
    assert (others.status_code, others.json()["code"]) == (403, "permission_denied")
    admin = await client.get(f"/v1/users/{ALICE}/export", headers=auth(make_token("root", Role.ADMIN)))
    assert admin.status_code == 200


async def test_an_erased_user_leaves_no_words_name_or_avatar_anywhere(
    client: httpx.AsyncClient, container: Threadline, tenant: Tenant, make_token: TokenFactory
) -> None:
    await scene(client, container, make_token)
    personal = (*SECRET_WORDS, "Alice-Wonder", "https://img.test/alice-wonder.png")
    stored = await stored_text(container)
    assert all(word in stored for word in personal[:2])  # the check below would see them
    assert "Alice-Wonder" in await cached_text(container)  # and so would the cache check
    assert "Alice-Wonder" in await table_text(container, *PREPARED_TABLES)  # and the prepared pages

    erased = await client.delete(f"/v1/users/{ALICE}", headers=auth(make_token("root", Role.ADMIN)))
    assert erased.status_code == 200, erased.text
    assert (erased.json()["comments_erased"], erased.json()["likes_removed"]) == (2, 1)
    position = erased.json()["position"]
    await container.projector.catch_up()
    thread = await client.get(
        f"/v1/entities/post/p1/comments?min_position={position}", headers={"X-Tenant-ID": tenant.id}
    )
    [tombstone] = thread.json()["data"]
    assert (tombstone["status"], tombstone["author_name"], tombstone["content"]) == ("DELETED", None, None)
    assert [(r["content"], r["like_count"]) for r in tombstone["replies"]] == [("bob answers", 0)]

    everything = await stored_text(container) + await cached_text(container)
    assert [word for word in personal if word in everything] == []


async def test_users_erase_themselves_only_where_the_tenant_allows_it(
    client: httpx.AsyncClient, container: Threadline, tenant: Tenant, make_token: TokenFactory
) -> None:
    await scene(client, container, make_token)
    refused = await client.delete(f"/v1/users/{ALICE}", headers=auth(make_token(ALICE)))
    assert (refused.status_code, refused.json()["code"]) == (403, "permission_denied")
    container.settings.operator_key = SecretStr("op")
    await client.put(
        f"/v1/operator/tenants/{tenant.id}/settings",
        json={"users_may_erase_themselves": True},
        headers={"X-Operator-Key": "op"},
    )
    allowed = await client.delete(f"/v1/users/{ALICE}", headers=auth(make_token(ALICE)))
    assert allowed.status_code == 200 and allowed.json()["comments_erased"] == 2
    again = await client.delete(f"/v1/users/{ALICE}", headers=auth(make_token(ALICE)))
    assert again.json()["comments_erased"] == 0  # erasing twice changes nothing


@pytest.mark.parametrize("user", ["bob"])
async def test_others_cannot_erase_a_user(
    client: httpx.AsyncClient, container: Threadline, make_token: TokenFactory, user: str
) -> None:
    await scene(client, container, make_token)
    response = await client.delete(f"/v1/users/{ALICE}", headers=auth(make_token(user, Role.MODERATOR)))
    assert (response.status_code, response.json()["code"]) == (403, "permission_denied")
