"""Ports every side uses: wake-ups after commit, tenants (and their administration: the cached
copy, the search configuration), view counts and abuse limits."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from threadline.domain.tenant import KeyAlgorithm, SigningKey, Tenant, TenantSettings, TenantStatus

JsonObject = dict[str, object]


class EventBus(Protocol):
    """Wakes projectors after a commit. Only shortens latency: projectors also poll."""

    async def publish(self, position: int) -> None: ...

    async def wait(self, timeout: float) -> None: ...


class TenantDirectory(Protocol):
    async def get(self, tenant_id: str) -> Tenant | None: ...
    async def by_name(self, name: str) -> Tenant | None: ...
    async def all(self) -> list[Tenant]: ...
    async def create(self, name: str) -> Tenant: ...
    async def set_status(self, tenant_id: str, status: TenantStatus) -> Tenant: ...
    async def set_claims(self, tenant_id: str, issuer: str | None, audience: str | None) -> Tenant: ...
    async def add_key(
        self, tenant_id: str, algorithm: KeyAlgorithm, public_key: str | None = None
    ) -> tuple[Tenant, SigningKey]: ...
    async def retire_key(self, tenant_id: str, key_id: str) -> Tenant: ...
    async def set_settings(self, tenant_id: str, settings: TenantSettings) -> Tenant: ...


class TenantCache(Protocol):
    """This process's copy of the tenants every request reads (other processes refresh theirs
    within a second)."""

    def forget(self, tenant_id: str) -> None:
        """Drop a tenant so the next request here reads the directory again."""
        ...


class SearchIndex(Protocol):
    async def set_search_config(self, tenant_id: str, config: str) -> None:
        """Choose the tenant's text-search configuration and re-index its comments with it."""
        ...


class ViewCounter(Protocol):
    """Counts a viewer once per window, outside the event log (views would flood it), and hands
    the counts over in batches for the read model."""

    async def record(self, tenant_id: str, thread: str, viewer: str, comment_ids: Sequence[str]) -> None: ...

    async def push(self) -> None:
        """Hand views this process buffered to the shared store (a no-op where there is none)."""
        ...

    async def drain(self) -> dict[tuple[str, str], int]:
        """Take the counts gathered since the last drain: (tenant_id, comment_id) -> views."""
        ...


class RateLimiter(Protocol):
    """Abuse limits per tenant, per user and per client address, separately for reads and writes."""

    async def check(self, kind: str, tenant_id: str, identities: Sequence[str]) -> int | None:
        """Count one request; ``None`` when allowed, else the seconds to wait before retrying."""
        ...
