"""The append-only event log: the outbox and the audit trail in one table.

Positions come from an identity/AUTOINCREMENT key, taken at insert but visible at commit. They
are trustworthy because appends are serialized until commit, so no position is ever committed
behind one a reader has already seen (EVENT-LOG-NOTES §1):

* SQLite: the writer holds the database lock from ``BEGIN IMMEDIATE`` to commit.
* PostgreSQL: the insert itself first takes a transaction-scoped advisory lock, so the position
  is drawn only once the lock is held, and the lock is released only by commit or rollback.
  Taking it inside the INSERT (not as its own statement) saves a round trip under the lock.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from types import SimpleNamespace
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from threadline.adapters.sql.schema import Json, events
from threadline.application.ports.projection import StoredEvent
from threadline.application.ports.write import PendingEvent
from threadline.domain.clock import utc_now
from threadline.domain.errors import ConcurrencyConflict
from threadline.domain.events import EventMetadata, anonymize, redact


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


LOG_LOCK_KEY = 0x74686C6E  # one advisory lock serializes appends to the whole log
_COLUMNS = (
    "event_id",
    "tenant_id",
    "aggregate_id",
    "aggregate_version",
    "comment_id",
    "event_type",
    "schema_version",
    "payload",
    "metadata",
    "actor_id",
    "recorded_at",
)
_SQLITE_APPEND = (
    sqlite_insert(events)
    .values({name: sa.bindparam(name, type_=events.c[name].type) for name in _COLUMNS})
    .on_conflict_do_nothing(index_elements=["tenant_id", "aggregate_id", "aggregate_version"])
    .returning(events.c.position)
)
_POSTGRES_APPEND = sa.text(
    f"INSERT INTO events ({', '.join(_COLUMNS)}) "
    f"SELECT {', '.join(':' + name for name in _COLUMNS)} "
    f"FROM (SELECT pg_advisory_xact_lock({LOG_LOCK_KEY})) AS log_lock "
    "ON CONFLICT (tenant_id, aggregate_id, aggregate_version) DO NOTHING "
    "RETURNING position"
).bindparams(sa.bindparam("payload", type_=Json), sa.bindparam("metadata", type_=Json))


def event_rows(
    tenant_id: str, pending: Sequence[PendingEvent], metadata: EventMetadata, recorded_at: str
) -> list[dict[str, Any]]:
    """The ``events`` rows (without position) of one command's events; the bulk seeder uses it too."""
    meta = {
        "actor_id": metadata.actor_id,
        "actor_role": metadata.actor_role,
        "correlation_id": metadata.correlation_id,
        "causation_id": metadata.causation_id,
        **metadata.extra,
    }
    return [
        {
            "event_id": str(uuid.uuid4()),
            "tenant_id": tenant_id,
            "aggregate_id": item.aggregate_id,
            "aggregate_version": item.aggregate_version,
            "comment_id": item.event.subject_comment_id,
            "event_type": item.event.event_type,
            "schema_version": item.event.schema_version,
            "payload": item.event.payload(),
            "metadata": meta,
            "actor_id": metadata.actor_id,
            "recorded_at": recorded_at,
        }
        for item in pending
    ]


def stored_event(position: int, row: dict[str, Any]) -> StoredEvent:
    """An ``events`` row as the projector reads it back."""
    return _to_stored(SimpleNamespace(position=position, **row))


class SqlEventAppender:
    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def append(self, tenant_id: str, pending: Sequence[PendingEvent], metadata: EventMetadata) -> int:
        position = 0
        postgres = self._connection.dialect.name == "postgresql"
        for values in event_rows(tenant_id, pending, metadata, utc_now()):
            statement = _POSTGRES_APPEND if postgres else _SQLITE_APPEND
            result = await self._connection.execute(statement, values)
            appended = result.scalar()
            if appended is None:
                # Another command claimed this aggregate version first: optimistic concurrency.
                raise ConcurrencyConflict()
            position = int(appended)
        return position

    async def head(self) -> int:
        return int(
            (
                await self._connection.execute(sa.select(sa.func.coalesce(sa.func.max(events.c.position), 0)))
            ).scalar_one()
        )

    async def redact_comment(self, tenant_id: str, comment_id: str) -> None:
        await self._rewrite_payloads(tenant_id, comment_id, redact)

    async def anonymize_comment(self, tenant_id: str, comment_id: str) -> None:
        await self._rewrite_payloads(tenant_id, comment_id, lambda _type, payload: anonymize(payload))

    async def _rewrite_payloads(
        self,
        tenant_id: str,
        comment_id: str,
        rewrite: Callable[[str, dict[str, object]], dict[str, object]],
    ) -> None:
        """Rewrites payloads in place: rows and positions stay, so no reader sees a gap."""
        rows = await self._connection.execute(
            sa.select(events.c.position, events.c.event_type, events.c.payload).where(
                events.c.tenant_id == tenant_id, events.c.comment_id == comment_id
            )
        )
        for row in rows.all():
            redacted = rewrite(row.event_type, dict(row.payload))
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
