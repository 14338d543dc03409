"""Remark42's backup: JSON lines (often gzipped), a first line of metadata
(``{"version": 1, "users": […], "posts": […]}``), then one comment per line — ``id``, ``pid``
(the parent's id, empty for a root), ``text`` (HTML), ``user`` (``id``, ``name``), ``locator``
(``site``, ``url``: the page), ``time`` (RFC 3339), ``votes`` (voter → up or down), ``score``,
``pin`` and ``delete``. Read line by line."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

from threadline.adapters.imports.source_file import READ_ERRORS, open_source, unreadable_file
from threadline.domain.imports import (
    SourceComment,
    SourceMarkup,
    SourceProblem,
    SourceStatus,
    SourceThread,
    parse_source_time,
)

# Go writes nanoseconds; Python reads at most microseconds.
_FRACTION = re.compile(r"(\.\d{6})\d+")


def read_remark42(path: Path) -> Iterator[SourceComment | SourceProblem]:
    with open_source(path) as source:
        try:
            for number, line in enumerate(source, start=1):
                if not line.strip():
                    continue
                try:
                    record = orjson.loads(line)
                except orjson.JSONDecodeError as error:
                    yield SourceProblem(f"line {number}", f"not JSON ({error}): skipped")
                    continue
                if not isinstance(record, dict):
                    yield SourceProblem(f"line {number}", "not a JSON object: skipped")
                elif number == 1 and "version" in record and "id" not in record:
                    if (version := record.get("version")) not in (0, 1):
                        yield SourceProblem("line 1", f"unknown backup version {version!r}", True)
                        return
                else:
                    yield _comment(record, f"line {number}")
        except READ_ERRORS as error:
            yield unreadable_file(error)


def _comment(record: dict[str, Any], where: str) -> SourceComment | SourceProblem:
    source_id = record.get("id")
    if not isinstance(source_id, str) or not source_id:
        return SourceProblem(where, "a comment without an id: skipped")
    locator = record.get("locator")
    url = locator.get("url") if isinstance(locator, dict) else None
    if not isinstance(url, str) or not url:
        return SourceProblem(where, f"comment {source_id} has no locator url: skipped")
    moment = record.get("time")
    try:
        created_at = parse_source_time(_FRACTION.sub(r"\1", moment)) if isinstance(moment, str) else None
    except ValueError:
        created_at = None
    if created_at is None:
        return SourceProblem(where, f"comment {source_id} has no readable time: skipped")
    user = record.get("user")
    user_id, name = (user.get("id"), user.get("name")) if isinstance(user, dict) else (None, None)
    parent = record.get("pid")
    text = record.get("text")
    title = record.get("title")
    return SourceComment(
        source_id=source_id,
        thread=SourceThread(key=url, url=url, title=title if isinstance(title, str) and title else None),
        parent_source_id=parent if isinstance(parent, str) and parent else None,
        author_name=name if isinstance(name, str) and name else None,
        author_source_id=user_id if isinstance(user_id, str) and user_id not in ("", "deleted") else None,
        created_at=created_at,
        content=text if isinstance(text, str) else "",
        markup=SourceMarkup.HTML,
        status=SourceStatus.DELETED if record.get("delete") is True else SourceStatus.PUBLISHED,
        pinned=record.get("pin") is True,
        like_count=_likes(record),
        location=where,
    )


def _likes(record: dict[str, Any]) -> int | None:
    """Readers who voted a comment up (``votes``), or its positive ``score`` when votes are not
    kept: Threadline has likes, not downvotes."""
    votes = record.get("votes")
    if isinstance(votes, dict) and votes:
        return sum(1 for up in votes.values() if up is True)
    score = record.get("score")
    return max(score, 0) if isinstance(score, int) else None
