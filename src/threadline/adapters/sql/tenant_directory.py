"""Tenants and their signing secrets, in the write database."""

from __future__ import annotations

import secrets
import uuid

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from threadline.adapters.sql.schema import tenants
from threadline.application.command_runner import utc_now
from threadline.domain.errors import InvalidCommand
from threadline.domain.tenant import Tenant


class SqlTenantDirectory:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def _one(self, condition: sa.ColumnElement[bool]) -> Tenant | None:
        async with self._engine.connect() as connection:
            row = (await connection.execute(sa.select(tenants).where(condition))).first()
        return Tenant(row.id, row.name, row.secret, row.created_at) if row else None

    async def get(self, tenant_id: str) -> Tenant | None:
        return await self._one(tenants.c.id == tenant_id)

    async def by_name(self, name: str) -> Tenant | None:
        return await self._one(tenants.c.name == name)

    async def create(self, name: str) -> Tenant:
        name = name.strip()
        if not 1 <= len(name) <= 200:
            raise InvalidCommand("tenant name must be 1-200 characters", field="name")
        tenant = Tenant(str(uuid.uuid4()), name, secrets.token_urlsafe(48), utc_now())
        try:
            async with self._engine.begin() as connection:
                await connection.execute(
                    tenants.insert().values(
                        id=tenant.id, name=tenant.name, secret=tenant.secret, created_at=tenant.created_at
                    )
                )
        except IntegrityError:
            raise InvalidCommand(f"a tenant named {name!r} already exists", field="name") from None
        return tenant
