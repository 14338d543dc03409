"""The append-only event log: the outbox and the audit trail in one table.

Positions come from an identity/AUTOINCREMENT key, taken at insert but visible at commit. They
are trustworthy because appends are serialized until commit, so no position is ever committed
behind one a reader has already seen (EVENT-LOG-NOTES §1):

* SQLite: the writer holds the database lock from ``BEGIN IMMEDIATE`` to commit.
* PostgreSQL: the insert itself first takes a transaction-scoped advisory lock, so the position
  is drawn only once the lock is held, and the lock is released only by commit or rollback.
  Taking it inside the INSERT (not as its own statement) saves a round trip under the lock.

Every append, of one command's events or of an importer's thousands, goes through
``append_batch``: one lock acquisition (in the first statement), then inserts that draw
positions in the batch's order. Nobody else can draw a position while the lock is held, so a committed batch's
positions are consecutive; nothing here numbers positions itself or moves the sequence.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Collection, Sequence
from itertools import pairwise
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from threadline.adapters.sql.schema import Json, events
from threadline.application.ports.projection import StoredEvent
from threadline.application.ports.write import EventGroup
from threadline.domain.clock import utc_now
from threadline.domain.errors import ConcurrencyConflict
from threadline.domain.events import EventMetadata, PendingEvent, anonymize, redact


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
PAGE_ROWS = 1000  # events per INSERT statement of a batch
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
_INTEGERS = {"aggregate_version", "schema_version"}
_JSON = {"payload", "metadata"}
_SQLITE_APPEND = (
    sqlite_insert(events)
    .values({name: sa.bindparam(name, type_=events.c[name].type) for name in _COLUMNS})
    .on_conflict_do_nothing(index_elements=["tenant_id", "aggregate_id", "aggregate_version"])
    .returning(events.c.position, events.c.event_id)
)


def _postgres_append(*, take_lock: bool) -> sa.TextClause:
    """One page of a batch as one statement: the rows arrive as arrays and are inserted in their
    order (``ORDER BY ord``), so positions follow the batch. The first page takes the log lock in
    a materialized CTE the rows are joined to: it runs once, before the first position is drawn."""
    arrays = ", ".join(
        f"CAST(:{name} AS {'integer' if name in _INTEGERS else 'text'}[])" for name in _COLUMNS
    )
    selected = ", ".join(f"r.{name}::jsonb" if name in _JSON else f"r.{name}" for name in _COLUMNS)
    lock = (
        f"WITH log_lock AS MATERIALIZED (SELECT pg_advisory_xact_lock({LOG_LOCK_KEY})) " if take_lock else ""
    )
    return sa.text(
        f"{lock}INSERT INTO events ({', '.join(_COLUMNS)}) "
        f"SELECT {selected} FROM {'log_lock, ' if take_lock else ''}"
        f"unnest({arrays}) WITH ORDINALITY AS r({', '.join(_COLUMNS)}, ord) "
        "ORDER BY r.ord "
        "ON CONFLICT (tenant_id, aggregate_id, aggregate_version) DO NOTHING "
        "RETURNING position, event_id"
    )


_POSTGRES_FIRST_PAGE = _postgres_append(take_lock=True)
_POSTGRES_NEXT_PAGE = _postgres_append(take_lock=False)
# A batch of one event (most commands): the same lock-then-insert in the single-row form, which
# costs the server less than unnesting one-element arrays (measured: ~5% of an append's time).
_POSTGRES_ONE = sa.text(
    f"INSERT INTO events ({', '.join(_COLUMNS)}) "
    f"SELECT {', '.join(':' + name for name in _COLUMNS)} "
    f"FROM (SELECT pg_advisory_xact_lock({LOG_LOCK_KEY})) AS log_lock "
    "ON CONFLICT (tenant_id, aggregate_id, aggregate_version) DO NOTHING "
    "RETURNING position, event_id"
).bindparams(sa.bindparam("payload", type_=Json), sa.bindparam("metadata", type_=Json))


def event_rows(
    tenant_id: str, pending: Sequence[PendingEvent], metadata: EventMetadata, recorded_at: str
) -> list[dict[str, Any]]:
    """The ``events`` rows (without position) of one command's events."""
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


def _as_arrays(page: list[dict[str, Any]]) -> dict[str, list[object]]:
    """Column-wise parameters for ``unnest``: one round trip whatever the page's size."""
    return {
        name: [orjson.dumps(row[name]).decode() if name in _JSON else row[name] for row in page]
        for name in _COLUMNS
    }


class SqlEventAppender:
    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def append(self, tenant_id: str, pending: Sequence[PendingEvent], metadata: EventMetadata) -> int:
        if not pending:
            return 0
        return (await self.append_batch([EventGroup(tenant_id, pending, metadata)]))[0]

    async def append_batch(self, groups: Sequence[EventGroup]) -> list[int]:
        if any(not group.events for group in groups):
            raise ValueError("an event group without events has no position")
        recorded_at = utc_now()
        rows = [
            row
            for group in groups
            for row in event_rows(group.tenant_id, group.events, group.metadata, recorded_at)
        ]
        if not rows:
            return []
        positions = await self._insert(rows)
        ordered = [positions[row["event_id"]] for row in rows]
        if any(later <= earlier for earlier, later in pairwise(ordered)):
            raise RuntimeError("the database drew event positions out of the batch's order")
        lasts, end = [], 0
        for group in groups:
            end += len(group.events)
            lasts.append(ordered[end - 1])
        return lasts

    async def _insert(self, rows: list[dict[str, Any]]) -> dict[str, int]:
        """Insert in pages; the position of each row, by event id."""
        positions: dict[str, int] = {}
        postgres = self._connection.dialect.name == "postgresql"
        for start in range(0, len(rows), PAGE_ROWS):
            page = rows[start : start + PAGE_ROWS]
            if postgres and len(rows) == 1:
                result = await self._connection.execute(_POSTGRES_ONE, page[0])
            elif postgres:
                statement = _POSTGRES_FIRST_PAGE if start == 0 else _POSTGRES_NEXT_PAGE
                result = await self._connection.execute(statement, _as_arrays(page))
            else:
                # The transaction began with BEGIN IMMEDIATE: the database lock is the log lock.
                result = await self._connection.execute(_SQLITE_APPEND, page)
            inserted = result.all()
            if len(inserted) != len(page):
                # Some aggregate version was already taken (in the log, or twice in this batch):
                # optimistic concurrency. The caller's rollback takes every row of the batch back.
                raise ConcurrencyConflict()
            positions.update({row.event_id: int(row.position) for row in inserted})
        return positions

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
        after_position: int = 0,
        before_position: int | None = None,
        limit: int,
        comment_id: str | None = None,
        actor_id: str | None = None,
        event_types: Collection[str] | None = None,
        newest_first: bool = False,
    ) -> list[StoredEvent]:
        """Each filter is the leading columns of one index after ``tenant_id`` (comment, actor, or
        none), so a page is a range scan of it in position order."""
        query = sa.select(events).where(events.c.tenant_id == tenant_id, events.c.position > after_position)
        if before_position is not None:
            query = query.where(events.c.position < before_position)
        if comment_id is not None:
            query = query.where(events.c.comment_id == comment_id)
        if actor_id is not None:
            query = query.where(events.c.actor_id == actor_id)
        if event_types is not None:
            query = query.where(events.c.event_type.in_(sorted(event_types)))
        order = events.c.position.desc() if newest_first else events.c.position
        async with self._engine.connect() as connection:
            rows = await connection.execute(query.order_by(order).limit(limit))
            return [_to_stored(row) for row in rows.all()]

    async def at_positions(self, tenant_id: str, positions: Collection[int]) -> list[StoredEvent]:
        if not positions:
            return []
        query = sa.select(events).where(
            events.c.tenant_id == tenant_id, events.c.position.in_(sorted(positions))
        )
        async with self._engine.connect() as connection:
            rows = await connection.execute(query.order_by(events.c.position))
            return [_to_stored(row) for row in rows.all()]
