"""The log consumers' checkpoints in the write database (table ``consumer_checkpoints``).

A store is one short transaction of its own, outside any command: the consumer runs beside the
API and must hold the write lock (SQLite) only for the instant of the upsert.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as postgres_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncEngine

from threadline.adapters.sql.schema import consumer_checkpoints
from threadline.domain.clock import utc_now


class SqlConsumerCheckpoints:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def position(self, consumer: str) -> int:
        query = sa.select(consumer_checkpoints.c.position).where(consumer_checkpoints.c.consumer == consumer)
        async with self._engine.connect() as connection:
            value = (await connection.execute(query)).scalar()
        return int(value or 0)

    async def store(self, consumer: str, position: int) -> None:
        insert = postgres_insert if self._engine.dialect.name == "postgresql" else sqlite_insert
        statement = insert(consumer_checkpoints).values(
            consumer=consumer, position=position, updated_at=utc_now()
        )
        # The greater position wins, so a checkpoint never moves back.
        statement = statement.on_conflict_do_update(
            index_elements=[consumer_checkpoints.c.consumer],
            set_={"position": statement.excluded.position, "updated_at": statement.excluded.updated_at},
            where=consumer_checkpoints.c.position < statement.excluded.position,
        )
        async with self._engine.begin() as connection:
            await connection.execute(statement)
