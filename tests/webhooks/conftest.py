"""Webhook tests: the shared backends, with retries, polls and leases short enough for tests,
127.0.0.1 allow-listed for the local receivers, and the in-process deliverers running."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.api.conftest import api, other_api  # noqa: F401  (the API client fixtures)
from tests.webhooks.receiver import Receiver
from tests.webhooks.support import QUICK
from threadline.settings import Settings


@pytest.fixture
def webhook_settings(request: pytest.FixtureRequest) -> dict[str, object]:
    """What a test changes of ``QUICK``: parametrize it indirectly."""
    changes: dict[str, object] = getattr(request, "param", {})
    return changes


@pytest.fixture
def settings(settings: Settings, webhook_settings: dict[str, object]) -> Settings:
    """The shared backend's settings, tuned for webhook tests: the root ``container`` uses them."""
    return settings.model_copy(update={**QUICK, **webhook_settings})


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    started = await Receiver().start()
    try:
        yield started
    finally:
        await started.stop()
