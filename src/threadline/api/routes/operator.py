"""The operator API: create, list, disable and re-key tenants. Guarded by THREADLINE_OPERATOR_KEY;
operators manage tenants only and never act on comments. Each route is the HTTP face of a use case
in ``application/tenants/`` (the CLI is the other): it parses, calls, and renders the tenant. A
use case named like its route is imported under another name: route names are operation ids."""

from __future__ import annotations

from typing import Literal

import orjson
from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field
from starlette.responses import Response

from threadline.api.dependencies import ContainerDep, OperatorDep
from threadline.api.problems import ERROR_RESPONSES
from threadline.api.responses import json_bytes
from threadline.application.tenants.create_tenant import create_tenant as create
from threadline.application.tenants.search_config import SEARCH_CONFIG_NAME, choose_search_config
from threadline.application.tenants.signing_keys import add_signing_key, retire_signing_key
from threadline.application.tenants.tenant_settings import change_settings
from threadline.application.tenants.tenant_status import disable_tenant as disable
from threadline.application.tenants.tenant_status import enable_tenant as enable
from threadline.application.tenants.token_claims import require_claims
from threadline.domain.tenant import ErasureMode, KeyAlgorithm, SigningKey, Tenant, TenantSettings

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

    def to_settings(self) -> TenantSettings:
        return TenantSettings(
            allowed_origins=tuple(self.allowed_origins),
            allowed_entity_types=tuple(self.allowed_entity_types)
            if self.allowed_entity_types is not None
            else None,
            public_reads=self.public_reads,
            users_may_erase_themselves=self.users_may_erase_themselves,
            premoderation=self.premoderation,
            erasure_mode=ErasureMode(self.erasure_mode),
        )


class SearchConfigBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    config: str = Field(
        pattern=f"^{SEARCH_CONFIG_NAME.pattern}$",
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
    tenant = await create(body.name, tenants=container.tenants)
    return _send(_view(tenant, tenant.signing_key), 201)


@router.get("", response_model=list[TenantView], summary="List tenants")
async def list_tenants(container: ContainerDep) -> Response:
    return _send([_view(tenant) for tenant in await container.tenants.all()])


@router.post("/{tenant_id}/disable", response_model=TenantView, summary="Disable: its tokens stop working")
async def disable_tenant(tenant_id: str, container: ContainerDep) -> Response:
    tenant = await disable(tenant_id, tenants=container.tenants, cache=container.verifier)
    if container.live is not None:
        # This process's streams of the tenant end now; other processes' at their next heartbeat.
        container.live.close_tenant(tenant.id)
    return _send(_view(tenant))


@router.post("/{tenant_id}/enable", response_model=TenantView, summary="Enable a disabled tenant")
async def enable_tenant(tenant_id: str, container: ContainerDep) -> Response:
    return _send(_view(await enable(tenant_id, tenants=container.tenants, cache=container.verifier)))


@router.patch(
    "/{tenant_id}", response_model=TenantView, summary="Require an issuer and/or audience in tokens"
)
async def set_claims(tenant_id: str, body: TenantClaims, container: ContainerDep) -> Response:
    tenant = await require_claims(
        tenant_id, body.issuer, body.audience, tenants=container.tenants, cache=container.verifier
    )
    return _send(_view(tenant))


@router.post(
    "/{tenant_id}/keys",
    status_code=201,
    response_model=TenantView,
    summary="Add a signing key (rotation: old keys stay valid until retired)",
)
async def add_key(tenant_id: str, body: NewKey, container: ContainerDep) -> Response:
    tenant, key = await add_signing_key(
        tenant_id,
        KeyAlgorithm(body.algorithm),
        body.public_key,
        tenants=container.tenants,
        cache=container.verifier,
    )
    return _send(_view(tenant, key), 201)


@router.delete("/{tenant_id}/keys/{key_id}", response_model=TenantView, summary="Retire a signing key")
async def retire_key(tenant_id: str, key_id: str, container: ContainerDep) -> Response:
    tenant = await retire_signing_key(tenant_id, key_id, tenants=container.tenants, cache=container.verifier)
    return _send(_view(tenant))


@router.put("/{tenant_id}/settings", response_model=TenantView, summary="Set the tenant's settings")
async def put_settings(tenant_id: str, body: SettingsBody, container: ContainerDep) -> Response:
    tenant = await change_settings(
        tenant_id, body.to_settings(), tenants=container.tenants, cache=container.verifier
    )
    return _send(_view(tenant))


@router.put(
    "/{tenant_id}/search-config",
    response_model=SearchConfigView,
    summary="Choose the tenant's text-search configuration and re-index its comments",
)
async def put_search_config(tenant_id: str, body: SearchConfigBody, container: ContainerDep) -> Response:
    config = await choose_search_config(tenant_id, body.config, tenants=container.tenants, index=container)
    return _send({"tenant_id": tenant_id, "config": config})
