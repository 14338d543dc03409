"""Alembic environment for the read database; run through `threadline migrate`."""

from __future__ import annotations

from alembic import context

from threadline.adapters.sql.schema import read_metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=read_metadata,
    version_table="alembic_version_read",
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
