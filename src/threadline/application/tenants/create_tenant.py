"""Create a tenant. The directory refuses a blank, unprintable or taken name (the name is unique
there, so two operators creating the same name at once cannot both succeed) and gives the tenant
its first HS256 key, ``k1``, whose secret the caller shows once."""

from __future__ import annotations

from threadline.application.ports.cross_cutting import TenantDirectory
from threadline.domain.tenant import Tenant


async def create_tenant(name: str, *, tenants: TenantDirectory) -> Tenant:
    return await tenants.create(name)
