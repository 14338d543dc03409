"""The hot commands, run without the framework's request handling: creates, replies and likes.

Writes are where a comment service spends its CPU per request, and for a create most of it was
the framework around the command (resolving the route's dependency tree, its parameter models,
its middleware chain), not the command. This wrapper answers those three routes directly, and
restates none of their rules:

* the route is found by the comments router's own routes, in their order (``route.matches``;
  the app includes that router first, after only its docs pages), so exactly the requests the
  framework would send to ``create``, ``like`` or ``unlike`` come here;
* the caller, the tenant check, the write limit, the correlation id and the command's context
  come from the very dependency functions the routes declare (``api/dependencies.py``), called
  in the order the framework resolves them;
* a create's body is read by the route's body model (``CreateCommentBody``), and the endpoint
  itself (the function the route registered) runs the command and renders its response;
* errors become the problems the framework's handlers make (``api/problems.py``), and every
  answer goes out through the same ``SecurityHeaders`` middleware.

Anything unusual — a CORS origin, a body that is not plain JSON of a declared length, a body the
model refuses, a header given twice, a caller whose token fails before anything is counted — is
handed to the framework untouched (a body already read is replayed to it), which answers it the
one documented way. A test compares both paths' responses byte for byte, errors included.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

import orjson
from fastapi.routing import APIRoute
from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from threadline.api.dependencies import (
    command_actor,
    command_context,
    correlation_id,
    optional_actor,
    required_actor,
)
from threadline.api.errors import TransportError
from threadline.api.middleware import SecurityHeaders
from threadline.api.problems import domain_problem, problem, transport_problem
from threadline.api.routes import comments
from threadline.api.schemas import CreateCommentBody
from threadline.bootstrap import Threadline
from threadline.domain.errors import DomainError

log = logging.getLogger(__name__)

FAST_ROUTES = ("create", "like", "unlike")  # route names, as comments.py registers them
_WATCHED = (b"authorization", b"x-tenant-id", b"x-correlation-id", b"content-type", b"content-length")


class _Unusual(Exception):
    """Something only the framework answers the documented way: hand the request over."""


class FastCommands:
    def __init__(self, app: ASGIApp, container: Threadline) -> None:
        self.app = app
        self.container = container
        self.served = 0  # requests answered here rather than by the framework
        # Each route of the comments router, in order, with its name if it is one answered here.
        self._routes = [
            (route, route.name if isinstance(route, APIRoute) and route.name in FAST_ROUTES else None)
            for route in comments.router.routes
        ]
        assert sorted(name for _, name in self._routes if name) == sorted(FAST_ROUTES)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("POST", "PUT", "DELETE"):
            await self.app(scope, receive, send)
            return
        route, name, path_params = self._route(scope)
        if route is None:
            await self.app(scope, receive, send)
            return
        read: list[bytes] = []  # the body as far as it was read here, to replay
        try:
            headers = _headers(scope)
            body = await _body(receive, headers, self.container.settings.max_body_bytes, read)
            response = await self._answer(scope, route, name, path_params, headers, body)
        except _Unusual:
            await self.app(scope, _replaying(read, receive), send)
            return
        self.served += 1
        await SecurityHeaders(response)(scope, receive, send)

    def _route(self, scope: Scope) -> tuple[APIRoute | None, str, dict[str, Any]]:
        """The route the router would choose (the first full match, in order), if it is ours."""
        for route, name in self._routes:
            match, child = route.matches(scope)
            if match is Match.FULL:
                if name is not None and isinstance(route, APIRoute):
                    return route, name, child.get("path_params", {})
                break
        return None, "", {}

    async def _answer(
        self,
        scope: Scope,
        route: APIRoute,
        name: str,
        path_params: dict[str, Any],
        headers: dict[bytes, str],
        body: bytes,
    ) -> Response:
        container = self.container
        if name == "create":
            if headers.get(b"content-type") != "application/json":
                raise _Unusual()
            try:
                payload = CreateCommentBody.model_validate(orjson.loads(body))
            except (orjson.JSONDecodeError, ValidationError):
                raise _Unusual() from None  # the framework words the 400 or 422
        elif body:
            raise _Unusual()
        try:
            # Before anything is counted: a failing token is the framework's to answer.
            actor = await required_actor(await optional_actor(container, headers.get(b"authorization")))
        except Exception:  # a refused token, or anything unexpected: the framework answers it
            raise _Unusual() from None
        request = Request(scope)
        try:
            actor = await command_actor(request, container, actor, headers.get(b"x-tenant-id"))
            context = await command_context(
                container, actor, correlation_id(headers.get(b"x-correlation-id"))
            )
            endpoint: Callable[..., Awaitable[Response]] = route.endpoint
            if name == "create":
                return await endpoint(payload, context, container)
            return await endpoint(path_params["comment_id"], context, container)
        except DomainError as error:  # as the framework's handlers answer them (api/problems.py)
            return domain_problem(error, request.url.path)
        except TransportError as error:
            return transport_problem(error, request.url.path)
        except Exception:
            log.exception("unexpected error on %s %s", scope["method"], request.url.path)
            return problem(500, "internal_error", "an unexpected error occurred", instance=request.url.path)


def _headers(scope: Scope) -> dict[bytes, str]:
    """The headers the routes read; a CORS request, a chunked body or a repeated header is the
    framework's."""
    found: dict[bytes, str] = {}
    for name, value in scope["headers"]:
        if name in (b"origin", b"transfer-encoding"):
            raise _Unusual()
        if name in _WATCHED:
            if name in found:
                raise _Unusual()
            found[name] = value.decode("latin-1")
    return found


async def _body(receive: Receive, headers: dict[bytes, str], limit: int, read: list[bytes]) -> bytes:
    """The whole body of a request that declared its length (and kept to it); ``read`` keeps
    the chunks taken from the connection, for a replay."""
    declared = headers.get(b"content-length")
    if declared is None or declared == "0":
        return b""  # nothing read: the framework reads the connection itself
    if not (declared.isascii() and declared.isdigit()) or int(declared) > limit:  # "²" is a digit
        raise _Unusual()  # BodySizeLimit answers the 413
    more = True
    while more:
        message = await receive()
        if message["type"] != "http.request":
            raise _Unusual()  # the client went away: the framework sees the same
        read.append(message.get("body", b""))
        more = message.get("more_body", False)
    body = b"".join(read)
    if len(body) != int(declared):
        raise _Unusual()
    return body


def _replaying(read: list[bytes], receive: Receive) -> Receive:
    """The chunks already taken from the connection, again, for the framework; then the
    connection's own messages."""
    if not read:
        return receive
    pending = list(read)

    async def replay() -> Message:
        if pending:
            return {"type": "http.request", "body": pending.pop(0), "more_body": bool(pending)}
        return await receive()

    return replay
