"""``/demo``: a sample article embedding the widget for the dev tenant, with demo users to switch
between. Mounted only by ``threadline serve --dev`` (``THREADLINE_DEMO_ENABLED``): the token
endpoint hands out tokens to anyone who asks, which only a developer's own machine may do."""

from __future__ import annotations

import html
from typing import Annotated

import orjson
from fastapi import APIRouter, Query
from starlette.responses import Response

from threadline.adapters.auth.jwt_tokens import issue_token
from threadline.api.dependencies import ContainerDep
from threadline.api.responses import json_bytes
from threadline.api.widget import static_text
from threadline.bootstrap import Threadline
from threadline.domain.errors import TenantNotFound
from threadline.domain.identity import Role
from threadline.domain.tenant import Tenant

router = APIRouter(include_in_schema=False)

DEMO_USERS = (
    ("alice", "Alice", Role.USER),
    ("bob", "Bob", Role.USER),
    ("mira", "Mira", Role.MODERATOR),
    ("dev-admin", "Dev Admin", Role.ADMIN),
)
LANGUAGES = ("", "en", "de", "fr", "es", "ru", "zh", "ja", "ar")
THEMES = ("auto", "light", "dark")
DEMO_TOKEN_SECONDS = 3600


def _options(values: tuple[str, ...], chosen: str, labels: dict[str, str] | None = None) -> str:
    return "".join(
        f'<option value="{html.escape(v)}"{" selected" if v == chosen else ""}>'
        f"{html.escape((labels or {}).get(v, v) or 'page default')}</option>"
        for v in values
    )


async def _dev_tenant(container: Threadline) -> Tenant:
    tenant = await container.tenants.by_name(container.settings.dev_tenant_name)
    if tenant is None:
        raise TenantNotFound()
    return tenant


@router.get("/demo")
async def demo_page(
    container: ContainerDep,
    as_user: Annotated[str, Query(alias="as")] = "",
    lang: str = "",
    theme: str = "auto",
) -> Response:
    tenant = await _dev_tenant(container)
    users = ("", *(user_id for user_id, _, _ in DEMO_USERS))
    # The role is the switch's to say, not the user's name (the console and comments show the name).
    labels = {
        "": "anonymous reader",
        **{
            user_id: name if role is Role.USER else f"{name} ({role.value})"
            for user_id, name, role in DEMO_USERS
        },
    }
    page = (
        static_text("demo.html")
        .replace("{{tenant}}", html.escape(tenant.id))
        .replace("{{lang}}", html.escape(lang if lang in LANGUAGES else ""))
        .replace("{{theme}}", html.escape(theme if theme in THEMES else "auto"))
        .replace("{{user_options}}", _options(users, as_user, labels))
        .replace("{{lang_options}}", _options(LANGUAGES, lang))
        .replace("{{theme_options}}", _options(THEMES, theme))
    )
    return Response(page, media_type="text/html; charset=utf-8", headers={"Cache-Control": "no-store"})


@router.get("/demo/{name}")
async def demo_file(name: str) -> Response:
    media = {"demo.js": "text/javascript", "demo.css": "text/css"}.get(name)
    if media is None:
        return Response(b"not found", status_code=404, media_type="text/plain")
    return Response(static_text(name), media_type=media)


@router.get("/v1/dev/demo-users")
async def demo_users(container: ContainerDep) -> Response:
    """The dev tenant's demo users with a fresh token each."""
    tenant = await _dev_tenant(container)
    users = [
        {
            "user_id": user_id,
            "name": name,
            "role": role.value,
            "token": issue_token(
                tenant, user_id=user_id, name=name, role=role, ttl_seconds=DEMO_TOKEN_SECONDS
            ),
        }
        for user_id, name, role in DEMO_USERS
    ]
    return json_bytes(
        orjson.dumps({"tenant_id": tenant.id, "users": users}), headers={"Cache-Control": "no-store"}
    )
