"""Add and retire a tenant's signing keys: a rotation without downtime is add a key, move the
signers over, retire the old one (old keys stay valid until retired). After each change the
cached tenant is dropped, so this process verifies with the new key set at once."""

from __future__ import annotations

from threadline.application.ports.cross_cutting import TenantCache, TenantDirectory
from threadline.domain.tenant import KeyAlgorithm, SigningKey, Tenant


async def add_signing_key(
    tenant_id: str,
    algorithm: KeyAlgorithm,
    public_key: str | None,
    *,
    tenants: TenantDirectory,
    cache: TenantCache,
) -> tuple[Tenant, SigningKey]:
    """HS256: a new generated secret (shown once by the caller). RS256/ES256: the PEM public key
    of the tenant's own identity provider, which the directory refuses unless it is one."""
    changed, key = await tenants.add_key(tenant_id, algorithm, public_key)
    cache.forget(tenant_id)
    return changed, key


async def retire_signing_key(
    tenant_id: str, key_id: str, *, tenants: TenantDirectory, cache: TenantCache
) -> Tenant:
    """Tokens signed with the key stop working; retiring a retired or unknown key is refused."""
    changed = await tenants.retire_key(tenant_id, key_id)
    cache.forget(tenant_id)
    return changed
