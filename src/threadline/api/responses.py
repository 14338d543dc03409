"""Building responses: prepared JSON bytes, command results, and read-your-writes headers."""

from __future__ import annotations

from dataclasses import dataclass

import orjson
from starlette.requests import Request
from starlette.responses import Response

from threadline.api.viewers import anonymous_viewer
from threadline.application.client_comment import public_status, shown_after_command
from threadline.application.command_runner import CommandOutcome
from threadline.application.ports.projection import ContentRenderer
from threadline.application.ports.query import CommentReader, PageCache
from threadline.application.queries.read_your_writes import wait_for_position
from threadline.bootstrap import Threadline
from threadline.domain.identity import Actor

JSON = "application/json"
POSITION_HEADER = "X-Threadline-Position"
CONSISTENCY_HEADER = "X-Threadline-Consistency"


def json_bytes(body: bytes, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(body, status_code=status, media_type=JSON, headers=headers)


def command_response(
    outcome: CommandOutcome, *, status: int = 200, renderer: ContentRenderer | None = None, **extra: object
) -> Response:
    """The command's result; with a ``renderer``, also the comment as the command left it, with
    the fields a read of it has (``application/client_comment.py``)."""
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
        created = outcome.created and outcome.changed  # not a repeated create
        body["comment"] = shown_after_command(comment, renderer, created=created)
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
