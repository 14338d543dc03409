"""Full-text search over a tenant's live comments, ranked, with a highlighted snippet.

A search is bounded (``domain/search_query.py``): the newest ``MAX_CANDIDATES`` matches at most
are ranked and paged, and the answer says so instead of pretending to a total it never counted:
``total`` is the number of matches considered, ``more_results`` whether others matched beyond
them, and ``hint`` what to do about it."""

from __future__ import annotations

from dataclasses import dataclass

from threadline.application.ports.cross_cutting import JsonObject
from threadline.application.ports.query import CommentReader, SearchHit
from threadline.domain.rules import valid_entity_id, valid_entity_type
from threadline.domain.search_query import parse_search_query


@dataclass(frozen=True, slots=True)
class SearchResults:
    """One page of hits, serialized as it is: ``{"data": [...], "meta": {...}}``."""

    data: list[SearchHit]
    meta: JsonObject


async def search_comments(
    tenant_id: str,
    text: str,
    *,
    entity_type: str | None,
    entity_id: str | None,
    page: int,
    limit: int,
    reader: CommentReader,
) -> SearchResults:
    query = parse_search_query(text)
    if entity_type is not None:
        valid_entity_type(entity_type)
    if entity_id is not None:
        valid_entity_id(entity_id)
    hits, window = await reader.search(
        tenant_id, query, entity_type=entity_type, entity_id=entity_id, limit=limit, offset=(page - 1) * limit
    )
    return SearchResults(
        hits,
        {
            "page": page,
            "limit": limit,
            "total": window.counted,
            "total_pages": (window.counted + limit - 1) // limit,
            "next_cursor": None,
            "more_results": window.more,
            "hint": window.hint,
        },
    )
