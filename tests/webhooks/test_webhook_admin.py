"""Admins manage their tenant's subscriptions over HTTP; bad URLs and types are 422 problems with
the field named, and the secret is answered only on create and rotate."""

from __future__ import annotations

import pytest

from tests.api.support import Api, assert_problem
from tests.webhooks.support import ADMIN, subscriptions
from threadline.domain.identity import Role

PUBLIC_HTTPS = "https://93.184.215.14/hook"  # a public address literal: no DNS needed


async def test_a_subscription_is_created_listed_changed_and_removed_by_an_admin(api: Api) -> None:
    created = await api.ok(
        "POST",
        "/v1/admin/webhooks",
        expect=201,
        json={
            "url": PUBLIC_HTTPS,
            "event_types": ["reply.created", "comment.created"],
            "description": "notify",
        },
        **ADMIN,
    )
    assert created["secret"].startswith("whsec_") and len(created["secret"]) > 40
    assert (created["event_types"], created["enabled"], created["status"]) == (
        ["comment.created", "reply.created"],
        True,
        "active",
    )

    listed = await subscriptions(api)
    assert [w["id"] for w in listed] == [created["id"]] and listed[0]["secret"] is None
    one = await api.ok("GET", f"/v1/admin/webhooks/{created['id']}", **ADMIN)
    assert one["secret"] is None and one["url"] == PUBLIC_HTTPS

    changed = await api.ok(
        "PATCH", f"/v1/admin/webhooks/{created['id']}", json={"enabled": False, "event_types": []}, **ADMIN
    )
    assert (changed["enabled"], changed["event_types"], changed["description"]) == (False, [], "notify")

    removed = await api.send("DELETE", f"/v1/admin/webhooks/{created['id']}", **ADMIN)
    assert removed.status_code == 204
    assert_problem(
        await api.send("GET", f"/v1/admin/webhooks/{created['id']}", **ADMIN), 404, "webhook_not_found"
    )


async def test_rotating_the_secret_answers_a_new_one_once_and_keeps_the_old_one_for_the_grace_period(
    api: Api,
) -> None:
    created = await api.ok("POST", "/v1/admin/webhooks", expect=201, json={"url": PUBLIC_HTTPS}, **ADMIN)

    rotated = await api.ok("POST", f"/v1/admin/webhooks/{created['id']}/rotate-secret", **ADMIN)

    assert rotated["secret"].startswith("whsec_") and rotated["secret"] != created["secret"]
    assert rotated["previous_secret_until"] is not None
    assert (await api.ok("GET", f"/v1/admin/webhooks/{created['id']}", **ADMIN))["secret"] is None


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://hooks.example.com/x", "http://"),
        ("https://10.1.2.3/x", "private"),
        ("https://localhost/x", "private"),
        ("https://169.254.169.254/latest/meta-data", "private"),
        ("https://[::1]/x", "private"),
        ("not a url", "absolute"),
        ("ftp://93.184.215.14/x", "absolute"),
        ("https://user:pw@93.184.215.14/x", "credentials"),
        ("https://93.184.215.14:99999/x", "malformed"),
        ("https://no-such-host.invalid/x", "does not resolve"),
    ],
)
async def test_a_url_that_is_not_allowed_is_a_422_naming_the_url_and_changes_nothing(
    api: Api, url: str, why: str
) -> None:
    response = await api.send("POST", "/v1/admin/webhooks", json={"url": url}, **ADMIN)

    body = assert_problem(response, 422, "invalid_webhook_url")
    assert body["field"] == "url" and why in body["detail"]
    assert await subscriptions(api) == []


async def test_changing_the_url_to_one_not_allowed_is_a_422_and_keeps_the_old_one(api: Api) -> None:
    created = await api.ok("POST", "/v1/admin/webhooks", expect=201, json={"url": PUBLIC_HTTPS}, **ADMIN)

    response = await api.send(
        "PATCH",
        f"/v1/admin/webhooks/{created['id']}",
        json={"url": "https://192.168.0.10/x", "description": "changed"},
        **ADMIN,
    )

    assert assert_problem(response, 422, "invalid_webhook_url")["field"] == "url"
    kept = await api.ok("GET", f"/v1/admin/webhooks/{created['id']}", **ADMIN)
    assert (kept["url"], kept["description"]) == (PUBLIC_HTTPS, "")


async def test_an_allow_listed_host_may_use_http_and_a_loopback_address(api: Api) -> None:
    created = await api.ok(
        "POST", "/v1/admin/webhooks", expect=201, json={"url": "http://127.0.0.1:9/hook"}, **ADMIN
    )
    assert created["url"] == "http://127.0.0.1:9/hook"


async def test_an_unknown_event_type_is_a_422_naming_event_types(api: Api) -> None:
    response = await api.send(
        "POST", "/v1/admin/webhooks", json={"url": PUBLIC_HTTPS, "event_types": ["comment.exploded"]}, **ADMIN
    )
    body = assert_problem(response, 422, "invalid_webhook_event_types")
    assert body["field"] == "event_types" and "comment.exploded" in body["detail"]


async def test_a_moderator_may_not_manage_webhooks(api: Api) -> None:
    response = await api.send(
        "POST", "/v1/admin/webhooks", json={"url": PUBLIC_HTTPS}, user="mod", role=Role.MODERATOR
    )
    assert_problem(response, 403, "permission_denied")


async def test_another_tenant_s_subscription_does_not_exist_for_an_admin(api: Api, other_api: Api) -> None:
    created = await api.ok("POST", "/v1/admin/webhooks", expect=201, json={"url": PUBLIC_HTTPS}, **ADMIN)

    for method, path in (
        ("GET", f"/v1/admin/webhooks/{created['id']}"),
        ("PATCH", f"/v1/admin/webhooks/{created['id']}"),
        ("DELETE", f"/v1/admin/webhooks/{created['id']}"),
        ("POST", f"/v1/admin/webhooks/{created['id']}/rotate-secret"),
        ("GET", f"/v1/admin/webhooks/{created['id']}/deliveries"),
    ):
        response = await other_api.send(method, path, json={} if method == "PATCH" else None, **ADMIN)
        assert_problem(response, 404, "webhook_not_found")
    assert await subscriptions(other_api) == []


async def test_a_replay_position_below_zero_is_a_validation_problem(api: Api) -> None:
    created = await api.ok("POST", "/v1/admin/webhooks", expect=201, json={"url": PUBLIC_HTTPS}, **ADMIN)
    response = await api.send(
        "POST", f"/v1/admin/webhooks/{created['id']}/replay", json={"after": -1}, **ADMIN
    )
    assert_problem(response, 422, "validation_failed")
