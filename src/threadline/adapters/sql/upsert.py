"""``INSERT … ON CONFLICT DO NOTHING`` for either dialect: no savepoint round trips, and on
PostgreSQL no aborted transaction when a concurrent request took the key first."""

from __future__ import annotations

from collections.abc import Mapping

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as postgres_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection


def insert_if_absent_statement(table: sa.Table, dialect: str) -> sa.Insert:
    """The statement ``insert_if_absent`` runs, built once: executed with a row as parameters."""
    insert = postgres_insert if dialect == "postgresql" else sqlite_insert
    keys = [column.name for column in table.primary_key.columns]
    return insert(table).on_conflict_do_nothing(index_elements=keys)


async def insert_if_absent(
    connection: AsyncConnection, table: sa.Table, values: Mapping[str, object]
) -> bool:
    """Insert the row unless its primary key exists; whether it was inserted."""
    insert = postgres_insert if connection.dialect.name == "postgresql" else sqlite_insert
    keys = [column.name for column in table.primary_key.columns]
    result = await connection.execute(
        insert(table).values(dict(values)).on_conflict_do_nothing(index_elements=keys)
    )
    return bool(result.rowcount)
