"""Schemathesis over the OpenAPI document: every operation, fed generated valid and invalid requests,
anonymously (with a real tenant's ``X-Tenant-ID``), as that tenant's admin and, on the operator API,
with the operator key, never answers 5xx and always answers as the document says (status code,
content type, body schema, headers), errors included.

Schemathesis' own ASGI transport runs the app on an event loop of its own in another thread and
starts its lifespan there, but the container's engine, projector and signals live on the test's loop.
So cases are generated and checked in a worker thread, and each request is sent back to the test's
loop over ``httpx.ASGITransport``, beside the in-process projector the ``client`` fixture starts.

Bounded for the normal suite (about a minute on two cores). For a deeper run, e.g.
``THREADLINE_FUZZ_EXAMPLES=200 pytest tests/api/test_fuzzing.py``.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

import httpx
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from pydantic import SecretStr
from schemathesis import GenerationMode
from schemathesis.checks import CheckFunction, not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.api.support import Api
from tests.conftest import TokenFactory
from threadline.bootstrap import Threadline
from threadline.domain.identity import Role
from threadline.domain.tenant import Tenant

# Examples per operation, identity and generation mode.
EXAMPLES = int(os.environ.get("THREADLINE_FUZZ_EXAMPLES", "20"))
MAX_EXAMPLES = {GenerationMode.POSITIVE: EXAMPLES, GenerationMode.NEGATIVE: max(EXAMPLES // 2, 1)}
# Not in the list: the checks that re-send requests on their own (ignored_auth, use_after_free,
# ensure_resource_availability, unsupported_method, missing_required_header) would go through
# schemathesis' transport, on another event loop; and positive_data_acceptance, because the
# document cannot state every domain rule (printable entity ids, no control characters in
# content, ids that exist): a valid-looking request answered with a 4xx problem is correct there.
CHECKS: list[CheckFunction] = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
    negative_data_rejection,
]
BASE_URL = "http://threadline.test"
# A live stream answered 200 never ends, and the ASGI transport returns a response only once its
# body is complete; their bad input (positions, entities, scope, tokens, tenants) is checked over
# real HTTP in tests/api/test_live_streams.py.
LIVE_STREAMS = frozenset({"/v1/entities/{entity_type}/{entity_id}/live", "/v1/live"})
OPERATOR_KEY = "fuzzing-operator-key"

T = TypeVar("T")
OnLoop = Callable[[Coroutine[Any, Any, T]], T]


@pytest.mark.parametrize(
    "backend",
    [
        "sqlite",
        pytest.param("postgres", marks=pytest.mark.skip(reason="fuzzing runs once, on the embedded default")),
    ],
)
async def test_every_operation_answers_as_documented(
    lenient_http: httpx.AsyncClient,
    container: Threadline,
    tenant: Tenant,
    other_tenant: Tenant,
    make_token: TokenFactory,
) -> None:
    # One admin sends hundreds of writes a minute here; test_limits_and_headers covers the limits.
    container.rate_limiter = None
    container.settings.operator_key = SecretStr(OPERATOR_KEY)
    schema = schemathesis.openapi.from_dict((await lenient_http.get("/openapi.json")).json())
    loop = asyncio.get_running_loop()

    def on_loop(coroutine: Coroutine[Any, Any, T]) -> T:
        """Runs a coroutine on the test's loop, from the worker thread, and waits for it."""
        return asyncio.run_coroutine_threadsafe(coroutine, loop).result(timeout=120)

    identities = {
        "anonymous": {},
        "admin": {"Authorization": f"Bearer {make_token('root', Role.ADMIN)}"},
    }
    # The operator's real target is another tenant, so disabling or re-keying it spares ``tenant``.
    fuzzer = Fuzzer(on_loop, Api(lenient_http, tenant), identities, other_tenant)
    failures = await asyncio.to_thread(fuzzer.run, schema)

    assert not failures, f"{len(failures)} runs failed:\n\n" + "\n\n".join(failures)


class Fuzzer:
    def __init__(
        self, on_loop: OnLoop[Any], api: Api, identities: dict[str, dict[str, str]], operated: Tenant
    ) -> None:
        self.on_loop = on_loop
        self.api = api
        self.identities = identities
        self.operated = operated

    def run(self, schema: Any) -> list[str]:
        failures: list[str] = []
        for result in schema.get_all_operations():
            operation = result.ok()
            if operation.path in LIVE_STREAMS:
                continue
            # Fresh rows for every operation: the deletes before it must not leave it only 404s and 409s.
            known = self.on_loop(self.seed())
            has_inputs = bool(list(operation.iter_parameters())) or bool(operation.body)
            identities = self.identities
            if operation.path.startswith("/v1/operator"):
                identities = {**identities, "operator": {"X-Operator-Key": OPERATOR_KEY}}
            for identity, headers in identities.items():
                for mode, max_examples in MAX_EXAMPLES.items():
                    if mode is GenerationMode.NEGATIVE and not has_inputs:
                        continue  # nothing to make invalid (/healthz, /readyz)
                    try:
                        self.run_operation(operation, mode, max_examples, headers, known)
                    except Unsatisfiable:
                        # Its inputs are all unconstrained strings (PUT .../like): no invalid request exists.
                        assert mode is GenerationMode.NEGATIVE, operation.label
                    # BaseExceptionGroup too: schemathesis' FailureGroup is one.
                    except (Exception, BaseExceptionGroup) as error:
                        failures.append(f"{operation.label} as {identity}, {mode.value}:\n{error}")
        return failures

    async def seed(self) -> dict[str, list[str]]:
        """A few real comments, so generated requests also reach existing rows, not only 404s."""
        api = self.api
        # Earlier operations may have locked these threads or banned these users: undo that first.
        for path in ("/v1/entities/post/p1/lock", "/v1/entities/article/a-1/lock"):
            await api.ok("DELETE", path, user="root", role=Role.ADMIN)
        for user in ("alice", "bob"):
            await api.ok("DELETE", f"/v1/moderation/bans/{user}", user="root", role=Role.ADMIN)
        root = await api.create("a *root* comment", content_format="markdown")
        reply = await api.reply(root, "a reply")
        other = await api.create("on another entity", entity_type="article", entity_id="a-1", user="bob")
        await api.like(root["id"])
        await api.edit(root["id"], "an edited **root**")
        await api.settle()
        return {
            "comment_id": [root["id"], reply["id"], other["id"]],
            "entity_type": ["post", "article"],
            "entity_id": ["p1", "a-1"],
            "tenant_id": [self.operated.id],
        }

    def run_operation(
        self,
        operation: Any,
        mode: GenerationMode,
        max_examples: int,
        headers: dict[str, str],
        known: dict[str, list[str]],
    ) -> None:
        # Documented headers that carry the identity are sent as they are, not generated.
        documented = {p.name.lower() for p in operation.iter_parameters() if p.location.value == "header"}
        fixed = {
            name: value
            for name, value in {"x-tenant-id": self.api.tenant.id, **headers}.items()
            if name.lower() in documented
        }
        strategy = operation.as_strategy(generation_mode=mode, headers=fixed or None)

        @settings(
            max_examples=max_examples,
            deadline=None,
            derandomize=True,
            database=None,
            phases=[Phase.generate, Phase.shrink],
            suppress_health_check=list(HealthCheck),
            print_blob=False,
        )
        @given(case=strategy, pick=st.integers(min_value=0, max_value=5))
        def check(case: Any, pick: int) -> None:
            if mode is GenerationMode.POSITIVE and pick < 3:
                # Half the valid requests name a comment, an entity or a tenant that exists.
                for name, values in known.items():
                    if name in (case.path_parameters or {}):
                        case.path_parameters[name] = values[pick % len(values)]
            kwargs = case.as_transport_kwargs(base_url=BASE_URL, headers=headers)
            request = requests.Request(
                method=kwargs["method"],
                url=kwargs["url"],
                headers=kwargs["headers"],
                params=kwargs.get("params"),
                data=kwargs.get("data"),
                json=kwargs.get("json"),
            ).prepare()
            response = self.on_loop(
                self.api.http.request(
                    str(request.method),
                    str(request.url),
                    headers=dict(request.headers),  # type: ignore[arg-type]
                    content=request.body,  # type: ignore[arg-type]
                )
            )
            case.validate_response(response, checks=CHECKS, headers=headers, transport_kwargs=kwargs)

        check()
