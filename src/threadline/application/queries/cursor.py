"""Opaque keyset cursors. They carry the sort key of the last row and the page number; a
cursor from another query (thread, sort or parent) is refused rather than silently misread."""

from __future__ import annotations

import base64
import binascii
import hashlib

import orjson

from threadline.application.ports.query import PageKey
from threadline.domain.errors import InvalidCursor

MAX_CURSOR_LENGTH = 200


def query_fingerprint(*parts: str | None) -> str:
    return hashlib.blake2b("\x1f".join(p or "" for p in parts).encode(), digest_size=6).hexdigest()


def encode_cursor(fingerprint: str, key: PageKey, page: int) -> str:
    raw = orjson.dumps([1, fingerprint, int(key.is_pinned), key.like_count, key.created_seq, page])
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, fingerprint: str) -> tuple[PageKey, int]:
    if len(cursor) > MAX_CURSOR_LENGTH:
        raise InvalidCursor("the cursor is too long", field="cursor")
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        version, owner, pinned, likes, seq, page = orjson.loads(raw)
    except (binascii.Error, ValueError, TypeError, orjson.JSONDecodeError):
        raise InvalidCursor(field="cursor") from None
    valid = (
        version == 1
        and owner == fingerprint
        and type(pinned) is int
        and pinned in (0, 1)
        and all(type(v) is int and 0 <= v < 2**62 for v in (likes, seq, page))
    )
    if not valid:
        raise InvalidCursor(field="cursor")
    return PageKey(is_pinned=bool(pinned), like_count=likes, created_seq=seq), page
