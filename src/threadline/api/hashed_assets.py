"""Browser files served by the API itself under a hash of their bytes (the widget's, the
console's): no build step, plain JavaScript and CSS.

A short-cached entry (a loader script, or the console's page) names the files by a hash computed
once at start: a deploy changes the hash, so a browser never runs a new entry with old files (or
the reverse) from its cache, and the hashed files can be cached for a year as immutable.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from importlib.resources.abc import Traversable

from starlette.responses import Response

ENTRY_CACHE = "public, max-age=300"
HASHED_CACHE = "public, max-age=31536000, immutable"


def content_hash(files: dict[str, bytes]) -> str:
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(name.encode() + b"\0" + files[name] + b"\0")
    return digest.hexdigest()[:16]


@dataclass(frozen=True)
class HashedAssets:
    content_hash: str
    entry: bytes  # the short-cached file naming the others by the hash
    files: dict[str, tuple[bytes, str]]  # name -> (bytes, media type)

    @classmethod
    def load(cls, static: Traversable, hashed: dict[str, str], entry: str, placeholder: str) -> HashedAssets:
        loaded = {name: ((static / name).read_bytes(), media) for name, media in hashed.items()}
        digest = content_hash({name: body for name, (body, _) in loaded.items()})
        named = (static / entry).read_bytes().replace(placeholder.encode(), digest.encode())
        return cls(digest, named, loaded)

    def entry_response(self, media_type: str) -> Response:
        return Response(self.entry, media_type=media_type, headers={"Cache-Control": ENTRY_CACHE})

    def file_response(self, requested_hash: str, name: str) -> Response:
        """Only the files of this deploy's hash: an old hash is a 404, never today's bytes under
        yesterday's name (which a cache would then keep for a year)."""
        found = self.files.get(name)
        if requested_hash != self.content_hash or found is None:
            return Response(b"not found", status_code=404, media_type="text/plain")
        body, media = found
        return Response(body, media_type=media, headers={"Cache-Control": HASHED_CACHE})
