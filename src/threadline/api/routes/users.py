"""Privacy: a user's data exported, and a user erased."""

from __future__ import annotations

import orjson
from fastapi import APIRouter
from pydantic import BaseModel
from starlette.responses import Response

from threadline.api.dependencies import CommandContextDep, ContainerDep, ReadingActorDep
from threadline.api.problems import ERROR_RESPONSES
from threadline.api.responses import POSITION_HEADER, json_bytes
from threadline.application.commands.erase_user import erase_user
from threadline.domain.authorization import Action, ensure_allowed

router = APIRouter(prefix="/v1/users", tags=["privacy"], responses=ERROR_RESPONSES)


class UserExport(BaseModel):
    user_id: str
    comments: list[dict[str, object]]
    edits: list[dict[str, object]]
    likes: list[dict[str, object]]


class UserErased(BaseModel):
    user_id: str
    comments_erased: int
    likes_removed: int
    position: int


@router.get("/{user_id}/export", response_model=UserExport, summary="Every comment, edit and like of a user")
async def export(user_id: str, actor: ReadingActorDep, container: ContainerDep) -> Response:
    ensure_allowed(actor, Action.EXPORT_USER, user_id)
    assert container.user_data is not None
    return json_bytes(orjson.dumps(await container.user_data.export(actor.tenant_id, user_id[:256])))


@router.delete(
    "/{user_id}", response_model=UserErased, summary="Erase a user: their words and name, everywhere"
)
async def erase(user_id: str, context: CommandContextDep, container: ContainerDep) -> Response:
    assert container.user_data is not None
    settings = context.tenant_settings
    erasure = await erase_user(
        user_id[:256],
        context,
        container.runner,
        container.user_data,
        users_may_erase_themselves=settings.users_may_erase_themselves,
        mode=settings.erasure_mode,
    )
    body = {
        "user_id": erasure.user_id,
        "comments_erased": erasure.comments_erased,
        "likes_removed": erasure.likes_removed,
        "position": erasure.position,
    }
    return json_bytes(orjson.dumps(body), headers={POSITION_HEADER: str(erasure.position)})
