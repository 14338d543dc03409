"""A tenant: one product using Threadline, with its own users, comments and signing keys."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class ErasureMode(StrEnum):
    """What erasing a user does to their comments."""

    HARD_DELETE = "hard_delete"  # the words go too; replies stay under tombstones
    ANONYMIZE = "anonymize"  # the words stay, without a name, avatar or owner


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
class TenantSettings:
    """What each tenant decides for itself."""

    allowed_origins: tuple[str, ...] = ()  # browser origins allowed to call the API (CORS)
    allowed_entity_types: tuple[str, ...] | None = None  # None: any entity type
    public_reads: bool = True  # False: reading needs a token of this tenant
    users_may_erase_themselves: bool = False  # else only an admin erases a user
    premoderation: bool = False  # new comments wait for a moderator's approval
    erasure_mode: ErasureMode = ErasureMode.HARD_DELETE

    @classmethod
    def from_json(cls, raw: object) -> TenantSettings:
        data = raw if isinstance(raw, dict) else {}
        types = data.get("allowed_entity_types")
        return cls(
            allowed_origins=tuple(str(o) for o in data.get("allowed_origins") or ()),
            allowed_entity_types=tuple(str(t) for t in types) if isinstance(types, list) else None,
            public_reads=bool(data.get("public_reads", True)),
            users_may_erase_themselves=bool(data.get("users_may_erase_themselves", False)),
            premoderation=bool(data.get("premoderation", False)),
            erasure_mode=ErasureMode(data.get("erasure_mode") or ErasureMode.HARD_DELETE.value),
        )

    def to_json(self) -> dict[str, object]:
        return {
            "allowed_origins": list(self.allowed_origins),
            "allowed_entity_types": list(self.allowed_entity_types)
            if self.allowed_entity_types is not None
            else None,
            "public_reads": self.public_reads,
            "users_may_erase_themselves": self.users_may_erase_themselves,
            "premoderation": self.premoderation,
            "erasure_mode": self.erasure_mode.value,
        }


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
    settings: TenantSettings = field(default_factory=TenantSettings)

    @property
    def active_keys(self) -> tuple[SigningKey, ...]:
        return tuple(key for key in self.keys if key.is_active)

    @property
    def signing_key(self) -> SigningKey | None:
        """The newest active HS256 key, used to issue development tokens."""
        hmac_keys = [k for k in self.active_keys if k.algorithm is KeyAlgorithm.HS256]
        return max(hmac_keys, key=lambda k: k.created_at) if hmac_keys else None
