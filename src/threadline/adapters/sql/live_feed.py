"""The live feed in SQL: the projector keeps each batch's live messages in its own transaction
(``SqlLiveFeedWriter``); subscribers that resume, and fan-out listeners that missed a batch, read
them back (``SqlLiveFeed``). See ``application/ports/live.py``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from threadline.adapters.sql.schema import live_feed, live_feed_horizon, projection_checkpoints
from threadline.adapters.sql.upsert import insert_if_absent
from threadline.application.ports.live import LiveMessage

_f, _h = live_feed.c, live_feed_horizon.c
_COLUMNS = (
    _f.position,
    _f.tenant_id,
    _f.entity_type,
    _f.entity_id,
    _f.event,
    _f.audience,
    _f.author_id,
    _f.comment_id,
    _f.data,
)
_HORIZON_ROW = 1
PRUNE_CHUNK = 5_000
PRUNE_CHUNKS_PER_CALL = 20


def _message(row: Sequence[Any]) -> LiveMessage:
    position, tenant_id, entity_type, entity_id, event, audience, author_id, comment_id, data = row
    return LiveMessage(
        position=int(position),
        tenant_id=str(tenant_id),
        entity_type=str(entity_type),
        entity_id=str(entity_id),
        event=str(event),
        audience=audience,
        author_id=None if author_id is None else str(author_id),
        comment_id=str(comment_id),
        data=bytes(data),
    )


class SqlLiveFeedWriter:
    """The live feed as the projector's batch transaction changes it."""

    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def record(self, messages: Sequence[LiveMessage], *, after: int, recorded_at: float) -> None:
        # The first batch ever kept (a new install, an upgrade, a rebuilt read model) starts the
        # feed: from here on every message is kept, before it nothing is.
        await insert_if_absent(self._connection, live_feed_horizon, {"id": _HORIZON_ROW, "position": after})
        if not messages:
            return
        await self._connection.execute(
            live_feed.insert(),
            [
                {
                    "position": m.position,
                    "tenant_id": m.tenant_id,
                    "entity_type": m.entity_type,
                    "entity_id": m.entity_id,
                    "comment_id": m.comment_id,
                    "event": m.event,
                    "audience": m.audience,
                    "author_id": m.author_id,
                    "data": m.data,
                    "recorded_at": recorded_at,
                }
                for m in messages
            ],
        )

    async def forget_comment(self, tenant_id: str, comment_id: str, *, before: int) -> None:
        await self._connection.execute(
            live_feed.delete().where(
                _f.tenant_id == tenant_id, _f.comment_id == comment_id, _f.position < before
            )
        )

    async def prune(self, *, recorded_before: float) -> int:
        """Oldest first, in primary-key chunks (positions grow with time, so no index on the
        moment is needed): every message up to the last one recorded before the moment goes."""
        horizon = await self._horizon()
        for _ in range(PRUNE_CHUNKS_PER_CALL):
            rows = (
                await self._connection.execute(
                    sa.select(_f.position, _f.recorded_at)
                    .where(_f.position > horizon)
                    .order_by(_f.position)
                    .limit(PRUNE_CHUNK)
                )
            ).all()
            old = [int(position) for position, at in rows if at < recorded_before]
            if not old:
                break
            horizon = max(old)
            await self._connection.execute(live_feed.delete().where(_f.position <= horizon))
            await self._connection.execute(
                live_feed_horizon.update().where(_h.id == _HORIZON_ROW).values(position=horizon)
            )
            if len(old) < len(rows) or len(rows) < PRUNE_CHUNK:
                break
        return horizon

    async def _horizon(self) -> int:
        value = (
            await self._connection.execute(sa.select(_h.position).where(_h.id == _HORIZON_ROW))
        ).scalar_one_or_none()
        return 0 if value is None else int(value)


class SqlLiveFeed:
    """The kept live messages, read by subscribers that resume and listeners that missed some."""

    def __init__(self, engine: AsyncEngine, projection: str) -> None:
        self._engine = engine
        self._projection = projection

    async def horizon(self) -> int:
        async with self._engine.connect() as connection:
            value = (
                await connection.execute(sa.select(_h.position).where(_h.id == _HORIZON_ROW))
            ).scalar_one_or_none()
        # No horizon yet: nothing was ever kept, so only the projection's head may be resumed.
        return await self.head() if value is None else int(value)

    async def head(self) -> int:
        async with self._engine.connect() as connection:
            value = (
                await connection.execute(
                    sa.select(projection_checkpoints.c.position).where(
                        projection_checkpoints.c.name == self._projection
                    )
                )
            ).scalar_one_or_none()
        return 0 if value is None else int(value)

    async def read_after(
        self,
        tenant_id: str,
        after: int,
        *,
        thread: tuple[str, str] | None,
        through: int | None = None,
        limit: int = 1000,
    ) -> list[LiveMessage]:
        query = sa.select(*_COLUMNS).where(_f.tenant_id == tenant_id, _f.position > after)
        if thread is not None:
            query = query.where(_f.entity_type == thread[0], _f.entity_id == thread[1])
        if through is not None:
            query = query.where(_f.position <= through)
        async with self._engine.connect() as connection:
            rows = (await connection.execute(query.order_by(_f.position).limit(limit))).all()
        return [_message(row) for row in rows]

    async def read_range(self, after: int, through: int, *, limit: int = 1000) -> list[LiveMessage]:
        query = (
            sa.select(*_COLUMNS)
            .where(_f.position > after, _f.position <= through)
            .order_by(_f.position)
            .limit(limit)
        )
        async with self._engine.connect() as connection:
            rows = (await connection.execute(query)).all()
        return [_message(row) for row in rows]
