"""The implementations a contract runs against, built the way the service builds them.

Each fixture gives a fresh, migrated store per test: ``sqlite_threadline`` a SQLite file (the
embedded default), ``postgres_threadline`` a PostgreSQL write and read database cloned from the
session's migrated templates plus a Redis key prefix of its own (the production shape), and
``redis_space`` a Redis client and prefix for the cache, counter and bus adapters. Under
``CI=true`` a missing server fails the test (``require_servers``); elsewhere it is skipped.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from redis.asyncio import Redis

from tests.backends import (
    REDIS_URL,
    PostgresTemplates,
    SqliteTemplate,
    drop_redis_keys,
    postgres_settings,
    require_servers,
)
from tests.contracts.redis_space import RedisSpace
from threadline.bootstrap import Threadline, build
from threadline.settings import Settings


@pytest.fixture
async def sqlite_threadline(tmp_path: Path, sqlite_template: SqliteTemplate) -> AsyncIterator[Threadline]:
    threadline = build(Settings(database_url=sqlite_template.copy_to(tmp_path), run_projector=False))
    await threadline.migrate()
    try:
        yield threadline
    finally:
        await threadline.stop()


@pytest.fixture
async def postgres_threadline(postgres_templates: PostgresTemplates | None) -> AsyncIterator[Threadline]:
    require_servers()
    assert postgres_templates is not None
    databases = await postgres_templates.acquire()
    prefix = f"threadline-test:{uuid.uuid4().hex[:12]}:"
    threadline = build(postgres_settings(*databases, prefix))
    try:
        yield threadline
    finally:
        await threadline.stop()
        await postgres_templates.release(databases)
        await drop_redis_keys(prefix)


@pytest.fixture
async def redis_space() -> AsyncIterator[RedisSpace]:
    require_servers()
    prefix = f"threadline-test:{uuid.uuid4().hex[:12]}:"
    client = Redis.from_url(REDIS_URL)
    try:
        yield RedisSpace(client, prefix)
    finally:
        await client.aclose()
        await drop_redis_keys(prefix)
