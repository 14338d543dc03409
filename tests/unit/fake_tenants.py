"""In-memory stand-ins for the ports tenant administration uses: a ``TenantDirectory`` that keeps
tenants in a dict, a ``TenantCache`` and a ``SearchIndex`` that remember what they were asked.

The directory keeps the rules the use cases rely on the directory for (a unique name, unknown
tenant -> ``tenant_not_found``, retiring only an active key, HS256 secrets generated, public keys
only as PEM); ``tests/contracts/`` is where it and ``SqlTenantDirectory`` should be held to one
suite.
"""

from __future__ import annotations

import dataclasses
import itertools
import secrets

from threadline.application.ports.cross_cutting import TenantDirectory
from threadline.domain.errors import InvalidCommand, TenantNotFound
from threadline.domain.tenant import KeyAlgorithm, SigningKey, Tenant, TenantSettings, TenantStatus

_clock = itertools.count(1)


def _now() -> str:
    """Strictly increasing timestamps, so "the newest key" is never a tie."""
    return f"2026-01-01T00:00:{next(_clock):06d}Z"


class MemoryTenantDirectory(TenantDirectory):
    def __init__(self) -> None:
        self.tenants: dict[str, Tenant] = {}
        self.writes = 0  # changes stored, to show a refused change stored nothing

    async def get(self, tenant_id: str) -> Tenant | None:
        return self.tenants.get(tenant_id)

    async def by_name(self, name: str) -> Tenant | None:
        return next((t for t in self.tenants.values() if t.name == name), None)

    async def all(self) -> list[Tenant]:
        return sorted(self.tenants.values(), key=lambda t: t.name)

    async def create(self, name: str) -> Tenant:
        name = name.strip()
        if not 1 <= len(name) <= 200 or not name.isprintable():
            raise InvalidCommand("tenant name must be 1-200 printable characters", field="name")
        if await self.by_name(name) is not None:
            raise InvalidCommand(f"a tenant named {name!r} already exists", field="name")
        now = _now()
        key = SigningKey("k1", KeyAlgorithm.HS256, secrets.token_urlsafe(48), now)
        tenant = Tenant(f"t{len(self.tenants) + 1}", name, key.material, now, keys=(key,))
        return self._store(tenant)

    async def set_status(self, tenant_id: str, status: TenantStatus) -> Tenant:
        return self._store(dataclasses.replace(self._existing(tenant_id), status=status))

    async def set_claims(self, tenant_id: str, issuer: str | None, audience: str | None) -> Tenant:
        return self._store(dataclasses.replace(self._existing(tenant_id), issuer=issuer, audience=audience))

    async def add_key(
        self, tenant_id: str, algorithm: KeyAlgorithm, public_key: str | None = None
    ) -> tuple[Tenant, SigningKey]:
        tenant = self._existing(tenant_id)
        if algorithm is KeyAlgorithm.HS256:
            material = secrets.token_urlsafe(48)
        elif public_key and "PRIVATE" not in public_key and "BEGIN PUBLIC KEY" in public_key:
            material = public_key.strip()
        else:
            raise InvalidCommand(f"{algorithm.value} keys need a PEM public key", field="public_key")
        key = SigningKey(f"k{secrets.token_hex(4)}", algorithm, material, _now())
        return self._store(dataclasses.replace(tenant, keys=(*tenant.keys, key))), key

    async def retire_key(self, tenant_id: str, key_id: str) -> Tenant:
        tenant = self._existing(tenant_id)
        if not any(k.key_id == key_id and k.is_active for k in tenant.keys):
            raise InvalidCommand(f"no active key {key_id!r}", field="key_id")
        keys = tuple(
            dataclasses.replace(k, retired_at=_now()) if k.key_id == key_id else k for k in tenant.keys
        )
        return self._store(dataclasses.replace(tenant, keys=keys))

    async def set_settings(self, tenant_id: str, settings: TenantSettings) -> Tenant:
        return self._store(dataclasses.replace(self._existing(tenant_id), settings=settings))

    def _existing(self, tenant_id: str) -> Tenant:
        tenant = self.tenants.get(tenant_id)
        if tenant is None:
            raise TenantNotFound()
        return tenant

    def _store(self, tenant: Tenant) -> Tenant:
        hmac_keys = [k for k in tenant.keys if k.is_active and k.algorithm is KeyAlgorithm.HS256]
        tenant = dataclasses.replace(tenant, secret=hmac_keys[-1].material if hmac_keys else "")
        self.tenants[tenant.id] = tenant
        self.writes += 1
        return tenant


class RecordingTenantCache:
    """Remembers each tenant it was told to forget, as the directory held it at that moment."""

    def __init__(self, directory: MemoryTenantDirectory) -> None:
        self._directory = directory
        self.forgotten: list[Tenant | None] = []

    def forget(self, tenant_id: str) -> None:
        self.forgotten.append(self._directory.tenants.get(tenant_id))


class RecordingSearchIndex:
    def __init__(self) -> None:
        self.configs: list[tuple[str, str]] = []  # (tenant_id, config), in the order chosen

    async def set_search_config(self, tenant_id: str, config: str) -> None:
        self.configs.append((tenant_id, config))
