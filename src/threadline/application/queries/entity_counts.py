"""Live comment counts for many entities in one call (the 'N comments' badges of a list page)."""

from __future__ import annotations

from collections.abc import Sequence

from threadline.application.ports.query import CommentReader
from threadline.domain.errors import InvalidQuery
from threadline.domain.rules import valid_entity_id, valid_entity_type

MAX_ENTITIES_PER_CALL = 100


async def entity_counts(
    tenant_id: str, entity_type: str, entity_ids: Sequence[str], reader: CommentReader
) -> dict[str, int]:
    valid_entity_type(entity_type)
    if not entity_ids:
        raise InvalidQuery("name at least one entity_id", field="entity_id")
    if len(entity_ids) > MAX_ENTITIES_PER_CALL:
        raise InvalidQuery(f"at most {MAX_ENTITIES_PER_CALL} entity ids per call", field="entity_id")
    unique = list(dict.fromkeys(valid_entity_id(e) for e in entity_ids))
    return await reader.counts(tenant_id, entity_type, unique)
