"""Engines for one database URL: a writer whose transactions serialize, and a reader.

SQLite: WAL so readers never block the writer, a busy timeout, and ``BEGIN IMMEDIATE`` on the
writer so a read-then-write transaction takes the write lock up front instead of failing with
SQLITE_BUSY when it upgrades late. With one writer at a time, commit order equals insert order,
which is what makes event positions trustworthy on SQLite.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import asyncpg
import orjson
from sqlalchemy import event
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import ConnectionPoolEntry


def _json_dumps(value: object) -> str:
    return orjson.dumps(value).decode()


class SqliteReaders:
    """Reader connections to a SQLite file in WAL mode, for the query side's statements.

    A read runs synchronously on the caller's thread: reading a page of the read model from a file
    in the page cache takes tens of microseconds, less than one hop to a worker thread and back
    (aiosqlite hops once per statement and once per fetch), and the event loop does the Python half
    of that work either way. So one read is one call, with no thread hop at all. WAL readers never
    wait for the writer; a reader that met a lock (a checkpoint restarting the log) waits at most
    ``busy_timeout``. Connections are kept per thread (sqlite3 connections are not shared between
    threads), opened on first use, read-only (``query_only``)."""

    def __init__(self, path: str, *, busy_timeout: float) -> None:
        self._path = path
        self._busy_timeout = busy_timeout
        self._local = threading.local()
        self._opened: list[sqlite3.Connection] = []

    def _connection(self) -> sqlite3.Connection:
        connection: sqlite3.Connection | None = getattr(self._local, "connection", None)
        if connection is None:
            connection = sqlite3.connect(
                self._path, timeout=self._busy_timeout, isolation_level=None, check_same_thread=False
            )
            connection.execute("PRAGMA query_only=1")
            self._local.connection = connection
            self._opened.append(connection)
        return connection

    def fetch(self, sql: str, parameters: dict[str, Any]) -> list[Sequence[Any]]:
        return list(self._connection().execute(sql, parameters).fetchall())

    def close(self) -> None:
        for connection in self._opened:
            connection.close()
        self._opened.clear()
        self._local = threading.local()


@dataclass(frozen=True)
class Database:
    url: str
    writer: AsyncEngine
    reader: AsyncEngine
    sqlite_readers: SqliteReaders | None = None  # SQLite files: the query side's connections

    @property
    def is_sqlite(self) -> bool:
        return self.writer.dialect.name == "sqlite"

    async def dispose(self) -> None:
        await self.writer.dispose()
        await self.reader.dispose()
        if self.sqlite_readers is not None:
            self.sqlite_readers.close()


def _sqlite_engine(url: str, *, immediate: bool, busy_timeout: float, pool_size: int) -> AsyncEngine:
    engine = create_async_engine(
        url,
        json_serializer=_json_dumps,
        json_deserializer=orjson.loads,
        connect_args={"timeout": busy_timeout, "check_same_thread": False},
        pool_size=pool_size,
        max_overflow=0,
        pool_timeout=busy_timeout,
    )

    @event.listens_for(engine.sync_engine, "connect")
    def on_connect(dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
        # Take BEGIN out of the driver's hands so we decide what kind of BEGIN it is.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout * 1000)}")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def on_begin(connection: Connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


def open_database(
    url: str,
    *,
    busy_timeout: float = 30.0,
    pool_size: int = 10,
    max_overflow: int = 10,
    statement_timeout_ms: int = 0,
) -> Database:
    if url.startswith("sqlite"):
        # One writer connection: writers queue in the pool instead of spinning on the busy lock.
        writer = _sqlite_engine(url, immediate=True, busy_timeout=busy_timeout, pool_size=1)
        reader = _sqlite_engine(url, immediate=False, busy_timeout=busy_timeout, pool_size=pool_size)
        path = reader.url.database
        readers = SqliteReaders(path, busy_timeout=busy_timeout) if path and path != ":memory:" else None
        return Database(url, writer, reader, readers)
    server_settings = {"application_name": "threadline"}
    if statement_timeout_ms:
        server_settings["statement_timeout"] = str(statement_timeout_ms)
    engine = create_async_engine(
        url,
        json_serializer=_json_dumps,
        json_deserializer=orjson.loads,
        pool_size=pool_size,
        max_overflow=max_overflow,
        # No pre-ping: it costs a round trip on every checkout, and a connection found dead on use
        # is retried anyway (commands by the runner, reads by their retry loop: ``is_transient``).
        pool_recycle=1800,
        connect_args={"server_settings": server_settings},
    )
    return Database(url, engine, engine)


# What the raw drivers raise when a connection is lost, refused or the server is going away
# (the query side reads on them directly, without SQLAlchemy's wrapping).
_RAW_TRANSIENT = (
    asyncpg.InterfaceError,  # the connection is closed, or was lost mid-query
    asyncpg.PostgresConnectionError,  # class 08
    asyncpg.exceptions.CannotConnectNowError,  # starting up or shutting down
    asyncpg.exceptions.OperatorInterventionError,  # terminated by an administrator, a shutdown
    # A connection the server dropped while idle in the pool: asyncpg's protocol finds the
    # server's goodbye where it expected an answer (seen after pg_terminate_backend).
    asyncpg.exceptions.InternalClientError,
    sqlite3.OperationalError,  # locked or busy
)

# PostgreSQL aborting a transaction to break a deadlock or a serialization failure: the
# transaction did nothing, and running it again is the documented remedy. Batches of commands
# from two processes can meet this way on the row locks of one hot thread.
_RETRY_SQLSTATES = {"40P01", "40001"}


def is_transient(error: BaseException) -> bool:
    """A lost or refused connection, or a transaction the server aborted to break a deadlock:
    safe to retry a read, or a command (all are idempotent)."""
    if isinstance(error, DBAPIError):
        if getattr(error.orig, "sqlstate", None) in _RETRY_SQLSTATES:
            return True
        return bool(error.connection_invalidated) or isinstance(error, (OperationalError, InterfaceError))
    return isinstance(error, (ConnectionError, OSError, TimeoutError, *_RAW_TRANSIENT))
