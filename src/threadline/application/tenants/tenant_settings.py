"""Replace what a tenant decides for itself (origins, entity types, public reads, erasure,
pre-moderation). Checked whole before anything is stored: an origin that is not one would be
echoed in CORS headers, and an entity type no comment could ever have would refuse them all."""

from __future__ import annotations

import re

from threadline.application.ports.cross_cutting import TenantCache, TenantDirectory
from threadline.domain.errors import InvalidCommand
from threadline.domain.rules import valid_entity_type
from threadline.domain.tenant import Tenant, TenantSettings

ORIGIN = re.compile(r"https?://[A-Za-z0-9.-]+(:\d{1,5})?")


def valid_settings(settings: TenantSettings) -> TenantSettings:
    for entity_type in settings.allowed_entity_types or ():
        valid_entity_type(entity_type)
    for origin in settings.allowed_origins:
        if not ORIGIN.fullmatch(origin):
            raise InvalidCommand(
                f"{origin!r} is not an origin like https://example.com", field="allowed_origins"
            )
    return settings


async def change_settings(
    tenant_id: str, settings: TenantSettings, *, tenants: TenantDirectory, cache: TenantCache
) -> Tenant:
    changed = await tenants.set_settings(tenant_id, valid_settings(settings))
    cache.forget(tenant_id)
    return changed
