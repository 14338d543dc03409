"""Paging parameters shared by the thread and replies routes."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from threadline.application.queries.thread_page import Sort, ThreadPageQuery
from threadline.bootstrap import Threadline
from threadline.domain.rules import valid_entity_id, valid_entity_type

MAX_OFFSET_PAGE = 10_000


class PageParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sort: Literal["newest", "oldest", "popular"] | None = Field(
        default=None, description="Pinned roots come first in every sort"
    )
    limit: int = Field(default=20, ge=1, le=100, description="Comments per page (max 100)")
    page: int = Field(default=1, ge=1, le=MAX_OFFSET_PAGE, description="Offset paging; prefer cursor")
    cursor: str | None = Field(default=None, max_length=200, description="next_cursor of the previous page")
    depth: int = Field(default=3, ge=0, le=10, description="How many levels of replies to nest")
    replies_limit: int = Field(default=5, ge=0, le=100, description="Replies nested under each comment")
    min_position: int | None = Field(
        default=None, ge=0, le=2**62, description="Wait until the read model has this position"
    )


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
    return ThreadPageQuery(
        tenant_id=tenant_id,
        entity_type=valid_entity_type(entity_type),
        entity_id=valid_entity_id(entity_id),
        parent_id=parent_id,
        parent_reply_count=parent_reply_count,
        sort=Sort(params.sort or default_sort),
        limit=min(params.limit, settings.max_page_limit),
        page=params.page,
        cursor=params.cursor,
        depth=min(params.depth, settings.max_nested_depth),
        replies_per_comment=params.replies_limit,
    )
