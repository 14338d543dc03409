"""Small named checks on what a client sends; each raises one ``DomainError`` with a stable code."""

from __future__ import annotations

import re
import unicodedata
import uuid

from threadline.domain.errors import (
    InvalidCommand,
    InvalidContent,
    InvalidEntity,
    MaxDepthExceeded,
)

ENTITY_TYPE_PATTERN = re.compile(r"[a-z][a-z0-9_-]{0,63}")
MAX_ENTITY_ID_LENGTH = 256
MAX_CONTENT_LENGTH = 10_000
MAX_REASON_LENGTH = 1_000
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ufeff]")
# uuid.UUID alone also takes '+', '_', padding spaces and non-ASCII digits (it ends in int(x, 16)).
_UUID_TEXT = re.compile(r"[0-9a-fA-F]{8}(-?)[0-9a-fA-F]{4}\1[0-9a-fA-F]{4}\1[0-9a-fA-F]{4}\1[0-9a-fA-F]{12}")


def valid_entity_type(entity_type: str) -> str:
    if not ENTITY_TYPE_PATTERN.fullmatch(entity_type):
        raise InvalidEntity("entity_type must match [a-z][a-z0-9_-]{0,63}", field="entity_type")
    return entity_type


def valid_entity_id(entity_id: str) -> str:
    if not 1 <= len(entity_id) <= MAX_ENTITY_ID_LENGTH:
        raise InvalidEntity("entity_id must be 1-256 characters", field="entity_id")
    if not entity_id.isprintable():
        raise InvalidEntity("entity_id must be printable characters", field="entity_id")
    return entity_id


def valid_content(content: str) -> str:
    """Comments are stored trimmed, with Unix newlines and in Unicode NFC, so equal text compares
    equal. Control characters are refused wherever they stand, not trimmed away at the ends."""
    text = content.replace("\r\n", "\n").replace("\r", "\n")
    if _CONTROL_CHARACTERS.search(text):
        raise InvalidContent(
            "content must not contain control characters other than newline and tab",
            field="content",
        )
    normalized = unicodedata.normalize("NFC", text).strip()
    if not normalized:
        raise InvalidContent("content must not be empty", field="content")
    if len(normalized) > MAX_CONTENT_LENGTH:
        raise InvalidContent(f"content must be at most {MAX_CONTENT_LENGTH} characters", field="content")
    if any(0xD800 <= ord(ch) <= 0xDFFF for ch in normalized):
        raise InvalidContent("content must be valid Unicode", field="content")
    return normalized


def valid_reason(reason: str | None, *, required: bool = False) -> str | None:
    if reason and _CONTROL_CHARACTERS.search(reason.replace("\r\n", "\n")):
        raise InvalidCommand("reason must not contain control characters", field="reason")
    text = unicodedata.normalize("NFC", reason).strip() if reason else ""
    if not text:
        if required:
            raise InvalidCommand("a reason is required", field="reason")
        return None
    surrogate = any(0xD800 <= ord(ch) <= 0xDFFF for ch in text)  # JSON allows them; storage cannot
    if len(text) > MAX_REASON_LENGTH or _CONTROL_CHARACTERS.search(text) or surrogate:
        raise InvalidCommand(
            f"reason must be at most {MAX_REASON_LENGTH} printable characters", field="reason"
        )
    return text


def valid_comment_id(comment_id: str) -> str:
    """Comment ids are UUIDs in canonical lower-case form, so a retry finds the same row."""
    try:
        if not isinstance(comment_id, str) or not _UUID_TEXT.fullmatch(comment_id):
            raise ValueError(comment_id)
        parsed = uuid.UUID(comment_id)
    except (ValueError, AttributeError, TypeError):
        raise InvalidCommand("comment id must be a UUID", field="id") from None
    return str(parsed)


def allowed_reply_depth(parent_depth: int, max_depth: int) -> int:
    depth = parent_depth + 1
    if depth > max_depth:
        raise MaxDepthExceeded(f"replies may be nested at most {max_depth} levels deep", field="parent_id")
    return depth
