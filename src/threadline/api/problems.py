"""RFC 9457 problem details: every error a client can cause, with a stable ``code``.

The one place where errors become HTTP answers: domain error kinds map to statuses here, and the
API's own transport errors (``api/errors.py``) bring theirs.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from threadline.api.errors import RateLimited, TransportError
from threadline.api.schemas import Problem
from threadline.domain.errors import DomainError, ErrorKind

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"
PROBLEM_BASE = "https://threadline.dev/problems/"

STATUS_OF_KIND = {
    ErrorKind.INVALID: 422,
    ErrorKind.NOT_FOUND: 404,
    ErrorKind.CONFLICT: 409,
    ErrorKind.FORBIDDEN: 403,
    ErrorKind.UNAUTHENTICATED: 401,
    ErrorKind.TOO_LARGE: 413,
}
# Domain errors about the request's form rather than its meaning answer 400.
BAD_REQUEST_CODES = {"invalid_cursor"}


def problem(
    status: int,
    code: str,
    detail: str,
    *,
    title: str | None = None,
    instance: str | None = None,
    extra: dict[str, object] | None = None,
    headers: Mapping[str, str] | None = None,
) -> Response:
    body: dict[str, object] = {
        "type": PROBLEM_BASE + code,
        "title": title or HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        "code": code,
    }
    if instance:
        body["instance"] = instance
    if extra:
        body.update(extra)
    return Response(orjson.dumps(body), status_code=status, media_type=PROBLEM_JSON, headers=headers)


def domain_problem(error: DomainError, instance: str | None = None) -> Response:
    status = 400 if error.code in BAD_REQUEST_CODES else STATUS_OF_KIND[error.kind]
    extra: dict[str, object] | None = {"field": error.field} if error.field else None
    return problem(
        status,
        error.code,
        error.detail,
        title=error.title,
        instance=instance,
        extra=extra,
        headers=_challenge(status),
    )


def transport_problem(error: TransportError, instance: str | None = None) -> Response:
    headers = {"Retry-After": str(error.retry_after)} if isinstance(error, RateLimited) else None
    return problem(
        error.status,
        error.code,
        error.detail,
        title=error.title,
        instance=instance,
        headers=headers or _challenge(error.status),
    )


def _challenge(status: int) -> dict[str, str] | None:
    """Every 401 names the scheme that would have been accepted (RFC 9110 §11.6.1)."""
    return {"WWW-Authenticate": "Bearer"} if status == 401 else None


def _location(loc: tuple[object, ...] | list[object]) -> str:
    return ".".join(str(part) for part in loc)


def install_problem_handlers(app: FastAPI) -> None:
    document_problems(app)

    @app.exception_handler(DomainError)
    async def on_domain_error(request: Request, error: DomainError) -> Response:
        return domain_problem(error, request.url.path)

    @app.exception_handler(TransportError)
    async def on_transport_error(request: Request, error: TransportError) -> Response:
        return transport_problem(error, request.url.path)

    @app.exception_handler(RequestValidationError)
    async def on_validation_error(request: Request, error: RequestValidationError) -> Response:
        errors = list(error.errors())
        if any(e.get("type") == "json_invalid" for e in errors):
            return problem(
                400, "malformed_json", "the request body is not valid JSON", instance=request.url.path
            )
        details = [
            {
                "location": _location(e.get("loc", ())),
                "message": str(e.get("msg", "")),
                "type": str(e.get("type", "")),
            }
            for e in errors
        ]
        summary = "; ".join(f"{d['location']}: {d['message']}" for d in details[:5])
        return problem(
            422,
            "validation_failed",
            summary or "the request is invalid",
            title="The request is invalid",
            instance=request.url.path,
            extra={"errors": details},
        )

    @app.exception_handler(StarletteHTTPException)
    async def on_http_error(request: Request, error: StarletteHTTPException) -> Response:
        codes = {
            404: "not_found",
            405: "method_not_allowed",
            413: "payload_too_large",
            415: "unsupported_media_type",
        }
        code = codes.get(error.status_code, f"http_{error.status_code}")
        detail = error.detail if isinstance(error.detail, str) else HTTPStatus(error.status_code).phrase
        if error.status_code == 400 and detail == "There was an error parsing the body":
            # FastAPI's answer when the JSON parser itself fails (e.g. nesting too deep).
            code, detail = "malformed_json", "the request body is not valid JSON"
        return problem(error.status_code, code, detail, instance=request.url.path, headers=error.headers)

    @app.exception_handler(Exception)
    async def on_unexpected(request: Request, error: Exception) -> Response:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return problem(500, "internal_error", "an unexpected error occurred", instance=request.url.path)


def _problem_response(description: str, headers: dict[str, str] | None = None) -> dict[str, Any]:
    response: dict[str, Any] = {
        "description": description,
        "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }
    if headers:
        response["headers"] = {
            name: {"description": text, "schema": {"type": "string"}} for name, text in headers.items()
        }
    return response


# The errors the /v1 routes answer, for their OpenAPI documentation (see ``document_problems``).
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: _problem_response("Malformed request: invalid JSON or cursor, or no tenant named"),
    401: _problem_response("The bearer token is missing, invalid or expired", {"WWW-Authenticate": "Bearer"}),
    403: _problem_response("Not allowed, or the token belongs to another tenant"),
    404: _problem_response("The comment or tenant does not exist"),
    409: _problem_response("The comment's state forbids this, or a concurrent change won"),
    413: _problem_response("The request body is too large"),
    422: _problem_response("The request is invalid; see code, field and errors"),
    429: _problem_response("Too many requests", {"Retry-After": "Seconds to wait before retrying"}),
}


def document_problems(app: FastAPI) -> None:
    """Adds the Problem schema that ERROR_RESPONSES refer to to the app's OpenAPI components
    (FastAPI only adds response models under the route's own media type, application/json)."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        document = generate()
        schemas = document.setdefault("components", {}).setdefault("schemas", {})
        if "Problem" not in schemas:
            schema = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
            schemas.update(schema.pop("$defs", {}))
            schemas["Problem"] = schema
        return document

    app.openapi = openapi  # type: ignore[method-assign]
