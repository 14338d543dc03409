"""Alembic environment for the write database; run through `threadline migrate`."""

from __future__ import annotations

from alembic import context

from threadline.adapters.sql.schema import write_metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=write_metadata,
    version_table="alembic_version_write",
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
