"""Disqus's XML export: every ``<thread>`` first (its ``dsq:id``, ``<link>``, ``<id>`` — the
site's own identifier — and ``<title>``), then every ``<post>`` naming its thread and, for a
reply, its ``<parent>`` by ``dsq:id``; ``<message>`` is HTML, ``<isDeleted>`` and ``<isSpam>``
flag the ones to keep out, ``<author>`` has a ``<name>``, ``<isAnonymous>`` and, for accounts,
a ``<username>``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from lxml import etree

from threadline.adapters.imports.source_file import (
    READ_ERRORS,
    child_text,
    forget,
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

DISQUS = "{http://disqus.com}"
INTERNALS = "{http://disqus.com/disqus-internals}"


def read_disqus(path: Path) -> Iterator[SourceComment | SourceProblem]:
    threads: dict[str, SourceThread] = {}  # one small header per thread, never the posts
    with open_source(path) as source:
        try:
            for element in xml_elements(source, (DISQUS + "thread", DISQUS + "post")):
                parent = element.getparent()
                if parent is None or parent.tag != DISQUS + "disqus":
                    continue  # a post's <thread dsq:id="…"/>: read with its post
                if element.tag == DISQUS + "thread":
                    found = _thread(element)
                    if isinstance(found, SourceThread):
                        threads[found.key] = found
                    else:
                        yield found
                else:
                    yield _post(element, threads)
                forget(element)
        except etree.XMLSyntaxError as error:
            yield unreadable_xml(error)
        except READ_ERRORS as error:
            yield unreadable_file(error)


def _thread(element: etree._Element) -> SourceThread | SourceProblem:
    key = element.get(INTERNALS + "id")
    if not key:
        return SourceProblem(f"line {element.sourceline}", "a <thread> without dsq:id: skipped")
    return SourceThread(
        key=key,
        url=_clean(child_text(element, "link")),
        identifier=_clean(child_text(element, "id")),
        title=_clean(child_text(element, "title")),
    )


def _post(element: etree._Element, threads: dict[str, SourceThread]) -> SourceComment | SourceProblem:
    where = f"line {element.sourceline}"
    source_id = element.get(INTERNALS + "id")
    if not source_id:
        return SourceProblem(where, "a <post> without dsq:id: skipped")
    thread_key = _reference(element, "thread")
    thread = threads.get(thread_key or "")
    if thread is None:
        return SourceProblem(where, f"post {source_id} is in thread {thread_key!r}, not in the file: skipped")
    try:
        created_at = parse_source_time(child_text(element, "createdAt") or "")
    except ValueError:
        return SourceProblem(where, f"post {source_id} has no readable <createdAt>: skipped")
    author = next((child for child in element if child.tag == DISQUS + "author"), None)
    name = _clean(child_text(author, "name")) if author is not None else None
    anonymous = author is None or _flag(child_text(author, "isAnonymous"))
    username = None if anonymous or author is None else _clean(child_text(author, "username"))
    if _flag(child_text(element, "isSpam")):
        status = SourceStatus.SPAM
    elif _flag(child_text(element, "isDeleted")):
        status = SourceStatus.DELETED
    else:
        status = SourceStatus.PUBLISHED
    return SourceComment(
        source_id=source_id,
        thread=thread,
        parent_source_id=_reference(element, "parent"),
        author_name=name,
        author_source_id=username,
        created_at=created_at,
        content=child_text(element, "message") or "",
        markup=SourceMarkup.HTML,
        status=status,
        location=where,
    )


def _reference(element: etree._Element, name: str) -> str | None:
    for child in element:
        if child.tag == DISQUS + name:
            return child.get(INTERNALS + "id") or None
    return None


def _flag(text: str | None) -> bool:
    return (text or "").strip().lower() == "true"


def _clean(text: str | None) -> str | None:
    stripped = (text or "").strip()
    return stripped or None
