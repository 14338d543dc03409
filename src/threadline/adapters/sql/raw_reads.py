"""Running the query side's statements (``read_statements.py``) on the raw driver: one call, one
round trip, no SQLAlchemy in between.

On SQLite the statement runs on a reader connection of ``SqliteReaders``, synchronously (see
there why no thread hop pays off). Otherwise the router chooses the connection (a replica or the
primary read database, as for any read) and the statement runs on its driver connection: asyncpg
prepares each statement text once per connection and reuses it after; aiosqlite (the projector's
own transaction, or a router without the reader connections) runs it as it is. A connection that
was lost is invalidated, so the retry around every read gets a new one instead of the dead one.
"""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncConnection

from threadline.adapters.sql.engine import SqliteReaders, is_transient
from threadline.adapters.sql.read_statements import BOOLEAN_FIELDS, Statement


class Connections(Protocol):
    def connect(self, *, primary: bool = False) -> AbstractAsyncContextManager[AsyncConnection]: ...


class InTransaction:
    """One connection already in a transaction (the projector's): reads see its own writes."""

    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    @asynccontextmanager
    async def connect(self, *, primary: bool = False) -> AsyncIterator[AsyncConnection]:
        yield self._connection


def _idle_sqlite3(raw: Any) -> sqlite3.Connection | None:
    """The sqlite3 connection under the projector's aiosqlite one (aiosqlite's ``_conn``). The
    projector's transaction runs one statement at a time, so while it awaits a read nothing else
    uses the connection, and the read may run right here rather than hop to aiosqlite's thread and
    back for each of the dozen statements that render a thread's pages (measured: 2.5 → 2.2 ms of
    CPU to prepare a 60-comment thread's pages and two documents)."""
    connection = getattr(raw, "_conn", None)
    return connection if isinstance(connection, sqlite3.Connection) else None


class RawReads:
    def __init__(self, connections: Connections, *, sqlite: SqliteReaders | None = None) -> None:
        self.connections = connections
        self.sqlite = sqlite
        self._own_connections = not isinstance(connections, InTransaction)

    async def rows(
        self, statement: Statement, parameters: Mapping[str, Any], *, primary: bool = False
    ) -> list[Sequence[Any]]:
        if self.sqlite is not None:
            return self.sqlite.fetch(statement.sqlite, statement.sqlite_parameters(parameters))
        async with self.connections.connect(primary=primary) as connection:
            raw = (await connection.get_raw_connection()).driver_connection
            assert raw is not None
            try:
                if connection.dialect.name == "postgresql":
                    return list(
                        await raw.fetch(statement.postgres, *statement.postgres_parameters(parameters))
                    )
                sqlite = _idle_sqlite3(raw) if not self._own_connections else None
                if sqlite is not None:
                    return list(sqlite.execute(statement.sqlite, statement.sqlite_parameters(parameters)))
                return list(
                    await raw.execute_fetchall(statement.sqlite, statement.sqlite_parameters(parameters))
                )
            except Exception as error:
                if is_transient(error) and self._own_connections:
                    await connection.invalidate()
                raise

    async def comments(
        self, statement: Statement, parameters: Mapping[str, Any], *, primary: bool = False, skip: int = 0
    ) -> list[Sequence[Any]]:
        """Rows whose columns from ``skip`` on are a ``CommentRow``'s fields, booleans as booleans
        (sqlite3 gives 0 and 1; asyncpg and the columns before ``skip`` are left as they are)."""
        rows = await self.rows(statement, parameters, primary=primary)
        if not rows or type(rows[0][skip + BOOLEAN_FIELDS[0]]) is bool:
            return rows
        fixed: list[Sequence[Any]] = []
        for row in rows:
            values = list(row)
            for index in BOOLEAN_FIELDS:
                values[skip + index] = bool(values[skip + index])
            fixed.append(values)
        return fixed
