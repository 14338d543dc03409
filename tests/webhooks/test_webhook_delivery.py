"""Webhooks delivered by the in-process deliverer to a real local receiver: signed as Standard
Webhooks, with the event's id as webhook-id, the data a notifier needs, retried after failures
and in log order per thread."""

from __future__ import annotations

import hashlib

import pytest
from standardwebhooks import Webhook

from tests.api.support import Api
from tests.webhooks.receiver import Answer, Receiver
from tests.webhooks.support import ADMIN, deliveries, passed, settled_delivery, subscribe
from threadline.bootstrap import Threadline
from threadline.domain.identity import Role


async def test_each_event_is_signed_with_its_log_event_id_and_verifies_with_standard_webhooks(
    api: Api, receiver: Receiver
) -> None:
    await subscribe(api, receiver)
    root = await api.create("first words", user="alice")
    reply = await api.reply(root, "an answer", user="bob")

    await receiver.until(lambda: len(receiver.accepted()) == 2)

    first, second = receiver.accepted()
    assert all(r.verified for r in receiver.received)
    events = await api.audit_events()
    assert [first.webhook_id, second.webhook_id] == [e["event_id"] for e in events]
    assert Webhook(receiver.secrets[0]).verify(second.body, second.headers) == second.payload
    assert first.payload["type"] == "comment.created"
    assert first.payload["timestamp"] == events[0]["recorded_at"]
    created = first.payload["data"]
    assert created["comment_id"] == root["id"] and created["author_id"] == "alice"
    assert created["thread"] == {"entity_type": "post", "entity_id": "p1"}
    assert (created["content"], created["status"], created["position"]) == (
        "first words",
        "published",
        events[0]["position"],
    )
    assert second.payload["type"] == "reply.created"
    replied = second.payload["data"]
    assert (replied["comment_id"], replied["author_id"]) == (reply["id"], "bob")
    assert (replied["parent_id"], replied["parent_author_id"]) == (root["id"], "alice")


async def test_a_subscription_is_sent_only_the_event_types_it_asked_for(
    api: Api, container: Threadline, receiver: Receiver
) -> None:
    hook = await subscribe(api, receiver, event_types=["reply.created", "comment.liked"])
    root = await api.create("a comment", user="alice")
    await api.reply(root, "a reply", user="bob")
    await api.like(root["id"], user="carol")
    await api.pin(root["id"])

    await passed(api, container, hook["id"])

    assert [r.payload["type"] for r in receiver.accepted()] == ["reply.created", "comment.liked"]
    liked = receiver.accepted()[1].payload["data"]
    assert (liked["user_id"], liked["author_id"], liked["comment_id"]) == ("carol", "alice", root["id"])


async def test_a_receiver_answering_500_is_sent_the_event_again_until_it_answers_2xx(
    api: Api, receiver: Receiver
) -> None:
    receiver.plan = lambda webhook_id, count: Answer(500, body=b"down") if count <= 2 else Answer()
    hook = await subscribe(api, receiver)
    await api.create("hello")

    await receiver.until(lambda: len(receiver.accepted()) == 1)

    assert [r.answer.status for r in receiver.received] == [500, 500, 200]
    assert len({r.webhook_id for r in receiver.received}) == 1  # the retries reuse the webhook-id

    record = await settled_delivery(api, hook["id"])
    assert (record["attempts"], record["last_status_code"], record["last_error"]) == (3, 200, None)
    assert record["id"] == receiver.received[0].webhook_id


def _flaky(webhook_id: str, count: int) -> Answer:
    """Fails the first two tries of about a third of the events, the same ones on every run."""
    unlucky = hashlib.sha256(webhook_id.encode()).digest()[0] % 3 == 0
    return Answer(503) if unlucky and count <= 2 else Answer()


async def test_events_of_each_thread_arrive_in_log_order_while_failed_ones_are_retried(
    api: Api, container: Threadline, receiver: Receiver
) -> None:
    receiver.plan = _flaky
    hook = await subscribe(api, receiver)
    for round_ in range(6):
        for thread in ("t1", "t2", "t3"):
            await api.create(f"{thread} #{round_}", entity_id=thread, user=f"u{round_}")

    await passed(api, container, hook["id"])

    accepted = receiver.accepted()
    assert len(accepted) == 18 and len({r.webhook_id for r in accepted}) == 18
    assert any(r.answer.status == 503 for r in receiver.received)  # some were retried
    for thread in ("t1", "t2", "t3"):
        positions = [
            r.payload["data"]["position"]
            for r in accepted
            if r.payload["data"]["thread"]["entity_id"] == thread
        ]
        assert positions == sorted(positions) and len(positions) == 6


async def test_one_slow_receiver_does_not_hold_up_another_subscription(
    api: Api, container: Threadline, receiver: Receiver
) -> None:
    slow = await Receiver(plan=lambda webhook_id, count: Answer(delay=30)).start()
    try:
        hanging = await subscribe(api, slow)
        await subscribe(api, receiver)
        for n in range(5):
            await api.create(f"comment {n}", entity_id="same-thread")

        await receiver.until(lambda: len(receiver.accepted()) == 5)

        # The other one has not had a single event delivered: it is timing out on the first.
        assert all(d["status"] != "delivered" for d in await deliveries(api, hanging["id"]))
        assert container.webhooks is not None
        assert await container.webhooks.store.checkpoint(hanging["id"]) < api.log.value
    finally:
        await slow.stop()


async def test_a_redirect_is_a_failed_attempt_not_followed_and_a_huge_answer_is_kept_truncated(
    api: Api, receiver: Receiver
) -> None:
    elsewhere = await Receiver().start()
    try:
        location = ((b"location", elsewhere.url.encode()),)
        receiver.plan = lambda webhook_id, count: (
            Answer(302, headers=location) if count == 1 else Answer(200, body=b"x" * 1_000_000)
        )
        hook = await subscribe(api, receiver)
        await api.create("hello")

        await receiver.until(lambda: len(receiver.accepted()) == 1)

        assert elsewhere.received == []
        record = await settled_delivery(api, hook["id"])
        assert record["attempts"] == 2 and len(record["last_response"]) == 4096
    finally:
        await elsewhere.stop()


async def test_after_a_rotation_each_delivery_verifies_with_the_old_secret_and_with_the_new(
    api: Api, receiver: Receiver
) -> None:
    hook = await subscribe(api, receiver)
    rotated = await api.ok("POST", f"/v1/admin/webhooks/{hook['id']}/rotate-secret", **ADMIN)
    receiver.secrets[:] = [rotated["secret"]]

    await api.create("after the rotation")
    await receiver.until(lambda: len(receiver.accepted()) == 1)

    [delivered] = receiver.accepted()
    for secret in (hook["secret"], rotated["secret"]):
        assert Webhook(secret).verify(delivered.body, delivered.headers) == delivered.payload
    assert len(delivered.headers["webhook-signature"].split(" ")) == 2


@pytest.mark.parametrize("webhook_settings", [{"webhook_max_attempts": 50}], indirect=True)
async def test_erased_words_are_not_sent_on_a_retry_after_a_hard_delete(
    api: Api, container: Threadline, receiver: Receiver
) -> None:
    erased: list[bool] = []
    receiver.plan = lambda webhook_id, count: Answer() if erased else Answer(500)
    hook = await subscribe(api, receiver)
    comment = await api.create("words to be erased", user="alice")
    await receiver.until(lambda: len(receiver.received) >= 1)

    await api.hard_delete(comment["id"])
    erased.append(True)
    await passed(api, container, hook["id"])

    first = receiver.received[0].payload
    assert first["data"]["content"] == "words to be erased"  # sent before the erasure
    kinds = [(r.payload["type"], r.payload["data"].get("content")) for r in receiver.accepted()]
    assert kinds == [("comment.created", None), ("comment.hard_deleted", None)]
    assert "content" not in receiver.accepted()[1].payload["data"]
    assert b"words to be erased" not in b"".join(r.body for r in receiver.accepted())


async def test_a_pending_comment_s_words_are_not_sent(
    api: Api, container: Threadline, receiver: Receiver
) -> None:
    from threadline.domain.tenant import TenantSettings

    await container.tenants.set_settings(api.tenant.id, TenantSettings(premoderation=True))
    container.verifier.forget(api.tenant.id)
    hook = await subscribe(api, receiver)
    comment = await api.create("awaiting a moderator", user="alice")
    await api.ok("POST", f"/v1/comments/{comment['id']}/approve", user="mod", role=Role.MODERATOR)

    await passed(api, container, hook["id"])

    created, approved = (r.payload for r in receiver.accepted())
    assert (created["type"], created["data"]["status"], created["data"]["content"]) == (
        "comment.created",
        "pending",
        None,
    )
    assert approved["type"] == "comment.approved" and approved["data"]["author_id"] == "alice"
