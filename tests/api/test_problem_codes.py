"""Every error a client can cause answers one stable code with one status, whichever family it is
in: domain errors (``domain/errors.py``) by their kind, the API's own transport errors
(``api/errors.py``) by their class; both become problems in ``api/problems.py`` alone."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import TypeVar

import orjson
import pytest

from threadline.api.errors import (
    AuthenticationRequired,
    InvalidLastEventId,
    LiveUpdatesDisabled,
    OperatorApiDisabled,
    OperatorKeyRequired,
    RateLimited,
    TenantMismatch,
    TenantRequired,
    TooManyLiveStreams,
    TransportError,
)
from threadline.api.problems import PROBLEM_BASE, PROBLEM_JSON, domain_problem, transport_problem
from threadline.domain.errors import DomainError

E = TypeVar("E", bound=Exception)
SOURCE = Path(__file__).resolve().parents[2] / "src" / "threadline"


def _family(base: type[E]) -> list[type[E]]:
    found: list[type[E]] = []
    for cls in base.__subclasses__():
        found += [cls, *_family(cls)]
    return found


def test_no_two_errors_share_a_code() -> None:
    codes = [cls.code for cls in _family(DomainError)] + [cls.code for cls in _family(TransportError)]
    assert len(codes) == len(set(codes)), sorted(c for c in codes if codes.count(c) > 1)


@pytest.mark.parametrize("error", _family(DomainError), ids=lambda cls: cls.__name__)
def test_every_domain_error_is_a_problem_with_its_code(error: type[DomainError]) -> None:
    response = domain_problem(error(), "/v1/x")
    body = orjson.loads(bytes(response.body))

    assert response.media_type == PROBLEM_JSON
    assert 400 <= response.status_code < 500 and body["status"] == response.status_code
    assert (body["code"], body["type"], body["instance"]) == (error.code, PROBLEM_BASE + error.code, "/v1/x")
    assert ("www-authenticate" in response.headers) == (response.status_code == 401)


@pytest.mark.parametrize(
    ("error", "status", "code"),
    [
        (AuthenticationRequired(), 401, "authentication_required"),
        (TenantMismatch(), 403, "tenant_mismatch"),
        (TenantRequired(), 400, "tenant_required"),
        (RateLimited(7), 429, "rate_limited"),
        (OperatorKeyRequired(), 401, "operator_key_required"),
        (OperatorApiDisabled(), 403, "operator_api_disabled"),
        (InvalidLastEventId(), 400, "invalid_last_event_id"),
        (TooManyLiveStreams(), 429, "too_many_live_streams"),
        (LiveUpdatesDisabled(), 404, "live_updates_disabled"),
    ],
    ids=lambda value: type(value).__name__ if isinstance(value, TransportError) else str(value),
)
def test_every_transport_error_keeps_its_status_and_stable_code(
    error: TransportError, status: int, code: str
) -> None:
    response = transport_problem(error, "/v1/x")
    body = orjson.loads(bytes(response.body))

    assert (response.status_code, body["status"], body["code"]) == (status, status, code)
    assert body["type"] == PROBLEM_BASE + code and body["title"] == type(error).title
    assert response.headers.get("www-authenticate") == ("Bearer" if status == 401 else None)
    # Only a rate limit knows when to come back; too many open streams has no such moment.
    assert response.headers.get("retry-after") == ("7" if isinstance(error, RateLimited) else None)


def test_every_transport_error_is_named_in_this_test() -> None:
    """A transport error added without its status pinned above would go unchecked."""
    pinned = {AuthenticationRequired, TenantMismatch, TenantRequired, RateLimited}
    pinned |= {OperatorKeyRequired, OperatorApiDisabled, InvalidLastEventId, TooManyLiveStreams}
    pinned |= {LiveUpdatesDisabled}
    assert set(_family(TransportError)) == pinned


@pytest.mark.parametrize("layer", ["domain", "application", "adapters"])
def test_no_layer_below_the_api_imports_it(layer: str) -> None:
    """Adapters raise domain errors (a bad token, an unknown tenant), never the API's own."""
    offenders = []
    for module in sorted((SOURCE / layer).rglob("*.py")):
        for node in ast.walk(ast.parse(module.read_text())):
            names = (
                [alias.name for alias in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            offenders += [
                f"{module.relative_to(SOURCE)}: {n}" for n in names if n.startswith("threadline.api")
            ]
    assert offenders == []
