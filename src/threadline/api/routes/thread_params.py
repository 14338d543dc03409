"""Paging parameters shared by the thread and replies routes, and by the fast read path.

This is the one definition of a page request: the thread's path, the parameters' names, bounds
and defaults (``PageParams``), the refusal of a parameter given twice, and the query they name
(``page_query``). ``api/fast_reads.py`` runs these same functions (once per distinct query
string), so a bound changed here changes what both paths accept.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated, Literal

from fastapi import Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from threadline.application.queries.read_your_writes import MAX_POSITION
from threadline.application.queries.thread_page import DEFAULT_SHAPE, PageShape, Sort, ThreadPageQuery
from threadline.bootstrap import Threadline
from threadline.domain.errors import InvalidQuery
from threadline.domain.rules import valid_entity_id, valid_entity_type

THREAD_PATH = "/v1/entities/{entity_type}/{entity_id}/comments"
MAX_OFFSET_PAGE = 10_000


class PageParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sort: Literal["newest", "oldest", "popular"] | None = Field(
        default=None, description="Pinned roots come first in every sort"
    )
    limit: int = Field(default=DEFAULT_SHAPE.limit, ge=1, le=100, description="Comments per page (max 100)")
    page: int = Field(default=1, ge=1, le=MAX_OFFSET_PAGE, description="Offset paging; prefer cursor")
    cursor: str | None = Field(default=None, max_length=200, description="next_cursor of the previous page")
    depth: int = Field(
        default=DEFAULT_SHAPE.depth, ge=0, le=10, description="How many levels of replies to nest"
    )
    replies_limit: int = Field(
        default=DEFAULT_SHAPE.replies_per_comment,
        ge=0,
        le=100,
        description="Replies nested under each comment",
    )
    min_position: int | None = Field(
        default=None, ge=0, le=MAX_POSITION, description="Wait until the read model has this position"
    )


def repeated_parameter(names: Iterable[str]) -> str | None:
    """The first parameter named twice, if any: ``limit=5&limit=50`` is refused, not read as
    whichever one a parser happens to keep."""
    seen: set[str] = set()
    for name in names:
        if name in seen:
            return name
        seen.add(name)
    return None


def page_params(request: Request, params: Annotated[PageParams, Query()]) -> PageParams:
    repeated = repeated_parameter(name for name, _ in request.query_params.multi_items())
    if repeated is not None:
        raise InvalidQuery(f"the parameter {repeated!r} is given more than once", field=repeated)
    return params


PageParamsDep = Annotated[PageParams, Depends(page_params)]


def page_query(
    container: Threadline,
    tenant_id: str,
    entity_type: str,
    entity_id: str,
    params: PageParams,
    *,
    parent_id: str | None = None,
    parent_reply_count: int = 0,
    default_sort: str = "newest",
) -> ThreadPageQuery:
    settings = container.settings
    shape = PageShape(params.limit, params.depth, params.replies_limit).within(
        settings.max_page_limit, settings.max_nested_depth
    )
    return ThreadPageQuery(
        tenant_id=tenant_id,
        entity_type=valid_entity_type(entity_type),
        entity_id=valid_entity_id(entity_id),
        parent_id=parent_id,
        parent_reply_count=parent_reply_count,
        sort=Sort(params.sort or default_sort),
        limit=shape.limit,
        page=params.page,
        cursor=params.cursor,
        depth=shape.depth,
        replies_per_comment=shape.replies_per_comment,
    )
