"""Live comment counts for many entities in one call (the 'N comments' badges of a list page).

One definition of a counts request (``counts_query``: the entity type, 1-100 entity ids, each
valid, repeats folded), of where its answer comes from (``entity_counts``: the live counts
structure while it is complete, else the read model) and of the bytes sent (``counts_body``),
used by the route and by the fast path in front of the framework alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import orjson

from threadline.application.ports.live_counts import LiveCounts
from threadline.application.ports.query import CommentReader
from threadline.domain.errors import InvalidQuery
from threadline.domain.rules import valid_entity_id, valid_entity_type

MAX_ENTITIES_PER_CALL = 100


@dataclass(frozen=True, slots=True)
class CountsQuery:
    entity_type: str
    entity_ids: tuple[str, ...]  # distinct, in the order first asked


def counts_query(entity_type: str, entity_ids: Sequence[str]) -> CountsQuery:
    valid_entity_type(entity_type)
    if not entity_ids:
        raise InvalidQuery("name at least one entity_id", field="entity_id")
    if len(entity_ids) > MAX_ENTITIES_PER_CALL:
        raise InvalidQuery(f"at most {MAX_ENTITIES_PER_CALL} entity ids per call", field="entity_id")
    return CountsQuery(entity_type, tuple(dict.fromkeys(valid_entity_id(e) for e in entity_ids)))


async def entity_counts(
    tenant_id: str, query: CountsQuery, reader: CommentReader, live: LiveCounts | None
) -> dict[str, int]:
    """From ``live`` in one lookup while it is known complete; otherwise from the read model."""
    if live is not None:
        found = await live.lookup(tenant_id, query.entity_type, query.entity_ids)
        if found is not None:
            return found
    return await reader.counts(tenant_id, query.entity_type, query.entity_ids)


def counts_body(query: CountsQuery, counts: dict[str, int]) -> bytes:
    return orjson.dumps({"entity_type": query.entity_type, "counts": counts})
