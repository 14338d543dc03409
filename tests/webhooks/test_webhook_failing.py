"""A receiver that keeps failing: the subscription is marked failing after its attempts, later
events wait (nothing is dropped), and an admin retry or a successful probe resumes it; replay
sends again from a position."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tests.api.support import Api
from tests.webhooks.receiver import Answer, Receiver, free_port
from tests.webhooks.support import ADMIN, deliveries, passed, settled_delivery, subscribe
from threadline.bootstrap import Threadline

# Not a speed bound: how long a negative ("nothing was sent") is watched for, at 20 polls a second.
WATCH_SECONDS = 1.0


async def status_of(api: Api, webhook_id: str) -> dict[str, Any]:
    return await api.ok("GET", f"/v1/admin/webhooks/{webhook_id}", **ADMIN)


async def until_status(api: Api, webhook_id: str, status: str, guard: float = 60.0) -> dict[str, Any]:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + guard
    while (found := await status_of(api, webhook_id))["status"] != status:
        assert loop.time() < deadline, f"the subscription did not become {status}"
        await asyncio.sleep(0.05)
    return found


async def test_out_of_attempts_the_subscription_is_failing_later_events_wait_and_an_admin_retry_resumes_it(
    api: Api, container: Threadline, receiver: Receiver
) -> None:
    down = [True]
    receiver.plan = lambda webhook_id, count: Answer(500) if down else Answer()
    hook = await subscribe(api, receiver)
    first = await api.create("first", entity_id="a")

    failing = await until_status(api, hook["id"], "failing")
    assert failing["failing_since"] is not None and failing["next_probe_at"] is not None
    [record] = await deliveries(api, hook["id"])
    assert (record["status"], record["attempts"], record["last_status_code"]) == ("failed", 4, 500)
    await api.create("second, in another thread", entity_id="b")
    await asyncio.sleep(WATCH_SECONDS)
    assert len(receiver.received) == 4  # the four attempts at the first event, nothing since
    assert failing["checkpoint"] == (await status_of(api, hook["id"]))["checkpoint"] < first["position"]

    down.clear()
    retried = await api.send(
        "POST", f"/v1/admin/webhooks/{hook['id']}/deliveries/{record['id']}/retry", **ADMIN
    )
    assert retried.status_code == 202, retried.text
    await passed(api, container, hook["id"])

    # Two threads: once resumed, they go out side by side.
    contents = sorted(r.payload["data"]["content"] for r in receiver.accepted())
    assert contents == ["first", "second, in another thread"]
    assert (await status_of(api, hook["id"]))["status"] == "active"


@pytest.mark.parametrize("webhook_settings", [{"webhook_probe_interval_seconds": 0.3}], indirect=True)
async def test_a_failing_subscription_resumes_when_a_probe_succeeds(
    api: Api, container: Threadline, receiver: Receiver
) -> None:
    receiver.plan = lambda webhook_id, count: Answer(500) if count <= 5 else Answer()
    hook = await subscribe(api, receiver)
    await api.create("eventually")

    await passed(api, container, hook["id"])

    assert [r.answer.status for r in receiver.received] == [500] * 5 + [200]
    assert (await status_of(api, hook["id"]))["status"] == "active"


async def test_a_refused_connection_is_a_failed_attempt_recorded_with_its_error(api: Api) -> None:
    url = f"http://127.0.0.1:{free_port()}/nobody-listens"
    hook = await api.ok("POST", "/v1/admin/webhooks", expect=201, json={"url": url}, **ADMIN)
    await api.create("into the void")

    await until_status(api, hook["id"], "failing")

    [record] = await deliveries(api, hook["id"])
    assert record["status"] == "failed" and record["last_status_code"] is None
    assert "connection failed" in record["last_error"]


async def test_replay_sends_every_event_after_the_position_again_with_the_same_webhook_ids(
    api: Api, container: Threadline, receiver: Receiver
) -> None:
    hook = await subscribe(api, receiver)
    first = await api.create("one")
    await api.create("two")
    await api.create("three")
    await passed(api, container, hook["id"])
    before = [r.webhook_id for r in receiver.accepted()]

    replayed = await api.ok(
        "POST",
        f"/v1/admin/webhooks/{hook['id']}/replay",
        expect=202,
        json={"after": first["position"]},
        **ADMIN,
    )
    assert replayed["checkpoint"] == first["position"]
    await receiver.until(lambda: len(receiver.accepted()) == 5)
    await passed(api, container, hook["id"])

    assert [r.webhook_id for r in receiver.accepted()] == before + before[1:]
    assert [d["attempts"] for d in await deliveries(api, hook["id"])] == [2, 2, 1]


async def test_retrying_a_delivered_delivery_sends_it_once_more(
    api: Api, container: Threadline, receiver: Receiver
) -> None:
    hook = await subscribe(api, receiver)
    await api.create("again, please")
    await receiver.until(lambda: len(receiver.accepted()) == 1)
    record = await settled_delivery(api, hook["id"])

    retried = await api.send(
        "POST", f"/v1/admin/webhooks/{hook['id']}/deliveries/{record['id']}/retry", **ADMIN
    )
    assert retried.status_code == 202 and retried.json()["status"] == "requeued"

    await receiver.until(lambda: len(receiver.accepted()) == 2)
    assert receiver.accepted()[0].webhook_id == receiver.accepted()[1].webhook_id == record["id"]


async def test_an_unknown_delivery_is_a_404(api: Api, receiver: Receiver) -> None:
    hook = await subscribe(api, receiver)
    response = await api.send("POST", f"/v1/admin/webhooks/{hook['id']}/deliveries/nope/retry", **ADMIN)
    assert response.status_code == 404 and response.json()["code"] == "webhook_delivery_not_found"
