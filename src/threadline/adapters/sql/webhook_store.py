"""Webhook subscriptions, deliveries and checkpoints in the write database, beside the log.

A deliverer holds a row lease on the subscription (holder and expiry on its row) and every write
it makes is fenced by it: the records and the checkpoint are written in one transaction that
first extends the lease ``WHERE lease_holder = me AND generation = g``. That UPDATE takes the
row's lock, so a replay (which bumps the generation) or a deliverer that took over an expired
lease is serialized with it, and a deliverer that lost either writes nothing.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from threadline.adapters.sql.consumer_checkpoints import forget, read_position, set_position
from threadline.adapters.sql.event_log import _to_stored
from threadline.adapters.sql.schema import (
    comments,
    events,
    webhook_deliveries,
    webhook_subscriptions,
)
from threadline.adapters.sql.upsert import dialect_insert
from threadline.application.ports.projection import StoredEvent
from threadline.application.webhooks.ports import CommentFacts, Progress
from threadline.application.writer_turns import WriterTurns
from threadline.domain.webhooks import DeliveryRecord, DeliveryStatus, Subscription, SubscriptionStatus

subs, deliveries = webhook_subscriptions, webhook_deliveries


def consumer_name(subscription_id: str) -> str:
    return f"webhooks:{subscription_id}"


def _subscription(row: Any) -> Subscription:
    return Subscription(
        tenant_id=row.tenant_id,
        id=row.id,
        url=row.url,
        event_types=tuple(row.event_types or ()),
        description=row.description,
        enabled=bool(row.enabled),
        status=SubscriptionStatus(row.status),
        secret=row.secret,
        previous_secret=row.previous_secret,
        previous_secret_until=row.previous_secret_until,
        generation=int(row.generation),
        created_at=row.created_at,
        updated_at=row.updated_at,
        failing_since=row.failing_since,
        next_probe_at=row.next_probe_at,
    )


def _delivery(row: Any) -> DeliveryRecord:
    return DeliveryRecord(
        tenant_id=row.tenant_id,
        subscription_id=row.subscription_id,
        delivery_id=row.delivery_id,
        position=int(row.position),
        event_type=row.event_type,
        status=DeliveryStatus(row.status),
        attempts=int(row.attempts),
        last_status_code=row.last_status_code,
        last_error=row.last_error,
        last_response=row.last_response,
        first_attempt_at=row.first_attempt_at,
        last_attempt_at=row.last_attempt_at,
        last_duration_ms=row.last_duration_ms,
        delivered_at=row.delivered_at,
    )


class SqlWebhookStore:
    def __init__(self, writer: AsyncEngine, reader: AsyncEngine, turns: WriterTurns | None = None) -> None:
        self._writer = writer
        self._reader = reader
        self._turns = turns

    @asynccontextmanager
    async def _write(self) -> AsyncIterator[AsyncConnection]:
        """A write transaction; with SQLite's one shared writer, in its turn like commands."""
        turn = self._turns.turn() if self._turns is not None else contextlib.nullcontext()
        async with turn, self._writer.begin() as connection:
            yield connection

    async def _rows(self, query: sa.Select[Any]) -> list[Any]:
        async with self._reader.connect() as connection:
            return list((await connection.execute(query)).all())

    # Subscriptions.

    async def add(self, subscription: Subscription) -> None:
        async with self._write() as connection:
            await connection.execute(
                subs.insert().values(
                    tenant_id=subscription.tenant_id,
                    id=subscription.id,
                    url=subscription.url,
                    event_types=list(subscription.event_types),
                    description=subscription.description,
                    enabled=subscription.enabled,
                    status=subscription.status.value,
                    secret=subscription.secret,
                    generation=subscription.generation,
                    created_at=subscription.created_at,
                    updated_at=subscription.updated_at,
                )
            )
            await self._set_checkpoint(connection, subscription.id, await self._head(connection))

    async def get(self, tenant_id: str, subscription_id: str) -> Subscription | None:
        rows = await self._rows(
            sa.select(subs).where(subs.c.tenant_id == tenant_id, subs.c.id == subscription_id)
        )
        return _subscription(rows[0]) if rows else None

    async def of_tenant(self, tenant_id: str) -> list[Subscription]:
        rows = await self._rows(
            sa.select(subs).where(subs.c.tenant_id == tenant_id).order_by(subs.c.created_at)
        )
        return [_subscription(row) for row in rows]

    async def change(self, tenant_id: str, subscription_id: str, changes: Mapping[str, object]) -> bool:
        async with self._write() as connection:
            result = await connection.execute(
                subs.update()
                .where(subs.c.tenant_id == tenant_id, subs.c.id == subscription_id)
                .values(dict(changes))
            )
            return bool(result.rowcount)

    async def remove(self, tenant_id: str, subscription_id: str) -> bool:
        async with self._write() as connection:
            result = await connection.execute(
                subs.delete().where(subs.c.tenant_id == tenant_id, subs.c.id == subscription_id)
            )
            if not result.rowcount:
                return False
            await connection.execute(
                deliveries.delete().where(
                    deliveries.c.tenant_id == tenant_id, deliveries.c.subscription_id == subscription_id
                )
            )
            await forget(connection, consumer_name(subscription_id))
            return True

    async def checkpoint(self, subscription_id: str) -> int:
        async with self._reader.connect() as connection:
            return await read_position(connection, consumer_name(subscription_id))

    async def replay(self, tenant_id: str, subscription_id: str, after: int, now: str) -> bool:
        async with self._write() as connection:
            result = await connection.execute(
                subs.update()
                .where(subs.c.tenant_id == tenant_id, subs.c.id == subscription_id)
                .values(
                    generation=subs.c.generation + 1,
                    status=SubscriptionStatus.ACTIVE.value,
                    failing_since=None,
                    next_probe_at=None,
                    updated_at=now,
                )
            )
            if not result.rowcount:
                return False
            await self._set_checkpoint(connection, subscription_id, after)
            return True

    # Deliveries.

    async def deliveries(
        self, tenant_id: str, subscription_id: str, *, before: int | None, limit: int, status: str | None
    ) -> list[DeliveryRecord]:
        query = sa.select(deliveries).where(
            deliveries.c.tenant_id == tenant_id, deliveries.c.subscription_id == subscription_id
        )
        if before is not None:
            query = query.where(deliveries.c.position < before)
        if status is not None:
            query = query.where(deliveries.c.status == status)
        rows = await self._rows(query.order_by(deliveries.c.position.desc()).limit(limit))
        return [_delivery(row) for row in rows]

    async def delivery(self, tenant_id: str, subscription_id: str, delivery_id: str) -> DeliveryRecord | None:
        rows = await self._rows(
            sa.select(deliveries).where(
                deliveries.c.tenant_id == tenant_id,
                deliveries.c.subscription_id == subscription_id,
                deliveries.c.delivery_id == delivery_id,
            )
        )
        return _delivery(rows[0]) if rows else None

    async def set_delivery_status(
        self, tenant_id: str, subscription_id: str, delivery_id: str, status: DeliveryStatus
    ) -> None:
        async with self._write() as connection:
            await connection.execute(
                deliveries.update()
                .where(
                    deliveries.c.tenant_id == tenant_id,
                    deliveries.c.subscription_id == subscription_id,
                    deliveries.c.delivery_id == delivery_id,
                )
                .values(status=status.value)
            )

    async def requeued(self, tenant_id: str, subscription_id: str, limit: int) -> list[DeliveryRecord]:
        return await self.deliveries(
            tenant_id, subscription_id, before=None, limit=limit, status=DeliveryStatus.REQUEUED.value
        )

    # The deliverer's side.

    async def enabled(self) -> list[Subscription]:
        rows = await self._rows(sa.select(subs).where(subs.c.enabled.is_(True)).order_by(subs.c.created_at))
        return [_subscription(row) for row in rows]

    async def take_lease(
        self, tenant_id: str, subscription_id: str, holder: str, until: str, now: str
    ) -> bool:
        async with self._write() as connection:
            result = await connection.execute(
                subs.update()
                .where(
                    subs.c.tenant_id == tenant_id,
                    subs.c.id == subscription_id,
                    sa.or_(
                        subs.c.lease_holder.is_(None),
                        subs.c.lease_holder == holder,
                        subs.c.lease_expires_at < now,
                    ),
                )
                .values(lease_holder=holder, lease_expires_at=until)
            )
            return bool(result.rowcount)

    async def release_lease(self, tenant_id: str, subscription_id: str, holder: str) -> None:
        async with self._write() as connection:
            await connection.execute(
                subs.update()
                .where(
                    subs.c.tenant_id == tenant_id, subs.c.id == subscription_id, subs.c.lease_holder == holder
                )
                .values(lease_holder=None, lease_expires_at=None)
            )

    async def write_progress(
        self, tenant_id: str, subscription_id: str, holder: str, generation: int, progress: Progress
    ) -> bool:
        async with self._write() as connection:
            values: dict[str, object] = {"lease_expires_at": progress.lease_until}
            if progress.failing is not None:
                values.update(
                    status=SubscriptionStatus.FAILING.value,
                    failing_since=progress.failing[0],
                    next_probe_at=progress.failing[1],
                )
            elif progress.next_probe_at is not None:
                values["next_probe_at"] = progress.next_probe_at
            elif progress.resumed:
                values.update(status=SubscriptionStatus.ACTIVE.value, failing_since=None, next_probe_at=None)
            fenced = await connection.execute(
                subs.update()
                .where(
                    subs.c.tenant_id == tenant_id,
                    subs.c.id == subscription_id,
                    subs.c.lease_holder == holder,
                    subs.c.generation == generation,
                )
                .values(values)
            )
            if not fenced.rowcount:
                return False
            if progress.records:
                await self._upsert_records(connection, tenant_id, subscription_id, progress)
            if progress.checkpoint is not None:
                await self._set_checkpoint(connection, subscription_id, progress.checkpoint)
            return True

    async def _upsert_records(
        self, connection: AsyncConnection, tenant_id: str, subscription_id: str, progress: Progress
    ) -> None:
        insert = dialect_insert(deliveries, connection.dialect.name)
        statement = insert.on_conflict_do_update(
            index_elements=["tenant_id", "subscription_id", "delivery_id"],
            set_={
                "attempts": deliveries.c.attempts + insert.excluded.attempts,
                "status": insert.excluded.status,
                "last_status_code": insert.excluded.last_status_code,
                "last_error": insert.excluded.last_error,
                "last_response": insert.excluded.last_response,
                "first_attempt_at": sa.func.coalesce(
                    deliveries.c.first_attempt_at, insert.excluded.first_attempt_at
                ),
                "last_attempt_at": insert.excluded.last_attempt_at,
                "last_duration_ms": insert.excluded.last_duration_ms,
                "delivered_at": sa.func.coalesce(insert.excluded.delivered_at, deliveries.c.delivered_at),
            },
        )
        await connection.execute(
            statement,
            [
                {
                    "tenant_id": tenant_id,
                    "subscription_id": subscription_id,
                    "delivery_id": record.delivery_id,
                    "position": record.position,
                    "event_type": record.event_type,
                    "status": record.status.value,
                    "attempts": record.attempts,
                    "last_status_code": record.status_code,
                    "last_error": record.error,
                    "last_response": record.response,
                    "first_attempt_at": record.first_attempt_at,
                    "last_attempt_at": record.last_attempt_at,
                    "last_duration_ms": record.duration_ms,
                    "delivered_at": record.delivered_at,
                }
                for record in progress.records
            ],
        )

    async def _set_checkpoint(self, connection: AsyncConnection, subscription_id: str, position: int) -> None:
        # Not forward-only: a replay sets it back; the lease's fence keeps stale writers out.
        await set_position(connection, consumer_name(subscription_id), position, forward_only=False)

    async def _head(self, connection: AsyncConnection) -> int:
        return int(
            (
                await connection.execute(sa.select(sa.func.coalesce(sa.func.max(events.c.position), 0)))
            ).scalar_one()
        )

    # The log and the write model, as they are at delivery time.

    async def events_after(self, tenant_id: str, after: int, limit: int) -> list[StoredEvent]:
        query = (
            sa.select(events)
            .where(events.c.tenant_id == tenant_id, events.c.position > after)
            .order_by(events.c.position)
            .limit(limit)
        )
        return [_to_stored(row) for row in await self._rows(query)]

    async def event(self, tenant_id: str, position: int) -> StoredEvent | None:
        rows = await self._rows(
            sa.select(events).where(events.c.tenant_id == tenant_id, events.c.position == position)
        )
        return _to_stored(rows[0]) if rows else None

    async def comment_facts(self, tenant_id: str, comment_ids: Sequence[str]) -> dict[str, CommentFacts]:
        if not comment_ids:
            return {}
        rows = await self._rows(
            sa.select(comments.c.id, comments.c.author_id, comments.c.status, comments.c.parent_id).where(
                comments.c.tenant_id == tenant_id, comments.c.id.in_(list(comment_ids))
            )
        )
        return {row.id: CommentFacts(row.author_id, row.status, row.parent_id) for row in rows}
