"""The moderation console: its page, the loader a host's admin page mounts it with, and their
content-hashed files. Always served: it holds no data, every action is the API's, behind the
moderator's or admin's token."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, Response

from threadline.api.console import ConsoleAssets

router = APIRouter(include_in_schema=False)


def _assets(request: Request) -> ConsoleAssets:
    assets: ConsoleAssets = request.app.state.console
    return assets


@router.api_route("/console", methods=["GET", "HEAD"])
async def console_redirect() -> Response:
    return RedirectResponse("/console/", status_code=308)


@router.api_route("/console/", methods=["GET", "HEAD"])
async def console_page(request: Request) -> Response:
    return _assets(request).page.entry_response("text/html; charset=utf-8")


@router.api_route("/console.js", methods=["GET", "HEAD"])
async def console_loader(request: Request) -> Response:
    return _assets(request).loader.entry_response("text/javascript")


@router.api_route("/console/{content_hash}/{name}", methods=["GET", "HEAD"])
async def console_file(request: Request, content_hash: str, name: str) -> Response:
    return _assets(request).page.file_response(content_hash, name)
