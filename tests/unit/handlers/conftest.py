"""Every handler test gets a fresh harness."""

from __future__ import annotations

import pytest

from tests.unit.handlers.harness import Harness


@pytest.fixture
def h() -> Harness:
    return Harness()
