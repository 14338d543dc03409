"""The operator API: create, list, disable and re-key tenants. Guarded by THREADLINE_OPERATOR_KEY;
operators manage tenants only and never act on comments."""

from __future__ import annotations

import re
from typing import Literal

import orjson
from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field
from starlette.responses import Response

from threadline.api.dependencies import ContainerDep, OperatorDep
from threadline.api.problems import ERROR_RESPONSES
from threadline.api.responses import json_bytes
from threadline.domain.errors import InvalidCommand, TenantNotFound
from threadline.domain.rules import valid_entity_type
from threadline.domain.tenant import (
    ErasureMode,
    KeyAlgorithm,
    SigningKey,
    Tenant,
    TenantSettings,
    TenantStatus,
)

ORIGIN = re.compile(r"https?://[A-Za-z0-9.-]+(:\d{1,5})?")
router = APIRouter(
    prefix="/v1/operator/tenants", tags=["operator"], dependencies=[OperatorDep], responses=ERROR_RESPONSES
)


class NewTenant(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=200)


class NewKey(BaseModel):
    model_config = ConfigDict(extra="forbid")
    algorithm: Literal["HS256", "RS256", "ES256"] = "HS256"
    public_key: str | None = Field(default=None, max_length=8192, description="PEM, for RS256 and ES256")


class TenantClaims(BaseModel):
    model_config = ConfigDict(extra="forbid")
    issuer: str | None = Field(default=None, max_length=512, description="Required `iss` of tokens")
    audience: str | None = Field(default=None, max_length=512, description="Required `aud` of tokens")


class SettingsBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    allowed_origins: list[str] = Field(default_factory=list, max_length=100, description="CORS origins")
    allowed_entity_types: list[str] | None = Field(default=None, max_length=100, description="None: any")
    public_reads: bool = Field(default=True, description="False: reads need a token of this tenant")
    users_may_erase_themselves: bool = Field(default=False, description="Else only an admin erases a user")
    premoderation: bool = Field(
        default=False, description="New comments of users wait for a moderator's approval"
    )
    erasure_mode: Literal["hard_delete", "anonymize"] = Field(
        default="hard_delete",
        description="Erasing a user hard-deletes their comments, or keeps the words without a name or owner",
    )


class SearchConfigBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    config: str = Field(
        pattern=r"^[a-z_]{1,63}$",
        examples=["english"],
        description="A PostgreSQL text-search configuration (stored but unused on SQLite)",
    )


class SearchConfigView(BaseModel):
    tenant_id: str
    config: str


class KeyView(BaseModel):
    key_id: str
    algorithm: str
    created_at: str
    retired_at: str | None


class TenantView(BaseModel):
    id: str
    name: str
    status: str
    created_at: str
    issuer: str | None
    audience: str | None
    keys: list[KeyView]
    settings: SettingsBody
    secret: str | None = Field(
        default=None, description="Shown once, when a tenant or an HS256 key is created"
    )


def _view(tenant: Tenant, secret: SigningKey | None = None) -> dict[str, object]:
    return {
        "id": tenant.id,
        "name": tenant.name,
        "status": tenant.status.value,
        "created_at": tenant.created_at,
        "issuer": tenant.issuer,
        "audience": tenant.audience,
        "keys": [
            {
                "key_id": k.key_id,
                "algorithm": k.algorithm.value,
                "created_at": k.created_at,
                "retired_at": k.retired_at,
            }
            for k in tenant.keys
        ],
        "settings": tenant.settings.to_json(),
        "secret": secret.material if secret is not None and secret.algorithm is KeyAlgorithm.HS256 else None,
    }


def _send(body: object, status: int = 200) -> Response:
    return json_bytes(orjson.dumps(body), status)


@router.post(
    "", status_code=201, response_model=TenantView, summary="Create a tenant (its secret is shown once)"
)
async def create_tenant(body: NewTenant, container: ContainerDep) -> Response:
    tenant = await container.tenants.create(body.name)
    return _send(_view(tenant, tenant.signing_key), 201)


@router.get("", response_model=list[TenantView], summary="List tenants")
async def list_tenants(container: ContainerDep) -> Response:
    return _send([_view(tenant) for tenant in await container.tenants.all()])


@router.post("/{tenant_id}/disable", response_model=TenantView, summary="Disable: its tokens stop working")
async def disable_tenant(tenant_id: str, container: ContainerDep) -> Response:
    tenant = await container.tenants.set_status(tenant_id, TenantStatus.DISABLED)
    container.verifier.forget(tenant_id)
    return _send(_view(tenant))


@router.post("/{tenant_id}/enable", response_model=TenantView, summary="Enable a disabled tenant")
async def enable_tenant(tenant_id: str, container: ContainerDep) -> Response:
    tenant = await container.tenants.set_status(tenant_id, TenantStatus.ACTIVE)
    container.verifier.forget(tenant_id)
    return _send(_view(tenant))


@router.patch(
    "/{tenant_id}", response_model=TenantView, summary="Require an issuer and/or audience in tokens"
)
async def set_claims(tenant_id: str, body: TenantClaims, container: ContainerDep) -> Response:
    tenant = await container.tenants.set_claims(tenant_id, body.issuer, body.audience)
    container.verifier.forget(tenant_id)
    return _send(_view(tenant))


@router.post(
    "/{tenant_id}/keys",
    status_code=201,
    response_model=TenantView,
    summary="Add a signing key (rotation: old keys stay valid until retired)",
)
async def add_key(tenant_id: str, body: NewKey, container: ContainerDep) -> Response:
    tenant, key = await container.tenants.add_key(tenant_id, KeyAlgorithm(body.algorithm), body.public_key)
    container.verifier.forget(tenant_id)
    return _send(_view(tenant, key), 201)


@router.delete("/{tenant_id}/keys/{key_id}", response_model=TenantView, summary="Retire a signing key")
async def retire_key(tenant_id: str, key_id: str, container: ContainerDep) -> Response:
    tenant = await container.tenants.retire_key(tenant_id, key_id)
    container.verifier.forget(tenant_id)
    return _send(_view(tenant))


@router.put("/{tenant_id}/settings", response_model=TenantView, summary="Set the tenant's settings")
async def put_settings(tenant_id: str, body: SettingsBody, container: ContainerDep) -> Response:
    for entity_type in body.allowed_entity_types or ():
        valid_entity_type(entity_type)
    for origin in body.allowed_origins:
        if not ORIGIN.fullmatch(origin):
            raise InvalidCommand(
                f"{origin!r} is not an origin like https://example.com", field="allowed_origins"
            )
    settings = TenantSettings(
        allowed_origins=tuple(body.allowed_origins),
        allowed_entity_types=tuple(body.allowed_entity_types)
        if body.allowed_entity_types is not None
        else None,
        public_reads=body.public_reads,
        users_may_erase_themselves=body.users_may_erase_themselves,
        premoderation=body.premoderation,
        erasure_mode=ErasureMode(body.erasure_mode),
    )
    tenant = await container.tenants.set_settings(tenant_id, settings)
    container.verifier.forget(tenant_id)
    return _send(_view(tenant))


@router.put(
    "/{tenant_id}/search-config",
    response_model=SearchConfigView,
    summary="Choose the tenant's text-search configuration and re-index its comments",
)
async def put_search_config(tenant_id: str, body: SearchConfigBody, container: ContainerDep) -> Response:
    if await container.tenants.get(tenant_id) is None:
        raise TenantNotFound()
    await container.set_search_config(tenant_id, body.config)
    return _send({"tenant_id": tenant_id, "config": body.config})
