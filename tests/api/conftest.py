"""Fixtures for the HTTP tests: an API client bound to a tenant, on top of the shared ``client``."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import httpx
import pytest

from tests.api.support import Api
from threadline.api.app import create_service
from threadline.bootstrap import Threadline
from threadline.domain.tenant import Tenant

# Not a speed bound: only how long a projector that stopped making progress is waited for.
PROJECTOR_STUCK_SECONDS = 60.0


@pytest.fixture
def api(client: httpx.AsyncClient, tenant: Tenant, container: Threadline) -> Api:
    async def projected(position: int) -> None:
        """Until the running projector has applied ``position``: the tests check what a read
        answers, not how fast the projector is on a machine that may be loaded (that is what the
        benchmarks' lag measures). A test that stopped the projector is not held up; a projector
        that never gets there fails the test, once the guard has passed."""
        deadline = time.monotonic() + PROJECTOR_STUCK_SECONDS
        while container.projecting and container.signal.position < position:
            left = deadline - time.monotonic()
            assert left > 0, f"the projector did not reach position {position}"
            await container.signal.wait(min(left, 0.1))

    return Api(client, tenant, projected=projected)


@pytest.fixture
def other_api(api: Api, other_tenant: Tenant) -> Api:
    """The same server seen from a second tenant; reads wait for writes made in either."""
    return api.for_tenant(other_tenant)


@pytest.fixture
async def lenient_http(client: httpx.AsyncClient, container: Threadline) -> AsyncIterator[httpx.AsyncClient]:
    """Like ``client`` (whose projector it relies on), but a crash comes back as the 500 response a
    real server would send instead of being raised into the test."""
    transport = httpx.ASGITransport(app=create_service(container=container), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://threadline.test") as http:
        yield http
