"""Read revision 0007 carries the search index over to its bounded layout: a comment indexed
before the migration is found after it, in its tenant only, and new comments index beside it."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.backends import POSTGRES_ADMIN, drop_databases, require_servers, sqlalchemy_url
from tests.contracts.read_model_probe import view_row
from threadline.adapters.sql.engine import open_database
from threadline.adapters.sql.schema import comment_view
from threadline.adapters.sql.schema_migrations import alembic_config, upgrade
from threadline.adapters.sql.search_index import SearchIndexWriter, search_fts5, search_postgres
from threadline.domain.search_query import SearchWindow, parse_search_query


@pytest.fixture(params=["sqlite", "postgres"])
async def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'before.db'}"
        return
    require_servers()
    name = f"threadline_search_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(POSTGRES_ADMIN)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    try:
        yield sqlalchemy_url(name)
    finally:
        await drop_databases((name,))


async def upgrade_read_to(engine: AsyncEngine, revision: str) -> None:
    def run(connection: sa.Connection) -> None:
        config = alembic_config("read")
        config.attributes["connection"] = connection
        command.upgrade(config, revision)

    async with engine.begin() as connection:
        await connection.run_sync(run)


OLD_ROW = {
    "sqlite": "INSERT INTO comment_search"
    " (content, tenant_key, tenant_id, comment_id, entity_type, entity_id)"
    " VALUES (:content, 't' || :tenant_id, :tenant_id, :comment_id, 'post', 'p1')",
    "postgresql": "INSERT INTO comment_search"
    " (tenant_id, comment_id, entity_type, entity_id, config, content, document)"
    " VALUES (:tenant_id, :comment_id, 'post', 'p1', 'simple', :content, to_tsvector('simple', :content))",
}


async def found(engine: AsyncEngine, tenant_id: str, q: str) -> tuple[list[str], SearchWindow]:
    async with engine.connect() as connection:
        run = search_fts5 if connection.dialect.name == "sqlite" else search_postgres
        hits, window = await run(
            connection, tenant_id, parse_search_query(q), entity_type=None, entity_id=None, limit=10, offset=0
        )
    return [hit.comment_id for hit in hits], window


async def test_comments_indexed_before_the_migration_are_found_after_it(empty_database: str) -> None:
    database = open_database(empty_database)
    engine = database.writer
    try:
        await upgrade_read_to(engine, "0005")
        async with engine.begin() as connection:
            for tenant_id, comment_id, seq in (("acme", "old-1", 1), ("globex", "old-2", 2)):
                await connection.execute(
                    comment_view.insert().values(view_row(tenant_id, comment_id, seq=seq))
                )
                params = {"tenant_id": tenant_id, "comment_id": comment_id, "content": "walrus on ice"}
                await connection.execute(sa.text(OLD_ROW[connection.dialect.name]), params)
        await upgrade(engine, "read")
        async with engine.begin() as connection:
            await connection.execute(comment_view.insert().values(view_row("acme", "new-1", seq=3)))
            writer = SearchIndexWriter.for_dialect(connection)
            await writer.add(connection, "acme", "new-1", "post", "p1", "a walrus again")

        acme, window = await found(engine, "acme", "walrus")
        assert sorted(acme) == ["new-1", "old-1"] and window == SearchWindow(2, False)
        assert await found(engine, "globex", "walrus") == (["old-2"], SearchWindow(1, False))
        assert (await found(engine, "globex", "again"))[0] == []
    finally:
        await database.dispose()
