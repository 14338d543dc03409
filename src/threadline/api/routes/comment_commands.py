"""One route body for the commands that name nothing but their comment (like, unlike, pin,
unpin, approve): each route differs only by the command and the state it answers, so a fix to
how such a command is run or answered cannot reach some of them and miss the others."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from starlette.responses import Response

from threadline.api.dependencies import CommandContextDep, ContainerDep
from threadline.api.responses import command_response
from threadline.application.command_runner import Handler

C = TypeVar("C")


def comment_command(
    handler: Handler[C], command: Callable[[str], C], **answer: object
) -> Callable[..., Awaitable[Response]]:
    """The endpoint that runs ``command(comment_id)`` with the request's context and answers its
    outcome with ``answer`` (``liked=True``, ...) added."""

    async def endpoint(comment_id: str, context: CommandContextDep, container: ContainerDep) -> Response:
        outcome = await container.runner.run(handler, command(comment_id), context)
        return command_response(outcome, status=200, renderer=None, **answer)

    return endpoint
