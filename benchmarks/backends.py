"""The two backends a load run prepares: a fresh copy of the cached seed (a SQLite file, or
PostgreSQL databases cloned from a template), the environment of its processes, and its tokens."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass

from benchmarks.config import (
    DATA,
    POSTGRES,
    REDIS,
    REDIS_PREFIX,
    RESEED,
    TENANT,
    THREADLINE,
    console,
)
from benchmarks.seeding.plan import GROUPS, SEED_KEY, TOTAL_COMMENTS, seed_env


def base_env(**values: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("THREADLINE_")}
    # The limits stay on (their cost is part of every request), set high enough for one load
    # generator on one address to be a crowd rather than an abuser.
    generous = "1000000/minute"
    env.update(
        {
            "THREADLINE_RATE_LIMIT_READS_PER_ADDRESS": generous,
            "THREADLINE_RATE_LIMIT_READS_PER_USER": generous,
            "THREADLINE_RATE_LIMIT_WRITES_PER_ADDRESS": generous,
            "THREADLINE_RATE_LIMIT_WRITES_PER_USER": generous,
            **values,
        }
    )
    return env


@dataclass
class Backend:
    name: str
    workers: int
    env: dict[str, str]
    with_projector: bool
    write_db: str  # a SQLite file, or a PostgreSQL database name
    read_db: str


def prepare_sqlite() -> Backend:
    DATA.mkdir(exist_ok=True)
    pristine = DATA / f"seed-{SEED_KEY}.db"
    done = DATA / f"seed-{SEED_KEY}.done"
    if RESEED or not done.exists() or not pristine.exists():
        for path in DATA.glob(f"seed-{SEED_KEY}.db*"):
            path.unlink()
        done.unlink(missing_ok=True)
        seed_env(base_env(THREADLINE_DATABASE_URL=f"sqlite+aiosqlite:///{pristine}"))
        with contextlib.closing(sqlite3.connect(pristine)) as connection:
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        done.write_text(json.dumps([g.__dict__ for g in GROUPS]))
    else:
        console.print(f"reusing the SQLite seed {pristine.name} ({TOTAL_COMMENTS:,} comments)")
    work = DATA / "run.db"
    for path in DATA.glob("run.db*"):
        path.unlink()
    shutil.copyfile(pristine, work)
    url = f"sqlite+aiosqlite:///{work}"
    env = base_env(THREADLINE_DATABASE_URL=url)
    subprocess.run([THREADLINE, "migrate"], env=env, check=True)  # a seed older than the schema
    return Backend("sqlite", 1, env, False, str(work), str(work))


def psql(sql: str, database: str = "postgres") -> str:
    result = subprocess.run(
        ["psql", f"{POSTGRES}/{database}", "-XAtqc", sql], capture_output=True, text=True, check=True
    )
    return result.stdout.strip()


def analyze(databases: tuple[str, ...]) -> None:
    for name in databases:
        psql("ANALYZE", name)


def prepare_postgres() -> Backend:
    pristine = (f"threadline_bench_{SEED_KEY}_w", f"threadline_bench_{SEED_KEY}_r")
    work = ("threadline_bench_write", "threadline_bench_read")
    done = DATA / f"pg-{SEED_KEY}.done"
    url = POSTGRES.replace("postgresql://", "postgresql+asyncpg://", 1)
    existing = set(psql("SELECT datname FROM pg_database").split())
    if RESEED or not done.exists() or not set(pristine) <= existing:
        done.unlink(missing_ok=True)
        for name in pristine:
            psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            psql(f'CREATE DATABASE "{name}"')
        seed_env(
            base_env(
                THREADLINE_DATABASE_URL=f"{url}/{pristine[0]}",
                THREADLINE_READ_DATABASE_URL=f"{url}/{pristine[1]}",
            ),
            after_group=lambda: analyze(pristine),
        )
        for name in pristine:
            psql("VACUUM ANALYZE", name)
        DATA.mkdir(exist_ok=True)
        done.write_text(json.dumps([g.__dict__ for g in GROUPS]))
    else:
        console.print(
            f"reusing the PostgreSQL seed {pristine[0]}/{pristine[1]} ({TOTAL_COMMENTS:,} comments)"
        )
    for source, target in zip(pristine, work, strict=True):
        psql(f'DROP DATABASE IF EXISTS "{target}" WITH (FORCE)')
        psql(f'CREATE DATABASE "{target}" TEMPLATE "{source}"')
    flush_redis()
    env = base_env(
        THREADLINE_DATABASE_URL=f"{url}/{work[0]}",
        THREADLINE_READ_DATABASE_URL=f"{url}/{work[1]}",
        THREADLINE_REDIS_URL=REDIS,
        THREADLINE_REDIS_PREFIX=REDIS_PREFIX,
        THREADLINE_RUN_PROJECTOR="false",
    )
    subprocess.run([THREADLINE, "migrate"], env=env, check=True)  # a seed older than the schema
    return Backend(
        "postgres",
        2,
        env,
        True,
        work[0],
        work[1],
    )


def flush_redis() -> None:
    """Delete this suite's keys only."""
    from redis import Redis

    client = Redis.from_url(REDIS)
    try:
        keys = list(client.scan_iter(match=f"{REDIS_PREFIX}*", count=1000))
        for start_at in range(0, len(keys), 1000):
            client.delete(*keys[start_at : start_at + 1000])
    finally:
        client.close()


def tenant_and_tokens(backend: Backend) -> tuple[str, list[str]]:
    """The bench tenant's id and tokens of 100 users (line i: user-(i-1)), signed in-process."""
    from threadline.adapters.auth.jwt_tokens import issue_token
    from threadline.bootstrap import build
    from threadline.domain.identity import Role
    from threadline.settings import Settings

    async def work() -> tuple[str, list[str]]:
        saved = dict(os.environ)
        os.environ.update(backend.env)
        try:
            container = build(Settings(redis_url=None))
        finally:
            os.environ.clear()
            os.environ.update(saved)
        try:
            tenant = await container.tenants.by_name(TENANT)
            assert tenant is not None
            tokens = [
                issue_token(tenant, user_id=f"user-{i}", name=f"User {i}", role=Role.USER, ttl_seconds=86400)
                for i in range(100)
            ]
            return tenant.id, tokens
        finally:
            await container.stop()

    return asyncio.run(work())
