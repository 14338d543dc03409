"""Alembic migrations for both databases, run programmatically (no alembic.ini to ship).

Each database has its own script folder and version table, so write and read may share one
SQLite file or live apart.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

Kind = Literal["write", "read"]
_HERE = Path(__file__).parent / "migrations"


def alembic_config(kind: Kind) -> Config:
    config = Config()
    config.set_main_option("script_location", str(_HERE / kind))
    return config


async def upgrade(engine: AsyncEngine, kind: Kind) -> None:
    async with engine.begin() as connection:
        await upgrade_in(connection, kind)


async def upgrade_in(connection: AsyncConnection, kind: Kind) -> None:
    """Migrate inside the caller's transaction, so more can commit (or not) with it."""

    def run(sync: Connection) -> None:
        config = alembic_config(kind)
        config.attributes["connection"] = sync
        command.upgrade(config, "head")

    await connection.run_sync(run)


async def is_current(engine: AsyncEngine, kind: Kind) -> bool:
    """Whether the database's schema is at this code's head: the service refuses to start if not."""

    def check(connection: Connection) -> bool:
        context = MigrationContext.configure(connection, opts={"version_table": f"alembic_version_{kind}"})
        heads = set(ScriptDirectory.from_config(alembic_config(kind)).get_heads())
        return set(context.get_current_heads()) == heads

    async with engine.connect() as connection:
        return await connection.run_sync(check)
