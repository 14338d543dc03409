"""The append-only event log: the outbox and the audit trail in one table.

Positions come from an AUTOINCREMENT key. They are trustworthy because appends are serialized:
on SQLite the writer holds the database lock from ``BEGIN IMMEDIATE`` to commit, so a position
is never committed behind one that a reader has already seen (EVENT-LOG-NOTES §1).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from threadline.adapters.sql.schema import events
from threadline.application.command_runner import utc_now
from threadline.application.ports import PendingEvent, StoredEvent
from threadline.domain.errors import ConcurrencyConflict
from threadline.domain.events import EventMetadata, redact


def _to_stored(row: Any) -> StoredEvent:
    return StoredEvent(
        position=int(row.position),
        event_id=row.event_id,
        tenant_id=row.tenant_id,
        aggregate_id=row.aggregate_id,
        aggregate_version=int(row.aggregate_version),
        comment_id=row.comment_id,
        event_type=row.event_type,
        schema_version=int(row.schema_version),
        payload=dict(row.payload),
        metadata=dict(row.metadata),
        recorded_at=row.recorded_at,
    )


class SqlEventAppender:
    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def append(self, tenant_id: str, pending: Sequence[PendingEvent], metadata: EventMetadata) -> int:
        recorded_at = utc_now()
        meta = {
            "actor_id": metadata.actor_id,
            "actor_role": metadata.actor_role,
            "correlation_id": metadata.correlation_id,
            "causation_id": metadata.causation_id,
            **metadata.extra,
        }
        position = 0
        for item in pending:
            try:
                async with self._connection.begin_nested():
                    result = await self._connection.execute(
                        events.insert()
                        .values(
                            event_id=str(uuid.uuid4()),
                            tenant_id=tenant_id,
                            aggregate_id=item.aggregate_id,
                            aggregate_version=item.aggregate_version,
                            comment_id=item.event.comment_id,
                            event_type=item.event.event_type,
                            schema_version=item.event.schema_version,
                            payload=item.event.payload(),
                            metadata=meta,
                            actor_id=metadata.actor_id,
                            recorded_at=recorded_at,
                        )
                        .returning(events.c.position)
                    )
                    position = int(result.scalar_one())
            except sa.exc.IntegrityError:
                # Another command claimed this aggregate version first: optimistic concurrency.
                raise ConcurrencyConflict() from None
        return position

    async def head(self) -> int:
        return int(
            (
                await self._connection.execute(sa.select(sa.func.coalesce(sa.func.max(events.c.position), 0)))
            ).scalar_one()
        )

    async def redact_comment(self, tenant_id: str, comment_id: str) -> None:
        rows = await self._connection.execute(
            sa.select(events.c.position, events.c.event_type, events.c.payload).where(
                events.c.tenant_id == tenant_id, events.c.comment_id == comment_id
            )
        )
        for row in rows.all():
            redacted = redact(row.event_type, dict(row.payload))
            if redacted != row.payload:
                await self._connection.execute(
                    events.update().where(events.c.position == row.position).values(payload=redacted)
                )


class SqlEventReader:
    """Reads the log outside any write transaction, for projectors and the audit trail."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def read_after(self, position: int, limit: int) -> list[StoredEvent]:
        query = sa.select(events).where(events.c.position > position).order_by(events.c.position).limit(limit)
        async with self._engine.connect() as connection:
            return [_to_stored(row) for row in (await connection.execute(query)).all()]

    async def last_position(self) -> int:
        async with self._engine.connect() as connection:
            value = (await connection.execute(sa.select(sa.func.max(events.c.position)))).scalar()
        return int(value or 0)

    async def audit(
        self,
        tenant_id: str,
        *,
        after_position: int,
        limit: int,
        comment_id: str | None,
        actor_id: str | None,
        event_type: str | None,
    ) -> list[StoredEvent]:
        query = sa.select(events).where(events.c.tenant_id == tenant_id, events.c.position > after_position)
        if comment_id is not None:
            query = query.where(events.c.comment_id == comment_id)
        if actor_id is not None:
            query = query.where(events.c.actor_id == actor_id)
        if event_type is not None:
            query = query.where(events.c.event_type == event_type)
        async with self._engine.connect() as connection:
            rows = await connection.execute(query.order_by(events.c.position).limit(limit))
            return [_to_stored(row) for row in rows.all()]
