"""Find a tenant by id or, failing that, by name (what an operator types at the command line)."""

from __future__ import annotations

from threadline.application.ports.cross_cutting import TenantDirectory
from threadline.domain.errors import TenantNotFound
from threadline.domain.tenant import Tenant


async def find_tenant(ref: str, *, tenants: TenantDirectory) -> Tenant:
    found = await tenants.get(ref) or await tenants.by_name(ref)
    if found is None:
        raise TenantNotFound(f"no tenant {ref!r}")
    return found
