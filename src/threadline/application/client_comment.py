"""A comment as a client sees it: the one definition every response that carries a comment uses.

The reader selects these columns, the projector writes these fields into the read model, and a
command's response renders the write-side comment into the same shape, so a client never sees a
comment with fields that depend on which route sent it (a create response once lacked the counts
a read has). Adding a field here makes mypy ask the projector and the command snapshot for it.

Plain dataclasses on purpose (no ``frozen``, no ``slots``): orjson serializes a dataclass that has
a ``__dict__`` as fast as a dict, while one with ``__slots__`` took three to six times as long,
and a frozen ``__init__`` several times a plain one; an uncached page is built from hundreds.
The price: orjson sends whatever the instance's ``__dict__`` holds, so never set an attribute on
one that is not a field.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Generic, TypeVar

from threadline.application.ports.projection import ContentRenderer
from threadline.domain.comment import Comment, Status

Count = TypeVar("Count", bound=int | None)


@dataclass
class ClientComment(Generic[Count]):
    """Every field a read sends, in the order sent. ``Count`` is ``int`` wherever the comment
    comes from the read model; a command's response may not know a count (``None``), since the
    write model keeps none (see ``shown_after_command``)."""

    id: str
    entity_type: str
    entity_id: str
    parent_id: str | None
    depth: int
    author_id: str | None
    author_name: str | None
    author_avatar: str | None
    author_role: str | None
    content: str | None
    content_html: str | None
    content_format: str
    status: str
    is_pinned: bool
    is_edited: bool
    like_count: Count
    reply_count: Count
    view_count: Count
    created_at: str
    updated_at: str
    edited_at: str | None


CLIENT_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(ClientComment))


def client_fields(comment: ClientComment[Count]) -> dict[str, object]:
    """The fields by name, for a read-model row that stores them under the same names."""
    return {name: getattr(comment, name) for name in CLIENT_FIELDS}


def public_status(comment: Comment) -> str:
    """The status a client sees: an erased comment is simply deleted."""
    return Status.DELETED.value if comment.status is Status.HARD_DELETED else comment.status.value


def shown_after_command(
    comment: Comment, renderer: ContentRenderer, *, created: bool
) -> ClientComment[int | None]:
    """The write-side comment as a read will show it once projected. The write model keeps no
    counts: a comment the command just created has none (0); after any other command (an edit, a
    repeated create) they are unknown here (``None``) — a read with ``min_position`` has them."""
    live = comment.content is not None and comment.is_editable
    count = 0 if created else None
    return ClientComment(
        id=comment.id,
        entity_type=comment.entity_type,
        entity_id=comment.entity_id,
        parent_id=comment.parent_id,
        depth=comment.depth,
        author_id=comment.author_id if live else None,
        author_name=comment.author_name if live else None,
        author_avatar=comment.author_avatar if live else None,
        author_role=comment.author_role if live else None,
        content=comment.content if live else None,
        content_html=renderer.render(comment.content, comment.content_format)
        if live and comment.content is not None
        else None,
        content_format=comment.content_format,
        status=public_status(comment),
        is_pinned=comment.is_pinned,
        is_edited=comment.edited_at is not None,
        like_count=count,
        reply_count=count,
        view_count=count,
        created_at=comment.created_at,
        updated_at=comment.updated_at,
        edited_at=comment.edited_at,
    )
