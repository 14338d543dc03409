"""Tenants never see or touch each other's comments, and a token cannot speak for another tenant."""

from __future__ import annotations

import httpx
import pytest

from tests.api.support import Api, assert_problem
from threadline.domain.identity import Role


async def test_a_token_of_another_tenant_with_this_tenant_s_header_is_tenant_mismatch(
    api: Api, other_api: Api
) -> None:
    created = await api.create("in A")
    await api.settle()
    b_token = other_api.auth("bob")
    mixed = {**b_token, "X-Tenant-ID": api.tenant.id}

    reads = [
        await api.http.get("/v1/entities/post/p1/comments", headers=mixed),
        await api.http.get(f"/v1/comments/{created['id']}", headers=mixed),
        await api.http.get(f"/v1/comments/{created['id']}/replies", headers=mixed),
        await api.http.get("/v1/search", params={"q": "A"}, headers=mixed),
        await api.http.get("/v1/counts", params={"entity_type": "post", "entity_id": "p1"}, headers=mixed),
    ]
    writes = [
        await api.http.post(
            "/v1/comments", json={"entity_type": "post", "entity_id": "p1", "content": "x"}, headers=mixed
        ),
        await api.http.put(f"/v1/comments/{created['id']}/like", headers=mixed),
        await api.http.patch(f"/v1/comments/{created['id']}", json={"content": "x"}, headers=mixed),
        await api.http.get(f"/v1/comments/{created['id']}/history", headers=mixed),
        await api.http.get(
            "/v1/admin/audit", headers={**other_api.auth("root", Role.ADMIN), "X-Tenant-ID": api.tenant.id}
        ),
    ]
    b_mod = {**other_api.auth("mod", Role.MODERATOR), "X-Tenant-ID": api.tenant.id}
    writes += [
        await api.http.post(f"/v1/comments/{created['id']}/approve", headers=b_mod),
        await api.http.post(f"/v1/comments/{created['id']}/reject", headers=b_mod),
        await api.http.post(f"/v1/comments/{created['id']}/report", json={"reason": "x"}, headers=mixed),
        await api.http.get("/v1/moderation/queue", headers=b_mod),
        await api.http.get("/v1/moderation/bans", headers=b_mod),
        await api.http.put("/v1/moderation/bans/alice", headers=b_mod),
        await api.http.put("/v1/entities/post/p1/lock", headers=b_mod),
        await api.http.get("/v1/users/alice/export", headers=b_mod),
        await api.http.delete("/v1/users/alice", headers=b_mod),
    ]

    for response in reads + writes:
        assert_problem(response, 403, "tenant_mismatch")
    node = await api.comment(created["id"])
    assert (node["content"], node["like_count"]) == ("in A", 0)


async def test_one_tenant_cannot_read_or_touch_another_s_comment_by_id(api: Api, other_api: Api) -> None:
    theirs = await other_api.create("B's comment", user="bob")
    b_id = theirs["id"]

    responses = [
        await api.get(f"/v1/comments/{b_id}"),
        await api.get(f"/v1/comments/{b_id}/replies"),
        await api.send("PUT", f"/v1/comments/{b_id}/like", user="alice"),
        await api.send("DELETE", f"/v1/comments/{b_id}/like", user="alice"),
        await api.send(
            "PATCH", f"/v1/comments/{b_id}", user="alice", role=Role.ADMIN, json={"content": "pwned"}
        ),
        await api.send("DELETE", f"/v1/comments/{b_id}", user="alice", role=Role.ADMIN),
        await api.send("PUT", f"/v1/comments/{b_id}/pin", user="mod", role=Role.MODERATOR),
        await api.send(
            "DELETE", f"/v1/admin/comments/{b_id}", user="root", role=Role.ADMIN, params={"reason": "x"}
        ),
        await api.http.get(f"/v1/comments/{b_id}/history", headers=api.auth("root", Role.ADMIN)),
        await api.send("POST", f"/v1/comments/{b_id}/approve", user="mod", role=Role.MODERATOR),
        await api.send("POST", f"/v1/comments/{b_id}/reject", user="mod", role=Role.MODERATOR),
        await api.send("POST", f"/v1/comments/{b_id}/report", user="alice", json={"reason": "spam"}),
    ]

    for response in responses:
        assert_problem(response, 404, "comment_not_found")
    node = await other_api.comment(b_id)
    assert (node["content"], node["status"], node["like_count"], node["is_pinned"]) == (
        "B's comment",
        "ACTIVE",
        0,
        False,
    )


async def test_a_reply_cannot_hang_under_another_tenant_s_comment(api: Api, other_api: Api) -> None:
    theirs = await other_api.create("B's root")

    response = await api.send(
        "POST",
        "/v1/comments",
        json={"entity_type": "post", "entity_id": "p1", "content": "sneaky", "parent_id": theirs["id"]},
    )

    assert_problem(response, 422, "parent_not_found")
    assert (await other_api.comment(theirs["id"]))["reply_count"] == 0


async def test_threads_search_counts_and_audit_show_only_the_tenant_s_own_data(
    api: Api, other_api: Api
) -> None:
    mine = await api.create("alpha shared words", entity_id="shared")
    theirs = await other_api.create("bravo shared words", entity_id="shared")
    await other_api.create("bravo more", entity_id="shared")

    a_thread = await api.thread("post", "shared")
    b_thread = await other_api.thread("post", "shared")
    a_search = await api.search("shared")
    b_search = await other_api.search("shared")
    a_only_b_words = await api.search("bravo")

    assert [c["id"] for c in a_thread["data"]] == [mine["id"]] and a_thread["meta"]["total"] == 1
    assert theirs["id"] in [c["id"] for c in b_thread["data"]] and b_thread["meta"]["total"] == 2
    assert [h["id"] for h in a_search["data"]] == [mine["id"]]
    assert [h["id"] for h in b_search["data"]] == [theirs["id"]]
    assert a_only_b_words["data"] == [] and a_only_b_words["meta"]["total"] == 0
    assert await api.counts(["shared"]) == {"shared": 1}
    assert await other_api.counts(["shared"]) == {"shared": 2}
    assert {e["comment_id"] for e in await api.audit_events()} == {mine["id"]}
    assert mine["id"] not in {e["comment_id"] for e in await other_api.audit_events()}


async def test_the_same_client_id_in_two_tenants_makes_two_comments(api: Api, other_api: Api) -> None:
    shared_id = "0b5d8a38-5c89-4b7e-9a77-6b8a4d1f2e01"

    mine = await api.create("A's words", comment_id=shared_id)
    theirs = await other_api.create("B's words", comment_id=shared_id, user="bob")

    assert mine["id"] == theirs["id"] == shared_id
    assert (mine["changed"], theirs["changed"]) == (True, True)
    assert (await api.comment(shared_id))["content"] == "A's words"
    assert (await other_api.comment(shared_id))["content"] == "B's words"


async def test_a_like_in_one_tenant_is_not_seen_in_the_other(api: Api, other_api: Api) -> None:
    shared_id = "5e0b3c1d-2f4a-4c6b-8d9e-0a1b2c3d4e5f"
    await api.create("A", comment_id=shared_id)
    await other_api.create("B", comment_id=shared_id)

    await api.like(shared_id, user="bob")

    assert (await api.comment(shared_id, user="bob"))["current_user_liked"] is True
    b_view = await other_api.comment(shared_id, user="bob")
    assert (b_view["like_count"], b_view["current_user_liked"]) == (0, False)


@pytest.mark.parametrize("cursor_from", ["thread", "replies"])
async def test_a_cursor_from_another_tenant_is_invalid_cursor(
    api: Api, other_api: Api, cursor_from: str
) -> None:
    shared_id = "7c9e6679-7425-40de-944b-e07fc1f90ae7"
    for tenant_api in (api, other_api):
        root = await tenant_api.create("root", comment_id=shared_id)
        for n in range(2):
            await tenant_api.create(f"r{n}")
            await tenant_api.reply(root, f"reply {n}")
    path = "/v1/entities/post/p1/comments" if cursor_from == "thread" else f"/v1/comments/{shared_id}/replies"
    cursor = (await other_api.read(path, {"limit": "1"}))["meta"]["next_cursor"]
    assert cursor

    response = await api.get(path, {"limit": "1", "cursor": cursor})

    assert_problem(response, 400, "invalid_cursor")


async def test_a_write_with_a_matching_tenant_header_is_accepted(api: Api, client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/v1/comments",
        json={"entity_type": "post", "entity_id": "p1", "content": "explicit tenant"},
        headers={**api.auth(), "X-Tenant-ID": api.tenant.id},
    )

    assert response.status_code == 201
