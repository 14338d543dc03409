"""Disable and enable a tenant. A disabled tenant's tokens and public reads are refused: at once
in this process, whose cached copy is dropped after the change is stored (dropped before, a
request in between would cache the old status again), and within a second in every other."""

from __future__ import annotations

from threadline.application.ports.cross_cutting import TenantCache, TenantDirectory
from threadline.domain.tenant import Tenant, TenantStatus


async def disable_tenant(tenant_id: str, *, tenants: TenantDirectory, cache: TenantCache) -> Tenant:
    return await _set_status(tenant_id, TenantStatus.DISABLED, tenants, cache)


async def enable_tenant(tenant_id: str, *, tenants: TenantDirectory, cache: TenantCache) -> Tenant:
    return await _set_status(tenant_id, TenantStatus.ACTIVE, tenants, cache)


async def _set_status(
    tenant_id: str, status: TenantStatus, tenants: TenantDirectory, cache: TenantCache
) -> Tenant:
    changed = await tenants.set_status(tenant_id, status)
    cache.forget(tenant_id)
    return changed
