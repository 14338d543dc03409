"""The SQLAlchemy tables the adapters query are the tables the migrations build.

Each database (write and read) is migrated from nothing, on SQLite and on PostgreSQL, and
Alembic's ``compare_metadata`` must find no difference from ``schema.py``: no missing or extra
table, column, index or unique constraint, no differing type, nullability or server default.
Without this, a column added to the metadata but not to a migration works in every test that
builds tables from the metadata and fails on the first deployed database.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import asyncpg
import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from tests.backends import POSTGRES_ADMIN, drop_databases, require_servers, sqlalchemy_url
from threadline.adapters.sql.engine import open_database
from threadline.adapters.sql.schema import read_metadata, write_metadata
from threadline.adapters.sql.schema_migrations import Kind, upgrade

METADATA = {"write": write_metadata, "read": read_metadata}

# Tables the read migrations create in raw SQL on purpose, which the metadata describes only as a
# column list for queries (``schema.comment_search``), so the comparison cannot see them:
# * ``comment_search``: on SQLite an FTS5 virtual table; on PostgreSQL a table with ``regconfig``
#   and ``tsvector`` columns and a GIN index over (tenant_id, document), needing ``btree_gin``.
# * ``comment_search_{config,content,data,docsize,idx}``: the shadow tables SQLite creates for
#   the FTS5 table itself.
RAW_SQL_TABLES = {"comment_search"}
FTS5_SHADOW_TABLES = {f"comment_search_{part}" for part in ("config", "content", "data", "docsize", "idx")}


def _include_name(name: str | None, type_: str, parent_names: Any) -> bool:
    if type_ == "table":
        return name not in RAW_SQL_TABLES | FTS5_SHADOW_TABLES
    if type_ == "index":
        return parent_names.get("table_name") not in RAW_SQL_TABLES
    return True


def _compare_server_default(
    context: MigrationContext,
    inspected_column: sa.Column[Any],
    metadata_column: sa.Column[Any],
    inspected_default: str | None,
    metadata_default: Any,
    rendered_metadata_default: str | None,
) -> bool | None:
    """One known false positive: SQLite reflects the parent key's ``DEFAULT ''`` (a root comment)
    as the text ``('')``, which Alembic's SQLite comparison takes for a different default than the
    metadata's ``server_default=""``, although both are the empty string. Every other default
    goes through Alembic's own comparison (``None``)."""
    empty_both = inspected_default == "('')" and rendered_metadata_default == ""
    if context.dialect.name == "sqlite" and empty_both:
        return False
    return None


def _differences(kind: Kind) -> Callable[[sa.Connection], list[Any]]:
    def compare(connection: sa.Connection) -> list[Any]:
        context = MigrationContext.configure(
            connection,
            opts={
                "version_table": f"alembic_version_{kind}",
                "compare_type": True,
                "compare_server_default": _compare_server_default,
                "include_name": _include_name,
            },
        )
        return list(compare_metadata(context, METADATA[kind]))

    return compare


@pytest.fixture(params=["sqlite", "postgres"])
async def fresh_database(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """The URL of an empty database: a new SQLite file, or a new PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}"
        return
    require_servers()
    name = f"threadline_drift_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(POSTGRES_ADMIN)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    try:
        yield sqlalchemy_url(name)
    finally:
        await drop_databases((name,))


@pytest.mark.parametrize("kind", ["write", "read"])
async def test_a_freshly_migrated_database_matches_the_metadata(fresh_database: str, kind: Kind) -> None:
    database = open_database(fresh_database)
    try:
        await upgrade(database.writer, kind)
        async with database.writer.connect() as connection:
            differences = await connection.run_sync(_differences(kind))
    finally:
        await database.dispose()
    assert differences == []


async def test_the_comparison_sees_drift(tmp_path: Path) -> None:
    """The check is not vacuous: a column the migrations never added is reported."""
    database = open_database(f"sqlite+aiosqlite:///{tmp_path / 'drift.db'}")
    drifted = sa.MetaData()
    for table in write_metadata.sorted_tables:
        table.to_metadata(drifted)
    drifted.tables["tenants"].append_column(sa.Column("nickname", sa.String(32)))
    try:
        await upgrade(database.writer, "write")

        def compare(connection: sa.Connection) -> list[Any]:
            context = MigrationContext.configure(connection, opts={"version_table": "alembic_version_write"})
            return list(compare_metadata(context, drifted))

        async with database.writer.connect() as connection:
            differences = await connection.run_sync(compare)
    finally:
        await database.dispose()
    assert [(d[0], d[2], d[3].name) for d in differences] == [("add_column", "tenants", "nickname")]
