"""The maximum reply depth comes from settings (``max_reply_depth``), not from a constant."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.api.support import Api, assert_problem
from threadline.settings import Settings


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'threadline.db'}",
        run_projector=False,
        max_reply_depth=2,
    )


async def test_a_reply_deeper_than_the_configured_maximum_is_rejected(api: Api) -> None:
    root = await api.create("depth 0")
    child = await api.reply(root, "depth 1")
    grandchild = await api.reply(child, "depth 2")

    response = await api.send(
        "POST",
        "/v1/comments",
        json={"entity_type": "post", "entity_id": "p1", "content": "depth 3", "parent_id": grandchild["id"]},
    )

    body = assert_problem(response, 422, "max_depth_exceeded")
    assert body["field"] == "parent_id"
    assert "2" in body["detail"]
    assert (await api.comment(grandchild["id"]))["reply_count"] == 0
