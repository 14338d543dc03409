"""The widget's loader and its content-hashed files, for any site to embed."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from threadline.api.hashed_assets import HashedAssets

router = APIRouter(include_in_schema=False)


def _assets(request: Request) -> HashedAssets:
    assets: HashedAssets = request.app.state.widget
    return assets


@router.api_route("/embed.js", methods=["GET", "HEAD"])
async def embed(request: Request) -> Response:
    return _assets(request).entry_response("text/javascript")


@router.api_route("/widget/{content_hash}/{name}", methods=["GET", "HEAD"])
async def widget_file(request: Request, content_hash: str, name: str) -> Response:
    return _assets(request).file_response(content_hash, name)
