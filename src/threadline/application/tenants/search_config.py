"""Choose a tenant's text-search configuration (PostgreSQL's: stemming for a language, say) and
re-index its comments with it. SQLite stores the name and searches the same way whatever it is."""

from __future__ import annotations

import re

from threadline.application.ports.cross_cutting import SearchIndex, TenantDirectory
from threadline.domain.errors import InvalidCommand, TenantNotFound

# How PostgreSQL's own configurations are named; anything else is refused without asking it.
SEARCH_CONFIG_NAME = re.compile(r"[a-z_]{1,63}")


async def choose_search_config(
    tenant_id: str, config: str, *, tenants: TenantDirectory, index: SearchIndex
) -> str:
    """The configuration now in use. PostgreSQL refuses one it does not have (``invalid_query``)."""
    if not SEARCH_CONFIG_NAME.fullmatch(config):
        raise InvalidCommand("a search configuration is 1-63 of a-z and _, like 'english'", field="config")
    if await tenants.get(tenant_id) is None:
        raise TenantNotFound()
    await index.set_search_config(tenant_id, config)
    return config
