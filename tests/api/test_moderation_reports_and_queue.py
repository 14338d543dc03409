"""Reports and the moderation queue: users report comments once each, moderators read the pending
and reported comments oldest first, and approve (dismiss the reports) or reject (take it down)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.support import MODERATOR, PROBLEM_JSON, Api, Json, assert_problem, ids
from threadline.bootstrap import Threadline
from threadline.domain.identity import Role
from threadline.domain.tenant import Tenant, TenantSettings

MOD = MODERATOR


async def premoderate(container: Threadline, tenant: Tenant) -> None:
    await container.tenants.set_settings(tenant.id, TenantSettings(premoderation=True))
    container.verifier.forget(tenant.id)


async def report(api: Api, comment_id: str, reason: str = "spam", *, user: str = "bob") -> Json:
    return await api.ok("POST", f"/v1/comments/{comment_id}/report", json={"reason": reason}, user=user)


async def verdict(api: Api, comment_id: str, action: str, **kwargs: Any) -> Json:
    return await api.ok("POST", f"/v1/comments/{comment_id}/{action}", **{**MOD, **kwargs})


async def queue(api: Api, **params: str | int) -> Json:
    """The moderation queue as a moderator, once the projection has every write so far."""
    await api.settle()
    return await api.read("/v1/moderation/queue", params, fresh=False, **MOD)


def queued(page: Json) -> list[str]:
    return [item["comment"]["id"] for item in page["data"]]


async def test_a_report_puts_a_published_comment_in_the_queue_with_its_reason(api: Api) -> None:
    created = await api.create("you are all wrong")

    reported = await report(api, created["id"], "rude to everyone")

    assert (reported["changed"], reported["status"]) == (True, "ACTIVE")
    page = await queue(api)
    assert page["meta"] == {"limit": 20, "next_cursor": None}
    [item] = page["data"]
    comment = item["comment"]
    assert (comment["id"], comment["content"], comment["author_id"], comment["status"]) == (
        created["id"],
        "you are all wrong",
        "alice",
        "ACTIVE",
    )
    assert (item["pending"], item["report_count"]) == (False, 1)
    assert isinstance(item["last_reported_at"], str)
    [entry] = item["reports"]
    assert (entry["user_id"], entry["reason"]) == ("bob", "rude to everyone")
    assert entry["reported_at"] == item["last_reported_at"]
    assert ids((await api.thread())["data"]) == [created["id"]]  # a report alone hides nothing


async def test_each_user_reports_a_comment_once(api: Api) -> None:
    created = await api.create("contested")

    first = await report(api, created["id"], user="bob")
    repeat = await report(api, created["id"], "spam, really", user="bob")
    other = await report(api, created["id"], "off topic", user="carol")

    assert (first["changed"], repeat["changed"], other["changed"]) == (True, False, True)
    [item] = (await queue(api))["data"]
    assert item["report_count"] == 2
    assert sorted((r["user_id"], r["reason"]) for r in item["reports"]) == [
        ("bob", "spam"),
        ("carol", "off topic"),
    ]
    assert len(await api.audit_events(event_type="CommentReported")) == 2


@pytest.mark.parametrize("body", [None, {}, {"reason": ""}, {"reason": "x" * 1001}, {"reason": "   "}])
async def test_a_report_needs_a_reason_of_at_most_1000_characters(api: Api, body: Json | None) -> None:
    created = await api.create("c")

    response = await api.send("POST", f"/v1/comments/{created['id']}/report", json=body, user="bob")

    assert 400 <= response.status_code < 500, response.text
    assert response.headers["content-type"].split(";")[0] == PROBLEM_JSON
    assert (await queue(api))["data"] == []


async def test_nobody_reports_their_own_comment(api: Api) -> None:
    created = await api.create("mine")

    response = await api.send("POST", f"/v1/comments/{created['id']}/report", json={"reason": "x"})

    assert_problem(response, 403, "permission_denied")
    assert (await queue(api))["data"] == []


async def test_reporting_a_deleted_comment_is_comment_deleted(api: Api) -> None:
    created = await api.create("gone soon")
    await api.delete(created["id"])

    response = await api.send(
        "POST", f"/v1/comments/{created['id']}/report", json={"reason": "x"}, user="bob"
    )

    assert_problem(response, 409, "comment_deleted")


async def test_only_moderators_and_admins_read_the_queue(api: Api) -> None:
    user = await api.get("/v1/moderation/queue", user="alice")
    admin = await api.get("/v1/moderation/queue", user="root", role=Role.ADMIN, fresh=False)

    assert_problem(user, 403, "permission_denied")
    assert admin.status_code == 200 and admin.json()["data"] == []


async def test_the_queue_lists_pending_and_reported_comments_oldest_first_and_filters_by_kind(
    api: Api, container: Threadline, tenant: Tenant
) -> None:
    await premoderate(container, tenant)
    published = await api.create("published", **MOD)
    first_pending = await api.create("first pending")
    await report(api, published["id"])
    second_pending = await api.create("second pending", user="carol")

    both = await queue(api)
    pending = await queue(api, kind="pending")
    reported = await queue(api, kind="reported")
    bad = await api.get("/v1/moderation/queue", {"kind": "spam"}, fresh=False, **MOD)

    assert queued(both) == [first_pending["id"], published["id"], second_pending["id"]]
    assert [(i["pending"], i["report_count"]) for i in both["data"]] == [(True, 0), (False, 1), (True, 0)]
    assert both["data"][0]["last_reported_at"] is None and both["data"][0]["reports"] == []
    assert both["data"][0]["comment"]["status"] == "PENDING"
    assert both["data"][0]["comment"]["content"] == "first pending"
    assert queued(pending) == [first_pending["id"], second_pending["id"]]
    assert queued(reported) == [published["id"]]
    assert_problem(bad, 422, "invalid_query")


async def test_the_queue_pages_with_its_cursor(api: Api, container: Threadline, tenant: Tenant) -> None:
    await premoderate(container, tenant)
    waiting = [(await api.create(f"waiting {n}"))["id"] for n in range(3)]

    first = await queue(api, limit=2)
    second = await queue(api, limit=2, cursor=first["meta"]["next_cursor"])
    malformed = await api.get("/v1/moderation/queue", {"cursor": "not-a-cursor"}, fresh=False, **MOD)

    assert queued(first) == waiting[:2] and first["meta"]["limit"] == 2
    assert isinstance(first["meta"]["next_cursor"], str)
    assert queued(second) == waiting[2:] and second["meta"]["next_cursor"] is None
    assert_problem(malformed, 400, "invalid_cursor")


async def test_approving_a_reported_comment_dismisses_its_reports_and_keeps_it_published(api: Api) -> None:
    created = await api.create("harmless after all")
    await report(api, created["id"])

    approved = await verdict(api, created["id"], "approve")
    repeat = await verdict(api, created["id"], "approve")

    assert (approved["changed"], approved["status"]) == (True, "ACTIVE")
    assert repeat["changed"] is False
    assert (await queue(api))["data"] == []
    assert ids((await api.thread())["data"]) == [created["id"]]
    assert await api.counts(["p1"]) == {"p1": 1}


async def test_rejecting_or_deleting_a_reported_comment_takes_it_out_of_the_queue(api: Api) -> None:
    rejected = await api.create("rejected one")
    withdrawn = await api.create("withdrawn one")
    for comment in (rejected, withdrawn):
        await report(api, comment["id"])
    assert len((await queue(api))["data"]) == 2

    await verdict(api, rejected["id"], "reject", json={"reason": "abusive"})
    await api.delete(withdrawn["id"])

    assert (await queue(api))["data"] == []
    assert (await api.thread())["data"] == []


async def test_rejecting_a_published_comment_takes_it_down(api: Api) -> None:
    with_replies = await api.create("a root with replies")
    reply = await api.reply(with_replies, "an innocent reply")
    alone = await api.create("a root alone")

    first = await verdict(api, with_replies["id"], "reject", json={"reason": "off topic"})
    await verdict(api, alone["id"], "reject")
    repeat = await verdict(api, alone["id"], "reject")

    assert (first["changed"], repeat["changed"]) == (True, False)
    [tombstone] = (await api.thread())["data"]
    assert (tombstone["id"], tombstone["status"], tombstone["content"]) == (
        with_replies["id"],
        "DELETED",
        None,
    )
    assert tombstone["author_name"] is None
    assert ids(tombstone["replies"]) == [reply["id"]]
    assert await api.counts(["p1"]) == {"p1": 1}
    assert (await api.search("root"))["data"] == []


async def test_verdicts_and_reports_are_audited_with_the_acting_user(api: Api) -> None:
    kept = await api.create("kept")
    dropped = await api.create("dropped")
    await report(api, kept["id"], user="bob")
    await verdict(api, kept["id"], "approve")
    await verdict(api, dropped["id"], "reject", user="root", role=Role.ADMIN, json={"reason": "no"})

    reported = await api.audit_events(event_type="CommentReported")
    approved = await api.audit_events(event_type="CommentApproved")
    rejected = await api.audit_events(event_type="CommentRejected")

    assert [(e["comment_id"], e["metadata"]["actor_id"]) for e in reported] == [(kept["id"], "bob")]
    assert [(e["comment_id"], e["metadata"]["actor_id"]) for e in approved] == [(kept["id"], "mod")]
    assert [(e["comment_id"], e["metadata"]["actor_id"]) for e in rejected] == [(dropped["id"], "root")]


async def test_another_tenants_moderators_can_neither_touch_nor_see_these_comments(
    api: Api, other_api: Api, container: Threadline, tenant: Tenant
) -> None:
    await premoderate(container, tenant)
    pending = await api.create("pending in acme")
    published = await api.create("published in acme", **MOD)
    await report(api, published["id"])

    for comment_id in (pending["id"], published["id"]):
        for action in ("approve", "reject"):
            response = await other_api.send("POST", f"/v1/comments/{comment_id}/{action}", **MOD)
            assert_problem(response, 404, "comment_not_found")
    reported = await other_api.send(
        "POST", f"/v1/comments/{published['id']}/report", json={"reason": "x"}, user="carol"
    )

    assert_problem(reported, 404, "comment_not_found")
    assert (await queue(other_api))["data"] == []
    page = await queue(api)
    assert queued(page) == [pending["id"], published["id"]]
    assert page["data"][1]["report_count"] == 1
    assert (await api.comment(pending["id"], user="alice"))["status"] == "PENDING"
    assert ids((await api.thread())["data"]) == [published["id"]]


async def test_rejecting_a_published_reply_takes_it_out_of_its_parents_reply_count(api: Api) -> None:
    root = await api.create("root")
    reply = await api.reply(root, "rude reply")
    await report(api, reply["id"], user="carol")

    await verdict(api, reply["id"], "reject")

    [node] = (await api.thread())["data"]
    assert (node["reply_count"], node["replies"]) == (0, [])
    assert await api.counts(["p1"]) == {"p1": 1}
    assert (await queue(api))["data"] == []
