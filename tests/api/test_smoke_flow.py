"""A newcomer's first minutes: post a comment, reply, read the thread back."""

from __future__ import annotations

import httpx

from tests.conftest import TokenFactory
from threadline.domain.tenant import Tenant


async def test_posted_comment_and_reply_appear_in_the_thread(
    client: httpx.AsyncClient, tenant: Tenant, make_token: TokenFactory
) -> None:
    auth = {"Authorization": f"Bearer {make_token('alice')}"}
    root = await client.post(
        "/v1/comments", json={"entity_type": "post", "entity_id": "p1", "content": "First!"}, headers=auth
    )
    assert root.status_code == 201
    reply = await client.post(
        "/v1/comments",
        json={"entity_type": "post", "entity_id": "p1", "content": "Second", "parent_id": root.json()["id"]},
        headers=auth,
    )
    assert reply.status_code == 201
    position = reply.json()["position"]

    page = await client.get(
        f"/v1/entities/post/p1/comments?min_position={position}", headers={"X-Tenant-ID": tenant.id}
    )
    assert page.status_code == 200
    assert page.headers["X-Threadline-Consistency"] == "caught-up"
    body = page.json()
    assert [c["content"] for c in body["data"]] == ["First!"]
    assert body["data"][0]["reply_count"] == 1
    assert [r["content"] for r in body["data"][0]["replies"]] == ["Second"]
    assert body["meta"]["total"] == 1
