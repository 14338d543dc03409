"""The moderation console's files, served like the widget's (see ``api.hashed_assets``): its
page ``/console/`` and its mount loader ``/console.js`` are cached briefly and name the console's
script and styles by their content hash."""

from __future__ import annotations

from dataclasses import dataclass
from importlib.resources import files

from threadline.api.hashed_assets import HashedAssets

STATIC = files("threadline.api.console") / "static"
CONSOLE_FILES = {"console-app.js": "text/javascript", "console.css": "text/css"}
HASH_PLACEHOLDER = "__CONSOLE_HASH__"


@dataclass(frozen=True)
class ConsoleAssets:
    """Two entries over one set of hashed files: the page, and the loader for a host's page."""

    page: HashedAssets
    loader: HashedAssets

    @classmethod
    def load(cls) -> ConsoleAssets:
        return cls(
            HashedAssets.load(STATIC, CONSOLE_FILES, "index.html", HASH_PLACEHOLDER),
            HashedAssets.load(STATIC, CONSOLE_FILES, "console.js", HASH_PLACEHOLDER),
        )
