"""Tenants, their status and their signing keys, in the write database."""

from __future__ import annotations

import secrets
import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from threadline.adapters.sql.schema import tenant_keys, tenants
from threadline.domain.clock import utc_now
from threadline.domain.errors import InvalidCommand, TenantNotFound
from threadline.domain.tenant import KeyAlgorithm, SigningKey, Tenant, TenantSettings, TenantStatus


def new_secret() -> str:
    return secrets.token_urlsafe(48)


class SqlTenantDirectory:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def _load(self, condition: sa.ColumnElement[bool]) -> list[Tenant]:
        async with self._engine.connect() as connection:
            rows = (
                await connection.execute(sa.select(tenants).where(condition).order_by(tenants.c.name))
            ).all()
            if not rows:
                return []
            keys = (
                await connection.execute(
                    sa.select(tenant_keys)
                    .where(tenant_keys.c.tenant_id.in_([row.id for row in rows]))
                    .order_by(tenant_keys.c.created_at)
                )
            ).all()
        by_tenant: dict[str, list[SigningKey]] = {}
        for key in keys:
            by_tenant.setdefault(key.tenant_id, []).append(
                SigningKey(
                    key.key_id, KeyAlgorithm(key.algorithm), key.material, key.created_at, key.retired_at
                )
            )
        return [_tenant(row, tuple(by_tenant.get(row.id, ()))) for row in rows]

    async def get(self, tenant_id: str) -> Tenant | None:
        found = await self._load(tenants.c.id == tenant_id)
        return found[0] if found else None

    async def by_name(self, name: str) -> Tenant | None:
        found = await self._load(tenants.c.name == name)
        return found[0] if found else None

    async def all(self) -> list[Tenant]:
        return await self._load(sa.true())

    async def create(self, name: str) -> Tenant:
        name = name.strip()
        if not 1 <= len(name) <= 200 or not name.isprintable():
            raise InvalidCommand("tenant name must be 1-200 printable characters", field="name")
        tenant_id, secret, now = str(uuid.uuid4()), new_secret(), utc_now()
        try:
            async with self._engine.begin() as connection:
                await connection.execute(
                    tenants.insert().values(
                        id=tenant_id, name=name, secret=secret, created_at=now, status="ACTIVE"
                    )
                )
                await connection.execute(
                    tenant_keys.insert().values(
                        tenant_id=tenant_id, key_id="k1", algorithm="HS256", material=secret, created_at=now
                    )
                )
        except IntegrityError:
            raise InvalidCommand(f"a tenant named {name!r} already exists", field="name") from None
        created = await self.get(tenant_id)
        assert created is not None
        return created

    async def set_status(self, tenant_id: str, status: TenantStatus) -> Tenant:
        await self._update(tenant_id, status=status.value)
        return await self._existing(tenant_id)

    async def set_claims(self, tenant_id: str, issuer: str | None, audience: str | None) -> Tenant:
        await self._update(tenant_id, issuer=issuer, audience=audience)
        return await self._existing(tenant_id)

    async def add_key(
        self, tenant_id: str, algorithm: KeyAlgorithm, public_key: str | None = None
    ) -> tuple[Tenant, SigningKey]:
        """A new active key: a generated secret for HS256, the given PEM public key otherwise.
        Older keys stay valid until retired, so a rotation needs no downtime."""
        await self._existing(tenant_id)
        if algorithm is KeyAlgorithm.HS256:
            material = new_secret()
        elif public_key and "PRIVATE" not in public_key and "BEGIN PUBLIC KEY" in public_key:
            material = public_key.strip()
        else:
            raise InvalidCommand(f"{algorithm.value} keys need a PEM public key", field="public_key")
        key = SigningKey(f"k{secrets.token_hex(4)}", algorithm, material, utc_now())
        async with self._engine.begin() as connection:
            await connection.execute(
                tenant_keys.insert().values(
                    tenant_id=tenant_id,
                    key_id=key.key_id,
                    algorithm=key.algorithm.value,
                    material=key.material,
                    created_at=key.created_at,
                )
            )
        return await self._existing(tenant_id), key

    async def set_settings(self, tenant_id: str, settings: TenantSettings) -> Tenant:
        await self._update(tenant_id, settings=settings.to_json())
        return await self._existing(tenant_id)

    async def retire_key(self, tenant_id: str, key_id: str) -> Tenant:
        async with self._engine.begin() as connection:
            result = await connection.execute(
                tenant_keys.update()
                .where(
                    tenant_keys.c.tenant_id == tenant_id,
                    tenant_keys.c.key_id == key_id,
                    tenant_keys.c.retired_at.is_(None),
                )
                .values(retired_at=utc_now())
            )
        if not result.rowcount:
            raise InvalidCommand(f"no active key {key_id!r}", field="key_id")
        return await self._existing(tenant_id)

    async def _update(self, tenant_id: str, **values: Any) -> None:
        async with self._engine.begin() as connection:
            result = await connection.execute(
                tenants.update().where(tenants.c.id == tenant_id).values(**values)
            )
        if not result.rowcount:
            raise TenantNotFound()

    async def _existing(self, tenant_id: str) -> Tenant:
        tenant = await self.get(tenant_id)
        if tenant is None:
            raise TenantNotFound()
        return tenant


def _tenant(row: Any, keys: tuple[SigningKey, ...]) -> Tenant:
    newest_hmac = [k for k in keys if k.is_active and k.algorithm is KeyAlgorithm.HS256]
    return Tenant(
        id=row.id,
        name=row.name,
        secret=newest_hmac[-1].material if newest_hmac else "",
        created_at=row.created_at,
        status=TenantStatus(row.status),
        keys=keys,
        issuer=row.issuer,
        audience=row.audience,
        settings=TenantSettings.from_json(row.settings),
    )
