"""Webhook test helpers: quick settings, and subscriptions made through the admin API."""

from __future__ import annotations

import asyncio
import time
from typing import Any, TypedDict

from tests.api.support import Api
from tests.webhooks.receiver import Receiver
from threadline.bootstrap import Threadline
from threadline.domain.identity import Role

QUICK: dict[str, object] = {
    "webhook_allowed_hosts": "127.0.0.1",
    "webhook_backoff_base_seconds": 0.05,
    "webhook_backoff_max_seconds": 0.2,
    "webhook_attempt_timeout_seconds": 1.0,
    "webhook_max_attempts": 4,
    "webhook_poll_interval_seconds": 0.05,
    "webhook_lease_seconds": 5.0,
    "webhook_probe_interval_seconds": 3600.0,
}


class Caller(TypedDict):
    user: str
    role: Role


ADMIN: Caller = {"user": "root", "role": Role.ADMIN}


async def subscribe(api: Api, receiver: Receiver, **fields: Any) -> dict[str, Any]:
    """A subscription to ``receiver``, whose secret the receiver verifies with from now on."""
    created: dict[str, Any] = await api.ok(
        "POST", "/v1/admin/webhooks", expect=201, json={"url": receiver.url, **fields}, **ADMIN
    )
    receiver.secrets.append(created["secret"])
    return created


async def deliveries(api: Api, webhook_id: str, **params: Any) -> list[dict[str, Any]]:
    page: dict[str, Any] = await api.ok(
        "GET", f"/v1/admin/webhooks/{webhook_id}/deliveries", params=params, **ADMIN
    )
    items: list[dict[str, Any]] = page["items"]
    return items


async def subscriptions(api: Api) -> list[dict[str, Any]]:
    response = await api.send("GET", "/v1/admin/webhooks", **ADMIN)
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()
    return found


async def passed(api: Api, container: Threadline, webhook_id: str, guard: float = 60.0) -> None:
    """Until the subscription's stored checkpoint has passed every event written so far (a
    liveness guard, not a speed bound)."""
    assert container.webhooks is not None
    deadline = time.monotonic() + guard
    while await container.webhooks.store.checkpoint(webhook_id) < api.log.value:
        assert time.monotonic() < deadline, "the deliverer did not pass the last event"
        await asyncio.sleep(0.05)


async def settled_delivery(api: Api, webhook_id: str, guard: float = 60.0) -> dict[str, Any]:
    """The newest delivery, once it is delivered (its record is written a moment after)."""
    deadline = time.monotonic() + guard
    while True:
        found = await deliveries(api, webhook_id)
        if found and found[0]["status"] == "delivered":
            return found[0]
        assert time.monotonic() < deadline, "the delivery was not recorded as delivered"
        await asyncio.sleep(0.05)
