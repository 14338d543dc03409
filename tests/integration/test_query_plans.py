"""The read path's cost follows the page, not the data: EXPLAIN ANALYZE on a table of 300,000
comments shows index range scans whose buffer count does not grow with the thread."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

import orjson
import pytest
from asyncpg.connection import LoggedQuery
from sqlalchemy import event

from tests.backends import PostgresTemplates, drop_redis_keys, postgres_settings, require_servers
from threadline.application.ports.query import PageKey
from threadline.bootstrap import Threadline, build

TENANT = "tenant-plans"
THREADS = {"small": 100, "medium": 10_000, "large": 100_000}
TOTAL_ROWS = 300_000


@pytest.fixture
async def crowded(postgres_templates: PostgresTemplates | None) -> AsyncIterator[Threadline]:
    require_servers()
    assert postgres_templates is not None
    write, read = await postgres_templates.acquire()
    prefix = f"threadline-test:{uuid.uuid4().hex[:12]}:"
    container = build(postgres_settings(write, read, prefix, statement_timeout_ms=0))
    try:
        await fill(container)
        yield container
    finally:
        await container.stop()
        await postgres_templates.release((write, read))
        await drop_redis_keys(prefix)


async def fill(container: Threadline) -> None:
    """Three threads of 100, 10,000 and 100,000 comments among 300,000; every fifth comment of
    a thread is a reply to the one before it."""
    small, medium, large = THREADS["small"], THREADS["medium"], THREADS["large"]
    async with container.read_db.writer.begin() as connection:
        await connection.exec_driver_sql(
            f"""
            INSERT INTO comment_view (
                tenant_id, id, entity_type, entity_id, parent_id, depth, path, created_seq, owner_id,
                author_id, author_name, author_avatar, author_role, content, content_html, content_format,
                status, visible, is_pinned, is_edited, like_count, reply_count, view_count,
                created_at, updated_at, edited_at)
            SELECT '{TENANT}', 'c' || g, 'post', thread,
                   CASE WHEN g % 5 = 0 THEN 'c' || (g - 1) END, CASE WHEN g % 5 = 0 THEN 1 ELSE 0 END,
                   'c' || g, g, 'u' || (g % 997), 'u' || (g % 997), 'User', NULL, 'user',
                   'comment ' || g, '<p>comment ' || g || '</p>', 'plain', 'ACTIVE', true, g % 1000 = 1,
                   false, (g::bigint * 7919) % 100, CASE WHEN g % 5 = 4 THEN 1 ELSE 0 END, 0,
                   '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z', NULL
            FROM (
                SELECT g, CASE
                    WHEN g <= {small} THEN 'small'
                    WHEN g <= {small + medium} THEN 'medium'
                    WHEN g <= {small + medium + large} THEN 'large'
                    ELSE 'filler-' || (g % 1000) END AS thread
                FROM generate_series(1, {TOTAL_ROWS}) AS g
            ) AS numbered
            """
        )
        await connection.exec_driver_sql(
            "INSERT INTO entity_stats SELECT tenant_id, entity_type, entity_id, count(*),"
            " count(*) FILTER (WHERE parent_id IS NULL) FROM comment_view GROUP BY 1, 2, 3"
        )
        await connection.exec_driver_sql(
            f"INSERT INTO comment_view_likes SELECT '{TENANT}', 'u1', id FROM comment_view"
            " WHERE created_seq % 3 = 0"
        )
    async with container.read_db.writer.connect() as connection:
        await connection.execution_options(isolation_level="AUTOCOMMIT")
        await connection.exec_driver_sql("VACUUM ANALYZE")


class StatementLog:
    """Every statement the query side sends on the read database's connections, with its
    arguments: the reader runs its statements on the raw asyncpg connection, so they are logged
    there (asyncpg's query logger), on each connection the pool hands out."""

    def __init__(self, container: Threadline) -> None:
        self.statements: list[tuple[str, Any]] = []
        self._logged: set[int] = set()
        engine = container.read_db.reader.sync_engine

        def capture(record: LoggedQuery) -> None:
            if not record.query.lstrip().upper().startswith("EXPLAIN"):
                self.statements.append((record.query, record.args))

        @event.listens_for(engine, "checkout")
        def log_queries(dbapi_connection: Any, record: Any, proxy: Any) -> None:
            raw = dbapi_connection.driver_connection
            if id(raw) not in self._logged:
                self._logged.add(id(raw))
                raw.add_query_logger(capture)

    async def taken(self) -> list[tuple[str, Any]]:
        await asyncio.sleep(0.05)  # the loggers are called soon after each query, not during it
        taken, self.statements = self.statements, []
        return taken


async def explain(container: Threadline, statement: str, parameters: Any) -> dict[str, Any]:
    async with container.read_db.reader.connect() as connection:
        raw = (await connection.get_raw_connection()).driver_connection
        assert raw is not None
        plan = await raw.fetchval("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + statement, *parameters)
    document = orjson.loads(plan) if isinstance(plan, str | bytes) else plan
    return dict(document[0]["Plan"])


def nodes(plan: dict[str, Any]) -> list[dict[str, Any]]:
    found = [plan]
    for child in plan.get("Plans", []):
        found.extend(nodes(child))
    return found


def buffers(plan: dict[str, Any]) -> int:
    return int(plan.get("Shared Hit Blocks", 0)) + int(plan.get("Shared Read Blocks", 0))


async def first_page_plans(container: Threadline, thread: str, log: StatementLog) -> list[dict[str, Any]]:
    await log.taken()
    roots = await container.reader.page(TENANT, "post", thread, None, "newest", None, 0, 21)
    await container.reader.page(TENANT, "post", thread, None, "popular", None, 0, 21)
    await container.reader.children(TENANT, "post", thread, [r.id for r in roots[:20]], 5)
    await container.reader.thread_summary(TENANT, "post", thread)
    await container.reader.by_id(TENANT, roots[0].id)
    await container.reader.liked_among(TENANT, "u1", [r.id for r in roots])
    statements = await log.taken()
    assert len(statements) == 6  # one statement each, whatever the number of parents or ids
    return [await explain(container, statement, params) for statement, params in statements]


# A page's statements may sort what they return (a page's roots, or its replies in order), never
# what they read through: at most a page of 21 roots or 20 x 5 replies, however large the thread.
PAGE_ROWS = 21 * 5


def sorts_more_than_a_page(plan: dict[str, Any]) -> bool:
    return any(node["Node Type"] == "Sort" and node["Actual Rows"] > PAGE_ROWS for node in nodes(plan))


@pytest.mark.slow
async def test_page_queries_use_indexes_and_cost_the_same_for_any_thread_size(crowded: Threadline) -> None:
    log = StatementLog(crowded)
    costs: dict[str, int] = {}
    for thread in THREADS:
        plans = await first_page_plans(crowded, thread, log)
        for plan in plans:
            kinds = {node["Node Type"] for node in nodes(plan)}
            # Read in index order: no scan of the table, no sort of the thread.
            assert not kinds & {"Seq Scan", "Bitmap Heap Scan"}, (thread, kinds)
            assert not sorts_more_than_a_page(plan), (thread, plan)
        costs[thread] = sum(buffers(plan) for plan in plans)
    assert costs["large"] <= costs["small"] * 1.5 + 20, costs

    # Page 500 of the large thread by cursor costs what page 1 costs.
    last_of_page_499 = await crowded.reader.page(
        TENANT, "post", "large", None, "newest", None, 499 * 20 - 1, 1
    )
    key = PageKey(False, last_of_page_499[0].like_count, last_of_page_499[0].created_seq)
    await log.taken()
    await crowded.reader.page(TENANT, "post", "large", None, "newest", key, 0, 21)
    deep = [await explain(crowded, statement, params) for statement, params in await log.taken()]
    await crowded.reader.page(TENANT, "post", "large", None, "newest", None, 0, 21)
    shallow = [await explain(crowded, statement, params) for statement, params in await log.taken()]
    assert deep and shallow
    assert sum(map(buffers, deep)) <= sum(map(buffers, shallow)) * 1.5 + 10
