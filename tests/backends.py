"""The storage backends every storage, cache and API test runs on.

* ``sqlite``: the embedded default (a SQLite file, in-process bus, in-memory cache).
* ``postgres``: PostgreSQL with the read model in a second database, plus Redis for cache,
  fan-out and view counts: the production shape.

Each PostgreSQL test gets two fresh databases cloned from migrated templates (fast), and a Redis
key prefix of its own; both are removed afterwards. Under ``CI=true`` a missing server fails
the test; elsewhere it is skipped with the reason.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import asyncpg
import pytest
from redis.asyncio import Redis

from threadline.bootstrap import build
from threadline.settings import Settings

POSTGRES_ADMIN = os.environ.get("THREADLINE_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("THREADLINE_TEST_REDIS", "redis://127.0.0.1:6379/0")
NATS_URL = os.environ.get("THREADLINE_TEST_NATS", "nats://127.0.0.1:4222")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
START_HINTS = {
    "PostgreSQL": "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start",
    "Redis": "redis-server --daemonize yes --port 6379 --save '' --appendonly no",
    "NATS": "start-stop-daemon --start --oknodo --background --exec /usr/sbin/nats-server -- -a 127.0.0.1"
    " -p 4222 -js -sd /var/lib/nats-server -l /var/log/nats-server.log",
}


def _reachable(url: str, default_port: int) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or default_port), timeout=1):
            return True
    except OSError:
        return False


def require_nats() -> None:
    """The relay's tests, on either backend, need NATS with JetStream: as for the other servers."""
    _require([("NATS", NATS_URL, 4222)])


def require_servers() -> None:
    _require([("PostgreSQL", POSTGRES_ADMIN, 5432), ("Redis", REDIS_URL, 6379)])


def _require(servers: list[tuple[str, str, int]]) -> None:
    for name, url, port in servers:
        if not _reachable(url, port):
            message = f"{name} is not reachable at {url}; start it with: {START_HINTS[name]}"
            if IN_CI:
                pytest.fail(message)
            pytest.skip(message)


def _asyncpg_dsn(database: str) -> str:
    parts = urlsplit(POSTGRES_ADMIN)
    return parts._replace(path=f"/{database}").geturl()


def sqlalchemy_url(database: str) -> str:
    return _asyncpg_dsn(database).replace("postgresql://", "postgresql+asyncpg://", 1)


async def _admin(sql: str) -> None:
    connection = await asyncpg.connect(POSTGRES_ADMIN)
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


@dataclass
class PostgresTemplates:
    """A migrated write and read database per test session, cloned for each test."""

    write: str
    read: str
    created: list[tuple[str, str]] = field(default_factory=list)
    spare: list[tuple[str, str]] = field(default_factory=list)

    @classmethod
    def create(cls) -> PostgresTemplates:
        suffix = uuid.uuid4().hex[:10]
        templates = cls(f"threadline_tpl_{suffix}_w", f"threadline_tpl_{suffix}_r")

        async def setup() -> None:
            for name in (templates.write, templates.read):
                await _admin(f'CREATE DATABASE "{name}"')
            container = build(
                Settings(
                    database_url=sqlalchemy_url(templates.write),
                    read_database_url=sqlalchemy_url(templates.read),
                    run_projector=False,
                )
            )
            try:
                await container.migrate()
            finally:
                await container.stop()

        asyncio.run(setup())
        return templates

    def drop(self) -> None:
        async def teardown() -> None:
            for name in (self.write, self.read, *(n for pair in self.created for n in pair)):
                await _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

        asyncio.run(teardown())

    async def clone(self) -> tuple[str, str]:
        suffix = uuid.uuid4().hex[:12]
        names = (f"threadline_test_{suffix}_w", f"threadline_test_{suffix}_r")
        for name, template in zip(names, (self.write, self.read), strict=True):
            await _admin(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        self.created.append(names)
        return names

    async def acquire(self) -> tuple[str, str]:
        """A pair of empty, migrated databases: a recycled one when there is one (cloning a
        database costs ~0.6 s, emptying one ~0.05 s)."""
        return self.spare.pop() if self.spare else await self.clone()

    async def release(self, names: tuple[str, str]) -> None:
        try:
            for name in names:
                await _empty(name)
        except (asyncpg.PostgresError, OSError):
            return  # something still holds it: leave it for the final drop
        self.spare.append(names)


async def _empty(database: str) -> None:
    """Every table emptied and every sequence restarted, as a fresh clone would be. A test leaves
    a few rows, and ``DELETE`` of a few rows costs a quarter of ``TRUNCATE``, which replaces every
    table's files (~0.13 s a pair of databases, paid by every PostgreSQL test)."""
    connection = await asyncpg.connect(_asyncpg_dsn(database))
    try:
        await connection.execute("SET lock_timeout = '2s'")
        # A rebuild a test left half done keeps its shadow schema: gone, as in a fresh clone.
        await connection.execute("DROP SCHEMA IF EXISTS threadline_rebuild CASCADE")
        await connection.execute("DROP SCHEMA IF EXISTS threadline_retired CASCADE")
        tables = await connection.fetch(
            "SELECT tablename FROM pg_tables"
            " WHERE schemaname = 'public' AND tablename NOT LIKE 'alembic_version%'"
        )
        sequences = await connection.fetch(
            "SELECT sequencename FROM pg_sequences WHERE schemaname = 'public'"
        )
        async with connection.transaction():
            # Foreign keys are not checked while emptying: every table goes, in any order.
            await connection.execute("SET LOCAL session_replication_role = replica")
            for row in tables:
                await connection.execute(f'DELETE FROM "{row["tablename"]}"')
            for row in sequences:
                await connection.execute(f'ALTER SEQUENCE "{row["sequencename"]}" RESTART')
    finally:
        await connection.close()


@dataclass
class SqliteTemplate:
    """One migrated SQLite file per test session, copied for each test: a copy costs a
    millisecond, running the migrations ~0.1 s, paid by every embedded-default test."""

    path: Path

    @classmethod
    def create(cls, directory: Path) -> SqliteTemplate:
        path = directory / "template.db"

        async def setup() -> None:
            container = build(Settings(database_url=f"sqlite+aiosqlite:///{path}", run_projector=False))
            try:
                await container.migrate()
            finally:
                await container.stop()  # the last connection closes: the WAL is folded into the file

        asyncio.run(setup())
        return cls(path)

    def copy_to(self, directory: Path) -> str:
        """A fresh, migrated database in ``directory``: its SQLAlchemy URL."""
        target = directory / "threadline.db"
        shutil.copyfile(self.path, target)
        return f"sqlite+aiosqlite:///{target}"


async def drop_databases(names: tuple[str, ...]) -> None:
    for name in names:
        await _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def drop_redis_keys(prefix: str) -> None:
    client = Redis.from_url(REDIS_URL)
    try:
        keys = [key async for key in client.scan_iter(match=f"{prefix}*", count=1000)]
        if keys:
            await client.delete(*keys)
    finally:
        await client.aclose()


def postgres_settings(write: str, read: str, prefix: str, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "database_url": sqlalchemy_url(write),
        "read_database_url": sqlalchemy_url(read),
        "redis_url": REDIS_URL,
        "redis_prefix": prefix,
        "run_projector": False,
        "database_pool_size": 20,
        "database_max_overflow": 20,
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


def session_templates() -> Iterator[PostgresTemplates | None]:
    """Yields templates when the servers are up (None otherwise, and tests decide to skip)."""
    if not (_reachable(POSTGRES_ADMIN, 5432) and _reachable(REDIS_URL, 6379)):
        yield None
        return
    templates = PostgresTemplates.create()
    try:
        yield templates
    finally:
        templates.drop()
