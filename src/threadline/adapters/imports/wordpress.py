"""WordPress's export (WXR, an RSS file with the ``wp:`` namespace of export versions 1.0 to 1.2):
each ``<item>`` is a post — ``<title>``, ``<link>``, ``<wp:post_id>``, ``<wp:post_name>`` —
whose ``<wp:comment>``s follow its fields, each with an id, a parent (``0`` for none), the
author's name and user id (``0`` for a guest), the GMT date, the content and
``comment_approved`` (``1``, ``0`` awaiting moderation, ``spam``, ``trash``). Comments are read
one at a time as each ends, so a post with a million comments costs no more memory than one."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from lxml import etree

from threadline.adapters.imports.source_file import (
    READ_ERRORS,
    child_text,
    forget,
    local_name,
    open_source,
    unreadable_file,
    unreadable_xml,
    xml_elements,
)
from threadline.domain.imports import (
    SourceComment,
    SourceMarkup,
    SourceProblem,
    SourceStatus,
    SourceThread,
    parse_source_time,
)

_ITEM_FIELDS = ("title", "link", "post_id", "post_name")
_STATUSES = {
    "1": SourceStatus.PUBLISHED,
    "approve": SourceStatus.PUBLISHED,
    "0": SourceStatus.PENDING,
    "hold": SourceStatus.PENDING,
    "spam": SourceStatus.SPAM,
    "trash": SourceStatus.TRASH,
    "post-trashed": SourceStatus.TRASH,
}
_NO_DATE = "0000-00-00 00:00:00"


def read_wordpress(path: Path) -> Iterator[SourceComment | SourceProblem]:
    tags = ("{*}item", "{*}comment", *(f"{{*}}{name}" for name in _ITEM_FIELDS))
    item: dict[str, str] = {}
    with open_source(path) as source:
        try:
            for element in xml_elements(source, tags):
                parent = element.getparent()
                within_item = parent is not None and local_name(parent) == "item"
                name = local_name(element)
                if name == "item":
                    item = {}
                    forget(element)
                elif not within_item:
                    continue  # the channel's own <title> and <link>
                elif name == "comment":
                    yield _comment(element, item)
                    forget(element)
                else:
                    item[name] = (element.text or "").strip()
        except etree.XMLSyntaxError as error:
            yield unreadable_xml(error)
        except READ_ERRORS as error:
            yield unreadable_file(error)


def _comment(element: etree._Element, item: dict[str, str]) -> SourceComment | SourceProblem:
    where = f"line {element.sourceline}"
    source_id = (child_text(element, "comment_id") or "").strip()
    if not source_id:
        return SourceProblem(where, "a <wp:comment> without comment_id: skipped")
    post_id = item.get("post_id")
    if not post_id:
        return SourceProblem(where, f"comment {source_id} is not inside a post with a wp:post_id: skipped")
    kind = (child_text(element, "comment_type") or "").strip()
    if kind in ("pingback", "trackback"):
        return SourceProblem(where, f"comment {source_id} is a {kind}, not a reader's comment: skipped")
    approved = (child_text(element, "comment_approved") or "").strip().lower()
    status = _STATUSES.get(approved)
    if status is None:
        return SourceProblem(where, f"comment {source_id}: unknown comment_approved {approved!r}: skipped")
    moment = (child_text(element, "comment_date_gmt") or "").strip()
    if not moment or moment == _NO_DATE:  # WordPress leaves GMT empty on some held comments
        moment = (child_text(element, "comment_date") or "").strip()
    try:
        created_at = parse_source_time(moment)
    except ValueError:
        return SourceProblem(where, f"comment {source_id} has no readable date: skipped")
    parent = (child_text(element, "comment_parent") or "0").strip()
    user = (child_text(element, "comment_user_id") or "0").strip()
    return SourceComment(
        source_id=source_id,
        thread=SourceThread(
            key=post_id,
            url=item.get("link") or None,
            identifier=item.get("post_name") or None,
            title=item.get("title") or None,
        ),
        parent_source_id=None if parent in ("", "0") else parent,
        author_name=(child_text(element, "comment_author") or "").strip() or None,
        author_source_id=None if user in ("", "0") else user,
        created_at=created_at,
        content=child_text(element, "comment_content") or "",
        markup=SourceMarkup.HTML_PARAGRAPHS,
        status=status,
        location=where,
    )
