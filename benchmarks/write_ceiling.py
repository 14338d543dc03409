"""The write ceiling: the create transaction of ``create_comment`` issued by a bare loop on the raw
driver (sqlite3 / asyncpg), one command per transaction, against the benchmark's own database.

The statements are the ones a root create runs — the id looked up (idempotency), the author's
ban and the thread's lock looked up, the comment inserted, its event appended (on PostgreSQL
with the log's advisory lock inside the insert, as ``adapters/sql/event_log.py`` does) — and
the rows are the ones the application writes (built by the domain and the SQL adapters' row
functions before the clock starts). What is left out is everything Python does around them:
HTTP, authentication, the framework, SQLAlchemy. Creates through HTTP are reported as a
fraction of this, measured in the same run.

SQLite has one writer whatever the concurrency (the embedded default's callers share one writer
connection too), so its ceiling is one connection in a bare loop; PostgreSQL's is
``concurrency`` connections, each a loop of its own.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
import uuid
from typing import Any

import asyncpg
import orjson

from threadline.adapters.sql.comment_store import comment_row
from threadline.adapters.sql.event_log import LOG_LOCK_KEY, event_rows
from threadline.domain.clock import utc_now
from threadline.domain.commands import CreateComment
from threadline.domain.comment import Comment, create_fingerprint
from threadline.domain.events import EventMetadata
from threadline.domain.identity import Actor, Role

ENTITIES = 100


def _rows(tenant_id: str, count: int) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """``count`` (comment row, event row) pairs, as the create handler would write them."""
    out = []
    now = utc_now()
    for i in range(count):
        actor = Actor(tenant_id, f"ceiling-user-{i % 50}", "Ceiling", None, Role.USER)
        command = CreateComment(str(uuid.uuid4()), "post", f"ceiling-{i % ENTITIES}", f"ceiling comment {i}")
        comment, change = Comment.create(
            command,
            actor,
            parent=None,
            max_depth=10,
            fingerprint=create_fingerprint(tenant_id, actor.user_id, command),
            pending=False,
            now=now,
        )
        metadata = EventMetadata(actor.user_id, actor.role.value, str(uuid.uuid4()), str(uuid.uuid4()))
        (event,) = event_rows(tenant_id, [change], metadata, now)
        row = comment_row(comment)
        row["is_pinned"] = int(bool(row["is_pinned"]))
        out.append((row, event))
    return out


def _insert(table: str, names: list[str], marks: list[str], conflict: str) -> str:
    return f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join(marks)}) {conflict}"


def _budget(seconds: float) -> int:
    """Rows built before the clock starts: more than the loop can use in ``seconds``."""
    return int(min(150_000, seconds * 8_000))


def sqlite_ceiling(path: str, tenant_id: str, seconds: float) -> float:
    rows = _rows(tenant_id, _budget(seconds))
    comment_names, event_names = list(rows[0][0]), list(rows[0][1])
    insert_comment = _insert("comments", comment_names, ["?"] * len(comment_names), "ON CONFLICT DO NOTHING")
    insert_event = _insert("events", event_names, ["?"] * len(event_names), "RETURNING position")
    connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    connection.execute("PRAGMA busy_timeout=30000")
    done, deadline = 0, time.perf_counter() + seconds
    started = time.perf_counter()
    try:
        while done < len(rows) and time.perf_counter() < deadline:
            comment, event = rows[done]
            connection.execute("BEGIN IMMEDIATE")
            connection.execute(
                "SELECT * FROM comments WHERE tenant_id = ? AND id = ?", (tenant_id, comment["id"])
            ).fetchall()
            connection.execute(
                "SELECT * FROM user_bans WHERE tenant_id = ? AND user_id = ?",
                (tenant_id, comment["author_id"]),
            ).fetchall()
            connection.execute(
                "SELECT * FROM thread_locks WHERE tenant_id = ? AND entity_type = ? AND entity_id = ?",
                (tenant_id, comment["entity_type"], comment["entity_id"]),
            ).fetchall()
            connection.execute(insert_comment, list(comment.values()))
            values = [
                orjson.dumps(v).decode() if k in ("payload", "metadata") else v for k, v in event.items()
            ]
            connection.execute(insert_event, values).fetchall()
            connection.execute("COMMIT")
            done += 1
    finally:
        connection.close()
    return done / (time.perf_counter() - started)


async def _postgres(dsn: str, tenant_id: str, seconds: float, concurrency: int) -> float:
    rows = _rows(tenant_id, _budget(seconds))
    comment_names, event_names = list(rows[0][0]), list(rows[0][1])
    comment_marks = [f"${i}" for i in range(1, len(comment_names) + 1)]
    insert_comment = _insert("comments", comment_names, comment_marks, "ON CONFLICT DO NOTHING")
    event_marks = [
        f"${i}::jsonb" if name in ("payload", "metadata") else f"${i}"
        for i, name in enumerate(event_names, 1)
    ]
    insert_event = (
        f"INSERT INTO events ({', '.join(event_names)}) SELECT {', '.join(event_marks)} "
        f"FROM (SELECT pg_advisory_xact_lock({LOG_LOCK_KEY})) AS log_lock RETURNING position"
    )
    pool = await asyncpg.create_pool(dsn, min_size=concurrency, max_size=concurrency)
    assert pool is not None
    queue = iter(rows)
    done = 0
    deadline = time.perf_counter() + seconds

    async def loop() -> None:
        nonlocal done
        async with pool.acquire() as connection:
            for comment, event in queue:
                if time.perf_counter() >= deadline:
                    return
                async with connection.transaction():
                    await connection.fetch(
                        "SELECT * FROM comments WHERE tenant_id = $1 AND id = $2", tenant_id, comment["id"]
                    )
                    await connection.fetch(
                        "SELECT * FROM user_bans WHERE tenant_id = $1 AND user_id = $2",
                        tenant_id,
                        comment["author_id"],
                    )
                    await connection.fetch(
                        "SELECT * FROM thread_locks"
                        " WHERE tenant_id = $1 AND entity_type = $2 AND entity_id = $3",
                        tenant_id,
                        comment["entity_type"],
                        comment["entity_id"],
                    )
                    values = dict(comment, is_pinned=bool(comment["is_pinned"]))
                    await connection.execute(insert_comment, *values.values())
                    await connection.fetch(
                        insert_event,
                        *[
                            orjson.dumps(v).decode() if k in ("payload", "metadata") else v
                            for k, v in event.items()
                        ],
                    )
                done += 1

    started = time.perf_counter()
    try:
        await asyncio.gather(*(loop() for _ in range(concurrency)))
    finally:
        await pool.close()
    return done / (time.perf_counter() - started)


def postgres_ceiling(dsn: str, tenant_id: str, seconds: float, concurrency: int) -> float:
    return asyncio.run(_postgres(dsn, tenant_id, seconds, concurrency))
