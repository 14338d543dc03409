"""The widget's loader and its content-hashed files, for any site to embed."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from threadline.api.widget import WidgetAssets

router = APIRouter(include_in_schema=False)

LOADER_CACHE = "public, max-age=300"
HASHED_CACHE = "public, max-age=31536000, immutable"


def _assets(request: Request) -> WidgetAssets:
    assets: WidgetAssets = request.app.state.widget
    return assets


@router.api_route("/embed.js", methods=["GET", "HEAD"])
async def embed(request: Request) -> Response:
    return Response(
        _assets(request).embed_js, media_type="text/javascript", headers={"Cache-Control": LOADER_CACHE}
    )


@router.api_route("/widget/{content_hash}/{name}", methods=["GET", "HEAD"])
async def widget_file(request: Request, content_hash: str, name: str) -> Response:
    """Only the files of this deploy's hash: an old hash is a 404, never today's bytes under
    yesterday's name (which a cache would then keep for a year)."""
    assets = _assets(request)
    found = assets.files.get(name)
    if content_hash != assets.content_hash or found is None:
        return Response(b"not found", status_code=404, media_type="text/plain")
    body, media = found
    return Response(body, media_type=media, headers={"Cache-Control": HASHED_CACHE})
