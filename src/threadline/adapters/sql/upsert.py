"""``INSERT … ON CONFLICT DO NOTHING`` for either dialect: no savepoint round trips, and on
PostgreSQL no aborted transaction when a concurrent request took the key first."""

from __future__ import annotations

from collections.abc import Mapping

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import Insert as PostgresInsert
from sqlalchemy.dialects.postgresql import insert as postgres_insert
from sqlalchemy.dialects.sqlite import Insert as SqliteInsert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection


def dialect_insert(table: sa.Table, dialect: str) -> PostgresInsert | SqliteInsert:
    """``INSERT`` with the dialect's ``ON CONFLICT`` clauses (``on_conflict_do_nothing/update``,
    ``excluded``): PostgreSQL's and SQLite's share a shape but not a class."""
    return (postgres_insert if dialect == "postgresql" else sqlite_insert)(table)


def insert_if_absent_statement(table: sa.Table, dialect: str) -> sa.Insert:
    """The statement ``insert_if_absent`` runs, built once: executed with a row as parameters."""
    keys = [column.name for column in table.primary_key.columns]
    return dialect_insert(table, dialect).on_conflict_do_nothing(index_elements=keys)


async def insert_if_absent(
    connection: AsyncConnection, table: sa.Table, values: Mapping[str, object]
) -> bool:
    """Insert the row unless its primary key exists; whether it was inserted."""
    keys = [column.name for column in table.primary_key.columns]
    result = await connection.execute(
        dialect_insert(table, connection.dialect.name)
        .values(dict(values))
        .on_conflict_do_nothing(index_elements=keys)
    )
    return bool(result.rowcount)
