"""Isso's SQLite database: ``threads`` (``id``, ``uri``, ``title``) and ``comments`` (``tid``,
``id``, ``parent``, ``created`` as Unix seconds, ``mode`` — 1 accepted, 2 awaiting moderation,
4 deleted but kept for its replies —, ``text`` in markdown, ``author``, ``likes``). Isso has no
accounts: every author is a guest. Rows are read in id order through one cursor, never all at
once; the file is opened read-only."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from threadline.domain.imports import (
    SourceComment,
    SourceMarkup,
    SourceProblem,
    SourceStatus,
    SourceThread,
    utc_timestamp,
)

_MODES = {1: SourceStatus.PUBLISHED, 2: SourceStatus.PENDING, 4: SourceStatus.DELETED}
_ROWS = """
SELECT c.id, c.parent, c.created, c.mode, c.text, c.author, c.likes, t.id, t.uri, t.title
FROM comments AS c LEFT JOIN threads AS t ON t.id = c.tid
ORDER BY c.id
"""


def read_isso(path: Path) -> Iterator[SourceComment | SourceProblem]:
    try:
        database = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as error:
        yield SourceProblem("file", f"not an Isso database ({error}); nothing read", True)
        return
    try:
        try:
            rows = database.execute(_ROWS)
        except sqlite3.DatabaseError as error:  # not SQLite at all, or no Isso tables
            yield SourceProblem("file", f"not an Isso database ({error}); nothing read", True)
            return
        while True:
            try:
                batch = rows.fetchmany(500)
            except sqlite3.DatabaseError as error:
                yield SourceProblem("file", f"the database is damaged ({error}); read no further", True)
                return
            if not batch:
                return
            for row in batch:
                yield _comment(row)
    finally:
        database.close()


def _comment(row: tuple[object, ...]) -> SourceComment | SourceProblem:
    comment_id, parent, created, mode, text, author, likes, thread_id, uri, title = row
    where = f"comment id {comment_id}"
    if thread_id is None or not isinstance(uri, str):
        return SourceProblem(where, f"comment {comment_id} belongs to no thread in the database: skipped")
    status = _MODES.get(mode) if isinstance(mode, int) else None
    if status is None:
        return SourceProblem(where, f"comment {comment_id} has an unknown mode {mode!r}: skipped")
    if not isinstance(created, int | float):
        return SourceProblem(where, f"comment {comment_id} has no readable creation time: skipped")
    try:
        created_at = utc_timestamp(datetime.fromtimestamp(float(created), UTC))
    except (OverflowError, OSError, ValueError):
        return SourceProblem(where, f"comment {comment_id} has an impossible creation time: skipped")
    return SourceComment(
        source_id=str(comment_id),
        thread=SourceThread(
            key=uri, url=None, identifier=uri, title=title if isinstance(title, str) else None
        ),
        parent_source_id=None if parent is None else str(parent),
        author_name=author.strip() or None if isinstance(author, str) else None,
        author_source_id=None,
        created_at=created_at,
        content=text if isinstance(text, str) else "",
        markup=SourceMarkup.MARKDOWN,
        status=status,
        like_count=likes if isinstance(likes, int) and likes >= 0 else None,
        location=where,
    )
