"""The embeddable widget's files, served by the API itself (no build step: plain JavaScript).

The loader (``embed.js``) is cached briefly and names the widget's files by a hash of their
bytes, computed once at start: a deploy changes the hash, so a browser never runs a new loader
with old widget files (or the reverse) from its cache, and the hashed files can be cached for a
year as immutable.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from importlib.resources import files

STATIC = files("threadline.api.widget") / "static"
# The files the loader's hash covers: everything the widget itself runs or styles itself with.
WIDGET_FILES = {"widget.js": "text/javascript", "widget.css": "text/css"}
HASH_PLACEHOLDER = "__WIDGET_HASH__"


@dataclass(frozen=True)
class WidgetAssets:
    content_hash: str
    embed_js: bytes
    files: dict[str, tuple[bytes, str]]  # name -> (bytes, media type)

    @classmethod
    def load(cls) -> WidgetAssets:
        loaded = {name: ((STATIC / name).read_bytes(), media) for name, media in WIDGET_FILES.items()}
        digest = hashlib.sha256()
        for name in sorted(loaded):
            digest.update(name.encode() + b"\0" + loaded[name][0] + b"\0")
        content_hash = digest.hexdigest()[:16]
        embed = (STATIC / "embed.js").read_bytes().replace(HASH_PLACEHOLDER.encode(), content_hash.encode())
        return cls(content_hash, embed, loaded)


def static_text(name: str) -> str:
    """A file of the demo page (``demo.html``, ``demo.js``, ``demo.css``)."""
    return (STATIC / name).read_text(encoding="utf-8")
