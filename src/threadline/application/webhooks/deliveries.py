"""Admins' use cases on a subscription's deliveries: list them with their outcomes, retry one,
replay from a position. Replaying sends again what a receiver may have had already: receivers
drop duplicates by ``webhook-id``, which stays the event's id."""

from __future__ import annotations

from dataclasses import dataclass, replace

from threadline.application.webhooks.ports import WebhookStore
from threadline.application.webhooks.subscriptions import WebhookAdmin, plausible_id
from threadline.domain.clock import utc_now
from threadline.domain.errors import WebhookDeliveryNotFound, WebhookNotFound
from threadline.domain.identity import Actor
from threadline.domain.webhooks import DeliveryRecord, DeliveryStatus, Subscription, SubscriptionStatus

RESUMED: dict[str, object] = {
    "status": SubscriptionStatus.ACTIVE.value,
    "failing_since": None,
    "next_probe_at": None,
}


@dataclass(frozen=True)
class WebhookDeliveries:
    store: WebhookStore
    admin: WebhookAdmin

    async def page(
        self, actor: Actor, subscription_id: str, *, before: int | None, limit: int, status: str | None
    ) -> list[DeliveryRecord]:
        await self.admin.get(actor, subscription_id)
        return await self.store.deliveries(
            actor.tenant_id, subscription_id, before=before, limit=limit, status=status
        )

    async def retry(self, actor: Actor, subscription_id: str, delivery_id: str) -> DeliveryRecord:
        """On a failing subscription, an undelivered event (the one it waits at) is tried again
        at once with a fresh set of attempts, and the subscription resumes; otherwise the
        delivery is sent once more, out of band, beside the lanes."""
        subscription = await self.admin.get(actor, subscription_id)
        found = (
            await self.store.delivery(actor.tenant_id, subscription_id, delivery_id)
            if plausible_id(delivery_id)
            else None
        )
        if found is None:
            raise WebhookDeliveryNotFound()
        if subscription.status is SubscriptionStatus.FAILING and found.status is not DeliveryStatus.DELIVERED:
            await self._resume(subscription)
            return found
        await self.store.set_delivery_status(
            actor.tenant_id, subscription_id, delivery_id, DeliveryStatus.REQUEUED
        )
        return replace(found, status=DeliveryStatus.REQUEUED)

    async def replay(self, actor: Actor, subscription_id: str, after: int) -> Subscription:
        await self.admin.get(actor, subscription_id)
        if not await self.store.replay(actor.tenant_id, subscription_id, after, utc_now()):
            raise WebhookNotFound()
        return await self.admin.get(actor, subscription_id)

    async def _resume(self, subscription: Subscription) -> None:
        if not await self.store.change(
            subscription.tenant_id, subscription.id, {**RESUMED, "updated_at": utc_now()}
        ):
            raise WebhookNotFound()
