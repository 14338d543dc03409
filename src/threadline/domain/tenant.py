"""A tenant: one product using Threadline, with its own users, comments and signing keys."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class TenantStatus(StrEnum):
    ACTIVE = "ACTIVE"
    DISABLED = "DISABLED"


class KeyAlgorithm(StrEnum):
    """Pinned per key: an HS256 secret never verifies an RS256 token, nor a public key an HS256 one."""

    HS256 = "HS256"
    RS256 = "RS256"
    ES256 = "ES256"


@dataclass(frozen=True, slots=True)
class SigningKey:
    key_id: str
    algorithm: KeyAlgorithm
    material: str  # the HS256 secret, or the PEM public key of the tenant's identity provider
    created_at: str
    retired_at: str | None = None

    @property
    def is_active(self) -> bool:
        return self.retired_at is None


@dataclass(frozen=True, slots=True)
class Tenant:
    id: str
    name: str
    secret: str  # the newest active HS256 secret ('' if none): what development tokens are signed with
    created_at: str
    status: TenantStatus = TenantStatus.ACTIVE
    keys: tuple[SigningKey, ...] = field(default=())
    issuer: str | None = None
    audience: str | None = None

    @property
    def active_keys(self) -> tuple[SigningKey, ...]:
        return tuple(key for key in self.keys if key.is_active)

    @property
    def signing_key(self) -> SigningKey | None:
        """The newest active HS256 key, used to issue development tokens."""
        hmac_keys = [k for k in self.active_keys if k.algorithm is KeyAlgorithm.HS256]
        return max(hmac_keys, key=lambda k: k.created_at) if hmac_keys else None
