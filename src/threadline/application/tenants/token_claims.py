"""Require an issuer and/or audience in a tenant's tokens (``None`` requires none)."""

from __future__ import annotations

from threadline.application.ports.cross_cutting import TenantCache, TenantDirectory
from threadline.domain.tenant import Tenant


async def require_claims(
    tenant_id: str, issuer: str | None, audience: str | None, *, tenants: TenantDirectory, cache: TenantCache
) -> Tenant:
    changed = await tenants.set_claims(tenant_id, issuer, audience)
    cache.forget(tenant_id)
    return changed
