"""Who may come in: whether a tenant's threads may be read without a token, and which identities a
request is rate-limited by.

The routed request and the fast read path (``api/fast_reads.py``) both ask these questions on
every read; written once, so a tenant closed to anonymous readers, or a limit counted per
address, cannot be honoured by one path and not by the other.
"""

from __future__ import annotations

from threadline.api.errors import AuthenticationRequired
from threadline.domain.errors import TenantDisabled, TenantNotFound
from threadline.domain.tenant import Tenant, TenantStatus

MAX_TENANT_ID_LENGTH = 64  # longer X-Tenant-ID values name no tenant and are never looked up


def anonymous_read_refusal(
    tenant: Tenant | None,
) -> TenantNotFound | TenantDisabled | AuthenticationRequired | None:
    """Why a reader without a token may not read this tenant's threads, or ``None`` if they may."""
    if tenant is None:
        return TenantNotFound()
    if tenant.status is not TenantStatus.ACTIVE:
        return TenantDisabled()
    if not tenant.settings.public_reads:
        return AuthenticationRequired("this tenant's comments are for its signed-in users only")
    return None


def limit_identities(host: str | None, user_id: str | None) -> list[str]:
    """A request counts against its client address, and a signed-in one against its user first."""
    address = f"address:{host or 'unknown'}"
    return [address] if user_id is None else [f"user:{user_id}", address]
