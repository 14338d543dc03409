"""Building responses: prepared JSON bytes, command results, and read-your-writes headers."""

from __future__ import annotations

from dataclasses import dataclass

import orjson
from starlette.requests import Request
from starlette.responses import Response

from threadline.api.viewers import anonymous_viewer
from threadline.application.command_runner import CommandOutcome
from threadline.application.ports.projection import ContentRenderer
from threadline.application.ports.query import CommentReader, PageCache
from threadline.application.queries.read_your_writes import wait_for_position
from threadline.bootstrap import Threadline
from threadline.domain.comment import Comment, Status
from threadline.domain.identity import Actor

JSON = "application/json"
POSITION_HEADER = "X-Threadline-Position"
CONSISTENCY_HEADER = "X-Threadline-Consistency"


def json_bytes(body: bytes, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(body, status_code=status, media_type=JSON, headers=headers)


def public_status(comment: Comment) -> str:
    """The status a client sees: an erased comment is simply deleted."""
    return "DELETED" if comment.status is Status.HARD_DELETED else comment.status.value


def snapshot(comment: Comment, renderer: ContentRenderer) -> dict[str, object]:
    live = comment.content is not None and comment.status in (Status.ACTIVE, Status.PENDING)
    return {
        "id": comment.id,
        "entity_type": comment.entity_type,
        "entity_id": comment.entity_id,
        "parent_id": comment.parent_id,
        "depth": comment.depth,
        "author_id": comment.author_id if live else None,
        "author_name": comment.author_name if live else None,
        "author_avatar": comment.author_avatar if live else None,
        "author_role": comment.author_role if live else None,
        "content": comment.content if live else None,
        "content_html": renderer.render(comment.content, comment.content_format)
        if live and comment.content is not None
        else None,
        "content_format": comment.content_format,
        "status": public_status(comment),
        "is_pinned": comment.is_pinned,
        "is_edited": comment.edited_at is not None,
        "created_at": comment.created_at,
        "updated_at": comment.updated_at,
        "edited_at": comment.edited_at,
    }


def command_response(
    outcome: CommandOutcome, *, status: int = 200, renderer: ContentRenderer | None = None, **extra: object
) -> Response:
    """The command's result; with a ``renderer``, also the comment as the command left it."""
    comment = outcome.comment
    assert comment is not None
    body: dict[str, object] = {
        "id": comment.id,
        "position": outcome.position,
        "changed": outcome.changed,
        "status": public_status(comment),
        **extra,
    }
    if renderer is not None:
        body["comment"] = snapshot(comment, renderer)
    return json_bytes(orjson.dumps(body), status, {POSITION_HEADER: str(outcome.position)})


@dataclass(frozen=True, slots=True)
class ReadPlan:
    """Where a read goes: through the cache and any replica, or, for a caller reading its own
    write, straight to the primary read database once the projection has caught up."""

    cache: PageCache | None
    reader: CommentReader
    headers: dict[str, str]


async def read_plan(container: Threadline, min_position: int | None) -> ReadPlan:
    if not min_position:
        return ReadPlan(container.cache, container.reader, {})
    fresh = container.reader.fresh()
    reached, position = await wait_for_position(
        min_position, fresh, container.signal, container.settings.read_your_writes_timeout_seconds
    )
    headers = {POSITION_HEADER: str(position), CONSISTENCY_HEADER: "caught-up" if reached else "stale"}
    return ReadPlan(None, fresh, headers)


def viewer_of(request: Request, actor: Actor | None) -> str:
    """Who is viewing, for once-per-window view counts: the user, or a hash of the client."""
    if actor is not None:
        return f"u:{actor.user_id}"
    return anonymous_viewer(
        request.client.host if request.client else "", request.headers.get("user-agent", "")
    )
