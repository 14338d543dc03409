"""Bearer tokens: HS256 JWTs signed with the tenant's secret, claims ``sub tid name avatar role exp``.

The algorithm is pinned (never ``none``, never taken from the token header); ``exp`` is
required; the tenant is read from the unverified ``tid`` only to choose the key, and the
signature is then checked with that key.
"""

from __future__ import annotations

import time
from typing import Any, TypeGuard

import jwt

from threadline.adapters.auth.tenant_cache import CachedTenants
from threadline.application.ports.cross_cutting import TenantDirectory
from threadline.domain.errors import InvalidToken, TenantDisabled, TokenExpired
from threadline.domain.identity import Actor, Role
from threadline.domain.tenant import KeyAlgorithm, Tenant, TenantStatus

ALGORITHMS = {algorithm.value for algorithm in KeyAlgorithm}
MAX_TOKEN_LENGTH = 8192
_REQUIRED = ["sub", "tid", "exp", "role"]


def issue_token(
    tenant: Tenant,
    *,
    user_id: str,
    name: str,
    role: Role,
    avatar: str | None = None,
    ttl_seconds: int = 3600,
) -> str:
    """A development token signed with the tenant's newest HS256 key (its id in ``kid``)."""
    key = tenant.signing_key
    secret, key_id = (key.material, key.key_id) if key else (tenant.secret, None)
    now = int(time.time())
    claims: dict[str, object] = {
        "sub": user_id,
        "tid": tenant.id,
        "name": name,
        "avatar": avatar,
        "role": role.value,
        "iat": now,
        "exp": now + ttl_seconds,
    }
    if tenant.issuer:
        claims["iss"] = tenant.issuer
    if tenant.audience:
        claims["aud"] = tenant.audience
    headers = {"kid": key_id} if key_id else None
    return jwt.encode(claims, secret, algorithm="HS256", headers=headers)


class TokenVerifier:
    def __init__(self, tenants: TenantDirectory, *, leeway_seconds: float = 30.0) -> None:
        self._tenants = CachedTenants(tenants)
        self._leeway = leeway_seconds

    async def tenant(self, tenant_id: str) -> Tenant | None:
        return await self._tenants.get(tenant_id)

    def forget(self, tenant_id: str) -> None:
        """Drop a cached tenant at once (it was disabled, or its keys changed)."""
        self._tenants.forget(tenant_id)

    async def verify(self, token: str) -> Actor:
        if len(token) > MAX_TOKEN_LENGTH:
            raise InvalidToken("the token is too long")
        try:
            header = jwt.get_unverified_header(token)
            unverified = jwt.decode(token, options={"verify_signature": False})
        except jwt.PyJWTError:
            raise InvalidToken("the token is not a well-formed JWT") from None
        algorithm = header.get("alg")
        if not isinstance(algorithm, str) or algorithm not in ALGORITHMS:  # a list is not hashable
            raise InvalidToken(f"the token must be signed with one of {', '.join(sorted(ALGORITHMS))}")
        tenant_id = unverified.get("tid")
        if not _is_text(tenant_id) or not tenant_id or len(tenant_id) > 64:
            raise InvalidToken("the token has no tenant (tid) claim")
        tenant = await self.tenant(tenant_id)
        if tenant is None:
            raise InvalidToken("the token's tenant does not exist")
        if tenant.status is not TenantStatus.ACTIVE:
            raise TenantDisabled()
        key_id = header.get("kid")
        if key_id is not None and not _is_text(key_id):
            raise InvalidToken("the token's key id (kid) must be a string")
        claims = self._verified_claims(token, tenant, algorithm, key_id)
        return _actor(tenant.id, claims)

    def _verified_claims(self, token: str, tenant: Tenant, algorithm: str, key_id: object) -> dict[str, Any]:
        keys = [key for key in tenant.active_keys if key.algorithm.value == algorithm]
        if key_id is not None:
            keys = [key for key in keys if key.key_id == key_id]
        if not keys:
            raise InvalidToken(
                f"the tenant has no active {algorithm} key" + (" with that kid" if key_id else "")
            )
        for key in keys:
            try:
                return dict(
                    jwt.decode(
                        token,
                        key.material,
                        algorithms=[key.algorithm.value],  # pinned by the key, never by the token
                        options={"require": _REQUIRED, "verify_aud": tenant.audience is not None},
                        leeway=self._leeway,
                        issuer=tenant.issuer,
                        audience=tenant.audience,
                    )
                )
            except jwt.InvalidSignatureError:
                continue
            except jwt.ExpiredSignatureError:
                raise TokenExpired() from None
            except jwt.ImmatureSignatureError:
                raise InvalidToken("the token is not valid yet (nbf or iat in the future)") from None
            except jwt.MissingRequiredClaimError as missing:
                raise InvalidToken(f"the token lacks the '{missing.claim}' claim") from None
            except jwt.InvalidIssuerError:
                raise InvalidToken("the token's issuer (iss) is not the tenant's") from None
            except jwt.InvalidAudienceError:
                raise InvalidToken("the token's audience (aud) is not the tenant's") from None
            except jwt.PyJWTError:
                raise InvalidToken() from None
        raise InvalidToken("the token's signature does not match any of the tenant's keys")


def _is_text(value: object) -> TypeGuard[str]:
    """A string every database can store: JSON may carry lone surrogates, which UTF-8 cannot
    encode, and NUL, which PostgreSQL text refuses."""
    return (
        isinstance(value, str)
        and "\x00" not in value
        and not any(0xD800 <= ord(ch) <= 0xDFFF for ch in value)
    )


def _actor(tenant_id: str, claims: dict[str, object]) -> Actor:
    subject, role, name, avatar = (
        claims.get("sub"),
        claims.get("role"),
        claims.get("name"),
        claims.get("avatar"),
    )
    if not _is_text(subject) or not 1 <= len(subject) <= 256:
        raise InvalidToken("the 'sub' claim must be a string of 1-256 characters")
    try:
        parsed_role = Role(str(role))
    except ValueError:
        raise InvalidToken("the 'role' claim must be user, moderator or admin") from None
    if name is not None and (not _is_text(name) or len(name) > 256):
        raise InvalidToken("the 'name' claim must be a string of at most 256 characters")
    if avatar is not None and (not _is_text(avatar) or len(avatar) > 2048):
        raise InvalidToken("the 'avatar' claim must be a URL of at most 2048 characters")
    return Actor(
        tenant_id=tenant_id,
        user_id=subject,
        name=name or subject,
        avatar=avatar,
        role=parsed_role,
    )
