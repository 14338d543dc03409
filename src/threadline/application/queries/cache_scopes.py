"""Cache scopes: every key carries the tenant, so one tenant's pages never answer another's."""

from __future__ import annotations


def thread_scope(tenant_id: str, entity_type: str, entity_id: str) -> str:
    return f"thread\x1f{tenant_id}\x1f{entity_type}\x1f{entity_id}"


def comment_scope(tenant_id: str, comment_id: str) -> str:
    return f"comment\x1f{tenant_id}\x1f{comment_id}"


def thread_of_scope(scope: str) -> tuple[str, str, str] | None:
    """The (tenant, entity type, entity id) a thread scope names; ``None`` for any other scope."""
    kind, _, rest = scope.partition("\x1f")
    if kind != "thread":
        return None
    tenant_id, entity_type, entity_id = rest.split("\x1f", 2)
    return tenant_id, entity_type, entity_id
