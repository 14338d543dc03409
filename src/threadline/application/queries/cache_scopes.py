"""Cache scopes: every key carries the tenant, so one tenant's pages never answer another's."""

from __future__ import annotations


def thread_scope(tenant_id: str, entity_type: str, entity_id: str) -> str:
    return f"thread\x1f{tenant_id}\x1f{entity_type}\x1f{entity_id}"


def comment_scope(tenant_id: str, comment_id: str) -> str:
    return f"comment\x1f{tenant_id}\x1f{comment_id}"
