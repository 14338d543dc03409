"""The log consumers' checkpoints in the write database (table ``consumer_checkpoints``).

The statements live here once. The relay stores its checkpoint in a short transaction of its own
(``SqlConsumerCheckpoints``): it runs beside the API and must hold the write lock (SQLite) only
for the instant of the upsert. A webhook deliverer writes its checkpoint inside the transaction
its lease fences (``adapters/sql/webhook_store.py``), through the connection-level functions.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from threadline.adapters.sql.schema import consumer_checkpoints
from threadline.adapters.sql.upsert import dialect_insert
from threadline.domain.clock import utc_now

_c = consumer_checkpoints.c


async def read_position(connection: AsyncConnection, consumer: str) -> int:
    """Where ``consumer`` resumes: 0 for one never stored."""
    value = (await connection.execute(sa.select(_c.position).where(_c.consumer == consumer))).scalar()
    return int(value or 0)


async def set_position(
    connection: AsyncConnection, consumer: str, position: int, *, forward_only: bool
) -> None:
    """Upsert ``consumer``'s position. ``forward_only``: the greater position wins, so a slower,
    older copy of a consumer cannot undo a newer one's progress; without it (a webhook replay) the
    checkpoint may be set back on purpose."""
    insert = dialect_insert(consumer_checkpoints, connection.dialect.name)
    statement = insert.values(consumer=consumer, position=position, updated_at=utc_now())
    statement = statement.on_conflict_do_update(
        index_elements=[_c.consumer],
        set_={"position": statement.excluded.position, "updated_at": statement.excluded.updated_at},
        where=(_c.position < statement.excluded.position) if forward_only else None,
    )
    await connection.execute(statement)


async def forget(connection: AsyncConnection, consumer: str) -> None:
    await connection.execute(consumer_checkpoints.delete().where(_c.consumer == consumer))


class SqlConsumerCheckpoints:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def position(self, consumer: str) -> int:
        async with self._engine.connect() as connection:
            return await read_position(connection, consumer)

    async def store(self, consumer: str, position: int) -> None:
        async with self._engine.begin() as connection:
            await set_position(connection, consumer, position, forward_only=True)
