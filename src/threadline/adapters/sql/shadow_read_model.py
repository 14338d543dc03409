"""A second read model built beside the one being served, then switched in atomically.

A rebuild replays the whole log, which takes minutes on a large site. It therefore never touches
the read model readers use: it builds a *shadow* — the read migrations run into a place of its
own, its own checkpoint — while the live projector keeps the served read model current. Once the
shadow has caught up, one transaction makes it the served read model and drops the old one. The
shadow's checkpoint travels with its tables, so whatever the log gained after the shadow's last
batch is projected into it by the live projector, from there: nothing is lost at the switch and
nothing is applied twice.

What a rebuild must keep is not derived from the log: the view counts (``view_totals``, the
source of every ``view_count``) and the tenants' search settings stay where they are, and at the
switch each comment's ``view_count`` is taken from the totals, so views counted while the shadow
was being built are not lost.

- **PostgreSQL**: the shadow is the schema ``threadline_rebuild`` in the read database, reached
  through ``search_path`` (so every statement, raw SQL included, lands in it; the preserved tables
  are dropped from it so their names resolve to the live ones in ``public``). The switch locks
  the live tables (the checkpoint first, which is the lock the live projector takes first), moves
  them out with ``ALTER TABLE … SET SCHEMA`` and the shadow's in, and drops the old: no row is
  copied, so it is milliseconds whatever the size. Readers wait for it; none sees an empty model.
- **SQLite**: the shadow is a file beside the read database (``<file>.rebuild``) with a snapshot
  of the preserved tables. SQLite cannot move a table between files, so the switch copies the
  shadow's rows into the live tables in one ``BEGIN IMMEDIATE`` transaction: readers (WAL) keep
  reading the old rows until its commit and then see the new ones; writers of that file wait for
  the copy (ARCHITECTURE.md gives its cost).

A rebuild killed at any point leaves the served read model as it was. The shadow keeps every
batch it committed (each with its checkpoint), so running the rebuild again resumes it; a shadow
whose schema is not this code's is made anew.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import Awaitable, Callable
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from threadline.adapters.sql.engine import Database, open_database
from threadline.adapters.sql.projection_store import SqlProjectionStore
from threadline.adapters.sql.schema import PRESERVED_BY_REBUILD
from threadline.adapters.sql.schema_migrations import is_current, upgrade, upgrade_in
from threadline.application.ports.projection import ProjectionStore

SHADOW_SCHEMA = "threadline_rebuild"
RETIRED_SCHEMA = "threadline_retired"
VERSION_TABLE = "alembic_version_read"
CHECKPOINTS = "projection_checkpoints"
# What a rebuild starts from rather than rebuilds (``PRESERVED_BY_REBUILD``): on PostgreSQL the
# live tables themselves, shared with the live projector; on SQLite a snapshot in the shadow.
KEPT = tuple(name for name in PRESERVED_BY_REBUILD if name != CHECKPOINTS)
# Of those, what is written outside the projector: the live rows are the truth, never replaced.
# (A SQLite shadow's search slots, by contrast, go with the search index it built with them.)
LIVE_OWNED = ("search_settings", "view_totals")
SQLITE_SHADOW_SUFFIX = ".rebuild"


def _moved(names: list[str], keep: tuple[str, ...] = KEPT) -> list[str]:
    """The tables a switch replaces, checkpoints first (the live projector's first lock)."""
    kept = {VERSION_TABLE, *keep}
    rest = sorted(name for name in names if name not in kept and name != CHECKPOINTS)
    return [CHECKPOINTS, *rest] if CHECKPOINTS in names else rest


class PostgresShadow:
    def __init__(self, live: AsyncEngine, shadow: AsyncEngine) -> None:
        self._live = live
        self._shadow = shadow
        self.store: ProjectionStore = SqlProjectionStore(shadow)

    async def switch_over(self, catch_up: Callable[[], Awaitable[object]]) -> None:
        # Views flushed while the shadow was built. Done before any lock is taken, so neither
        # readers nor the view flusher wait for it (and no lock order can deadlock with the
        # flusher's): only views flushed in the instant between this and the switch miss the
        # switched-in counts (they are in the totals, which every later rebuild starts from).
        async with self._live.begin() as connection:
            await connection.execute(
                sa.text(
                    f"UPDATE {SHADOW_SCHEMA}.comment_view c SET view_count = t.views"
                    " FROM public.view_totals t"
                    " WHERE t.tenant_id = c.tenant_id AND t.comment_id = c.id AND t.views <> c.view_count"
                )
            )
        async with self._live.begin() as connection:
            names = _moved(await _schema_tables(connection, SHADOW_SCHEMA))
            live = set(await _schema_tables(connection, "public"))
            # The checkpoint first: the live projector's first lock, so it waits from here on.
            if CHECKPOINTS in live:
                await connection.execute(sa.text(f"LOCK TABLE public.{CHECKPOINTS} IN ACCESS EXCLUSIVE MODE"))
            await catch_up()  # the shadow reaches the head the live projector cannot pass now
            for name in names:
                if name in live and name != CHECKPOINTS:
                    await connection.execute(sa.text(f'LOCK TABLE public."{name}" IN ACCESS EXCLUSIVE MODE'))
            if CHECKPOINTS in live:  # other projections' checkpoints stay as they are
                await connection.execute(
                    sa.text(
                        f"INSERT INTO {SHADOW_SCHEMA}.{CHECKPOINTS} SELECT * FROM public.{CHECKPOINTS} o"
                        f" WHERE o.name NOT IN (SELECT name FROM {SHADOW_SCHEMA}.{CHECKPOINTS})"
                    )
                )
            await connection.execute(sa.text(f"CREATE SCHEMA {RETIRED_SCHEMA}"))
            for name in names:
                if name in live:
                    await connection.execute(
                        sa.text(f'ALTER TABLE public."{name}" SET SCHEMA {RETIRED_SCHEMA}')
                    )
                await connection.execute(sa.text(f'ALTER TABLE {SHADOW_SCHEMA}."{name}" SET SCHEMA public'))
            await connection.execute(sa.text(f"DROP SCHEMA {RETIRED_SCHEMA} CASCADE"))
            await connection.execute(sa.text(f"DROP SCHEMA {SHADOW_SCHEMA} CASCADE"))

    async def close(self) -> None:
        await self._shadow.dispose()


class PostgresShadows:
    """Shadow read models of a PostgreSQL read database (``url``, served through ``live``)."""

    def __init__(self, live: AsyncEngine, url: str) -> None:
        self._live = live
        self._url = url

    async def open(self, *, fresh: bool) -> PostgresShadow:
        async with self._live.begin() as connection:
            await connection.execute(sa.text(f"DROP SCHEMA IF EXISTS {RETIRED_SCHEMA} CASCADE"))
            if fresh:
                await connection.execute(sa.text(f"DROP SCHEMA IF EXISTS {SHADOW_SCHEMA} CASCADE"))
            await connection.execute(sa.text(f"CREATE SCHEMA IF NOT EXISTS {SHADOW_SCHEMA}"))
        shadow = create_async_engine(
            self._url,
            pool_size=2,
            max_overflow=0,
            connect_args={
                "server_settings": {
                    "application_name": "threadline-rebuild",
                    "search_path": f"{SHADOW_SCHEMA}, public",
                }
            },
        )
        try:
            if not await _current_in(shadow, SHADOW_SCHEMA):
                # A stale or half-made shadow: made anew, whole or not at all. The migrations see
                # only the shadow's schema (else they would find the live version table).
                async with self._live.begin() as connection:
                    await connection.execute(sa.text(f"DROP SCHEMA {SHADOW_SCHEMA} CASCADE"))
                    await connection.execute(sa.text(f"CREATE SCHEMA {SHADOW_SCHEMA}"))
                    await connection.execute(sa.text(f"SET LOCAL search_path TO {SHADOW_SCHEMA}"))
                    await upgrade_in(connection, "read")
                    for name in KEPT:  # then resolved through search_path to the live ones
                        await connection.execute(sa.text(f"DROP TABLE {SHADOW_SCHEMA}.{name}"))
        except BaseException:
            await shadow.dispose()
            raise
        return PostgresShadow(self._live, shadow)


async def _current_in(engine: AsyncEngine, schema: str) -> bool:
    async with engine.connect() as connection:
        tables = await _schema_tables(connection, schema)
    return VERSION_TABLE in tables and await is_current(engine, "read")


async def _schema_tables(connection: AsyncConnection, schema: str) -> list[str]:
    rows = await connection.execute(
        sa.text("SELECT tablename FROM pg_tables WHERE schemaname = :schema"), {"schema": schema}
    )
    return [row[0] for row in rows]


class SqliteShadow:
    def __init__(self, live_path: str, shadow: Database, path: Path, busy_timeout: float) -> None:
        self._live_path = live_path
        self._shadow = shadow
        self._path = path
        self._busy_timeout = busy_timeout
        self.store: ProjectionStore = SqlProjectionStore(shadow.writer)

    async def switch_over(self, catch_up: Callable[[], Awaitable[object]]) -> None:
        """One write transaction on the live file: the live projector (and, when the
        read model shares the file, commands) wait while the shadow takes its last batches and
        its rows are copied in; readers read the old rows until the commit. All or nothing."""
        connection = sqlite3.connect(
            self._live_path, timeout=self._busy_timeout, isolation_level=None, check_same_thread=False
        )
        try:
            await asyncio.to_thread(self._begin, connection)
            try:
                await catch_up()
                await self._shadow.dispose()  # its last batch is committed; from here it is only read
                await asyncio.to_thread(self._copy_all, connection)
            except BaseException:
                with contextlib.suppress(sqlite3.Error):
                    await asyncio.to_thread(connection.execute, "ROLLBACK")
                raise
        finally:
            await asyncio.to_thread(connection.close)
        _remove_sqlite_files(self._path)

    def _begin(self, connection: sqlite3.Connection) -> None:
        connection.execute("ATTACH DATABASE ? AS rebuild", (str(self._path),))
        # The write lock of the live file alone (``BEGIN IMMEDIATE`` would take the shadow's too,
        # which its last batches need): a write statement on ``main`` takes it, even a no-op.
        connection.execute("BEGIN")
        connection.execute(f"UPDATE main.{CHECKPOINTS} SET position = position WHERE 0")

    def _copy_all(self, connection: sqlite3.Connection) -> None:
        for name, columns, virtual in _sqlite_tables(connection):
            _copy(connection, name, columns, virtual)
        connection.execute("COMMIT")

    async def close(self) -> None:
        await self._shadow.dispose()


def _sqlite_tables(connection: sqlite3.Connection) -> list[tuple[str, list[str], bool]]:
    """The shadow's tables a switch copies: every table and virtual table (the search index),
    but not a virtual table's own storage, the migrations' version or the kept tables."""
    rows = connection.execute(
        "SELECT name, sql FROM rebuild.sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    ).fetchall()
    virtual = {name for name, sql in rows if sql.upper().startswith("CREATE VIRTUAL TABLE")}
    storage = {name for name, _ in rows if any(name.startswith(f"{v}_") for v in virtual)}
    names = _moved([name for name, _ in rows if name not in storage], LIVE_OWNED)
    return [
        (
            name,
            [str(column[1]) for column in connection.execute(f'PRAGMA rebuild.table_info("{name}")')],
            name in virtual,
        )
        for name in names
    ]


def _copy(connection: sqlite3.Connection, name: str, columns: list[str], virtual: bool) -> None:
    # A virtual table's rowid is not among its columns, and the search index's rowids mean
    # something (each tenant's range): copied too.
    listed = ", ".join(["rowid"] * virtual + [f'"{column}"' for column in columns])
    chosen = ", ".join(
        ["s.rowid"] * virtual
        + [
            # views counted while the shadow was built come from the totals
            "COALESCE((SELECT t.views FROM main.view_totals t"
            " WHERE t.tenant_id = s.tenant_id AND t.comment_id = s.id), s.view_count)"
            if name == "comment_view" and column == "view_count"
            else f's."{column}"'
            for column in columns
        ]
    )
    if name == CHECKPOINTS:  # other projections' checkpoints stay as they are
        connection.execute(
            f"DELETE FROM main.{CHECKPOINTS} WHERE name IN (SELECT name FROM rebuild.{CHECKPOINTS})"
        )
    else:
        connection.execute(f'DELETE FROM main."{name}"')
    connection.execute(f'INSERT INTO main."{name}" ({listed}) SELECT {chosen} FROM rebuild."{name}" s')


class SqliteShadows:
    """Shadow read models of a SQLite read database, as a file beside it."""

    def __init__(self, url: str, *, busy_timeout: float) -> None:
        self._url = make_url(url)
        self._busy_timeout = busy_timeout
        database = self._url.database
        if not database or database == ":memory:":
            raise ValueError("a rebuild beside the served read model needs a SQLite file")
        self._live_path = database
        self.path = Path(database + SQLITE_SHADOW_SUFFIX)

    async def open(self, *, fresh: bool) -> SqliteShadow:
        if fresh:
            _remove_sqlite_files(self.path)
        if self.path.exists():
            shadow = self._database(self.path)
            try:
                current = await _sqlite_current(shadow.writer)
            finally:
                await shadow.dispose()
            if not current:
                _remove_sqlite_files(self.path)  # a shadow of older code: made anew
        if not self.path.exists():
            await self._make()
        return SqliteShadow(self._live_path, self._database(self.path), self.path, self._busy_timeout)

    async def _make(self) -> None:
        """Migrated and given the kept tables under a temporary name, then renamed: a shadow
        file that exists is whole."""
        making = Path(f"{self.path}.making")
        _remove_sqlite_files(making)
        database = self._database(making)
        try:
            await upgrade(database.writer, "read")
        finally:
            await database.dispose()  # the last connection closing folds the WAL into the file
        try:
            await asyncio.to_thread(self._snapshot_kept, making)
            await asyncio.to_thread(making.replace, self.path)
        finally:
            _remove_sqlite_files(making)

    def _database(self, path: Path) -> Database:
        url = self._url.set(database=str(path)).render_as_string(hide_password=False)
        return open_database(url, busy_timeout=self._busy_timeout, pool_size=1)

    def _snapshot_kept(self, path: Path) -> None:
        """The kept tables as they are now: what the shadow's projection reads of them (the view
        counts a re-created comment starts from). The switch takes the live ones again. A
        deferred transaction, so the live file is only read."""
        connection = sqlite3.connect(str(path), timeout=self._busy_timeout, isolation_level=None)
        try:
            connection.execute("ATTACH DATABASE ? AS live", (self._live_path,))
            connection.execute("BEGIN")
            for name in KEPT:
                connection.execute(f"INSERT INTO main.{name} SELECT * FROM live.{name}")
            connection.execute("COMMIT")
        finally:
            connection.close()


async def _sqlite_current(engine: AsyncEngine) -> bool:
    async with engine.connect() as connection:
        found = (
            await connection.exec_driver_sql(
                f"SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '{VERSION_TABLE}'"
            )
        ).first()
    return found is not None and await is_current(engine, "read")


def _remove_sqlite_files(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        with contextlib.suppress(FileNotFoundError):
            Path(f"{path}{suffix}").unlink()


def shadow_read_models(
    live: AsyncEngine, url: str, *, busy_timeout: float
) -> PostgresShadows | SqliteShadows:
    """The shadows of the read database at ``url``, served through ``live`` (its writer)."""
    if url.startswith("sqlite"):
        return SqliteShadows(url, busy_timeout=busy_timeout)
    return PostgresShadows(live, url)
