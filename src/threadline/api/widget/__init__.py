"""The embeddable widget's files, served by the API itself (see ``api.hashed_assets``): the
loader ``embed.js`` is cached briefly and names the widget's files by their content hash."""

from __future__ import annotations

from importlib.resources import files

from threadline.api.hashed_assets import HashedAssets

STATIC = files("threadline.api.widget") / "static"
# The files the loader's hash covers: everything the widget itself runs or styles itself with.
WIDGET_FILES = {"widget.js": "text/javascript", "widget.css": "text/css"}
HASH_PLACEHOLDER = "__WIDGET_HASH__"


def load_widget() -> HashedAssets:
    return HashedAssets.load(STATIC, WIDGET_FILES, "embed.js", HASH_PLACEHOLDER)


def static_text(name: str) -> str:
    """A file of the demo page (``demo.html``, ``demo.js``, ``demo.css``)."""
    return (STATIC / name).read_text(encoding="utf-8")
