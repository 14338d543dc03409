"""Admins' use cases on their tenant's webhook subscriptions: create, read, change, remove and
rotate the secret. The secret is answered once (on create and rotate) and never read back; after
a rotation the previous one keeps signing for a grace period, so a receiver switching over never
rejects a genuine delivery."""

from __future__ import annotations

import base64
import secrets
import uuid
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from threadline.application.webhooks.ports import WebhookStore
from threadline.application.webhooks.url_policy import UrlPolicy
from threadline.domain.authorization import Action, ensure_allowed
from threadline.domain.clock import as_timestamp, utc_now
from threadline.domain.errors import InvalidCommand, WebhookNotFound
from threadline.domain.identity import Actor
from threadline.domain.webhooks import Subscription, SubscriptionStatus, checked_event_types

SECRET_BYTES = 32
MAX_DESCRIPTION = 1000


def new_secret() -> str:
    """A Standard Webhooks secret: ``whsec_`` and the base64 of random bytes."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def later(seconds: float) -> str:
    return as_timestamp(datetime.now(UTC) + timedelta(seconds=seconds))


@dataclass(frozen=True)
class SubscriptionChanges:
    url: str | None = None
    event_types: list[str] | None = None
    description: str | None = None
    enabled: bool | None = None


@dataclass(frozen=True)
class WebhookAdmin:
    store: WebhookStore
    policy: UrlPolicy
    secret_grace_seconds: float

    async def create(self, actor: Actor, changes: SubscriptionChanges) -> Subscription:
        ensure_allowed(actor, Action.MANAGE_WEBHOOKS)
        if changes.url is None:
            raise InvalidCommand("a webhook needs a url", field="url")
        await self.policy.target(changes.url)
        now = utc_now()
        subscription = Subscription(
            tenant_id=actor.tenant_id,
            id=str(uuid.uuid4()),
            url=changes.url,
            event_types=checked_event_types(changes.event_types),
            description=_description(changes.description),
            enabled=True if changes.enabled is None else changes.enabled,
            status=SubscriptionStatus.ACTIVE,
            secret=new_secret(),
            previous_secret=None,
            previous_secret_until=None,
            generation=0,
            created_at=now,
            updated_at=now,
        )
        await self.store.add(subscription)
        return subscription

    async def get(self, actor: Actor, subscription_id: str) -> Subscription:
        ensure_allowed(actor, Action.MANAGE_WEBHOOKS)
        found = (
            await self.store.get(actor.tenant_id, subscription_id) if plausible_id(subscription_id) else None
        )
        if found is None:
            raise WebhookNotFound()
        return found

    async def of_tenant(self, actor: Actor) -> list[Subscription]:
        ensure_allowed(actor, Action.MANAGE_WEBHOOKS)
        return await self.store.of_tenant(actor.tenant_id)

    async def change(self, actor: Actor, subscription_id: str, changes: SubscriptionChanges) -> Subscription:
        """Checks everything first: a change refused for one field changes nothing."""
        found = await self.get(actor, subscription_id)
        values: dict[str, object] = {}
        if changes.url is not None:
            await self.policy.target(changes.url)
            values["url"] = changes.url
        if changes.event_types is not None:
            values["event_types"] = list(checked_event_types(changes.event_types))
        if changes.description is not None:
            values["description"] = _description(changes.description)
        if changes.enabled is not None:
            values["enabled"] = changes.enabled
        if values:
            values["updated_at"] = utc_now()
            if not await self.store.change(actor.tenant_id, subscription_id, values):
                raise WebhookNotFound()
        return await self.get(actor, found.id)

    async def remove(self, actor: Actor, subscription_id: str) -> None:
        ensure_allowed(actor, Action.MANAGE_WEBHOOKS)
        if not plausible_id(subscription_id) or not await self.store.remove(actor.tenant_id, subscription_id):
            raise WebhookNotFound()

    async def rotate_secret(self, actor: Actor, subscription_id: str) -> Subscription:
        found = await self.get(actor, subscription_id)
        secret = new_secret()
        until = later(self.secret_grace_seconds)
        changed = {
            "secret": secret,
            "previous_secret": found.secret,
            "previous_secret_until": until,
            "updated_at": utc_now(),
        }
        if not await self.store.change(actor.tenant_id, subscription_id, changed):
            raise WebhookNotFound()
        return replace(found, secret=secret, previous_secret=found.secret, previous_secret_until=until)


def plausible_id(value: str) -> bool:
    """An id the store could hold: anything else does not exist (and never reaches SQL, where a
    NUL is an error on PostgreSQL)."""
    return 0 < len(value) <= 64 and "\x00" not in value


def _description(value: str | None) -> str:
    if value is not None and len(value) > MAX_DESCRIPTION:
        raise InvalidCommand(
            f"the description is longer than {MAX_DESCRIPTION} characters", field="description"
        )
    if value is not None and any(ord(c) < 32 and c not in "\t\n" for c in value):
        raise InvalidCommand("the description must not contain control characters", field="description")
    return value or ""
