"""The readers of other systems' export files, on fixtures written from each format's
documentation: what each comment becomes, what is reported, and that a damaged or hostile file
is a report line, never an exception."""

from __future__ import annotations

import gzip
import shutil
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from threadline.adapters.imports.disqus import read_disqus
from threadline.adapters.imports.isso import read_isso
from threadline.adapters.imports.remark42 import read_remark42
from threadline.adapters.imports.wordpress import read_wordpress
from threadline.domain.imports import SourceComment, SourceMarkup, SourceProblem, SourceStatus

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "imports"
Reader = Callable[[Path], Iterator[SourceComment | SourceProblem]]


def isso_database(directory: Path) -> Path:
    path = directory / "comments.db"
    with sqlite3.connect(path) as database:
        database.executescript((FIXTURES / "isso.sql").read_text(encoding="utf-8"))
    return path


def split(
    records: Iterator[SourceComment | SourceProblem],
) -> tuple[dict[str, SourceComment], list[SourceProblem]]:
    comments: dict[str, SourceComment] = {}
    problems: list[SourceProblem] = []
    for record in records:
        if isinstance(record, SourceComment):
            comments[record.source_id] = record
        else:
            problems.append(record)
    return comments, problems


def test_a_disqus_export_gives_threads_replies_authors_and_flags() -> None:
    comments, problems = split(read_disqus(FIXTURES / "disqus.xml"))

    assert list(comments) == ["8001", "8002", "8003", "8004", "8005", "8006", "8007"]
    first = comments["8001"]
    assert first.thread.key == "7001"
    assert first.thread.identifier == "post-42"
    assert first.thread.url == "https://blog.example.com/2019/06/caf%C3%A9-culture/"
    assert first.thread.title == "Café culture & the art of waiting"
    assert (first.author_name, first.author_source_id) == ("Jo Müller", "jomueller")
    assert first.created_at == "2019-06-01T09:15:00.000000Z"
    assert first.content == "<p>Lovely piece. The bit about <b>espresso</b> &amp; patience rang true.</p>"
    assert first.markup is SourceMarkup.HTML
    assert first.status is SourceStatus.PUBLISHED
    assert first.location == "line 42"  # where its <post> opens
    guest = comments["8002"]
    assert (guest.parent_source_id, guest.author_name, guest.author_source_id) == (
        "8001",
        "Guest Reader",
        None,
    )
    assert "東京" in guest.content
    assert comments["8003"].status is SourceStatus.SPAM
    assert comments["8004"].status is SourceStatus.DELETED
    assert comments["8005"].parent_source_id == "8004"
    assert comments["8006"].thread.identifier is None  # an empty <id/>: the site kept none
    assert comments["8007"].parent_source_id == "9999"  # missing parents are the import's to judge
    assert problems == [
        SourceProblem("line 137", "post 8008 is in thread '7999', not in the file: skipped"),
    ]


def test_a_wordpress_export_gives_comments_with_their_posts_and_statuses() -> None:
    comments, problems = split(read_wordpress(FIXTURES / "wordpress.xml"))

    assert list(comments) == ["501", "502", "503", "504", "505", "601"]
    priya = comments["501"]
    assert (priya.thread.key, priya.thread.identifier, priya.thread.title) == (
        "118",
        "tomatoes",
        "Tomatoes in a cold spring",
    )
    assert priya.thread.url == "https://garden.example.net/2020/04/tomatoes/"
    assert (priya.author_name, priya.author_source_id, priya.parent_source_id) == ("Priya", None, None)
    assert priya.created_at == "2020-04-15T09:12:00.000000Z"  # the GMT date, not the local one
    assert "Second paragraph" in priya.content
    assert priya.markup is SourceMarkup.HTML_PARAGRAPHS
    editor = comments["502"]
    assert (editor.parent_source_id, editor.author_source_id) == ("501", "1")
    assert comments["503"].status is SourceStatus.SPAM
    held = comments["504"]
    assert held.status is SourceStatus.PENDING
    assert held.created_at == "2020-04-17T09:00:00.000000Z"  # no GMT date: the local one, as UTC
    assert held.content == "トマトは難しいですね。"
    assert comments["505"].status is SourceStatus.TRASH
    lea = comments["601"]
    assert (lea.thread.key, lea.thread.identifier, lea.author_source_id) == ("2", "about", "7")
    assert [problem.what for problem in problems] == [
        "comment 506 is a pingback, not a reader's comment: skipped"
    ]


def test_an_isso_database_gives_markdown_comments_likes_and_modes(tmp_path: Path) -> None:
    comments, problems = split(read_isso(isso_database(tmp_path)))

    assert list(comments) == ["1", "2", "3", "4", "5", "6"]
    first = comments["1"]
    assert (first.thread.key, first.thread.title) == ("/blog/hello-world/", "Hello, world")
    assert first.created_at == "2020-01-01T10:00:00.500000Z"
    assert (first.markup, first.like_count, first.author_source_id) == (SourceMarkup.MARKDOWN, 4, None)
    assert first.content == "First! *markdown* & <b>html</b>"
    assert comments["2"].parent_source_id == "1"
    assert comments["2"].author_name is None
    assert comments["3"].status is SourceStatus.PENDING
    assert comments["4"].status is SourceStatus.DELETED
    assert comments["5"].parent_source_id == "4"
    assert (comments["6"].thread.key, comments["6"].thread.title) == ("/blog/ünïcode/", None)
    assert [problem.what for problem in problems] == [
        "comment 7 belongs to no thread in the database: skipped"
    ]


def test_a_remark42_backup_gives_comments_pins_votes_and_deletions() -> None:
    comments, problems = split(read_remark42(FIXTURES / "remark42.jsonl"))

    assert list(comments) == ["c-1", "c-2", "c-3", "c-4"]
    first = comments["c-1"]
    assert first.thread.key == first.thread.url == "https://notes.example.io/posts/rust-lifetimes/"
    assert first.thread.title == "Rust lifetimes"
    assert first.created_at == "2021-03-04T10:06:07.123456Z"  # nanoseconds and offset, to UTC
    assert (first.author_name, first.author_source_id) == ("Mikhail", "github_7a3b")
    assert first.like_count == 3  # three up votes; the down vote is not a like
    assert comments["c-2"].pinned and comments["c-2"].parent_source_id == "c-1"
    assert comments["c-2"].like_count == 0
    erased = comments["c-3"]
    assert (erased.status, erased.author_source_id, erased.content) == (SourceStatus.DELETED, None, "")
    assert comments["c-4"].like_count == 0  # a negative score is no likes
    assert [(p.location, p.fatal) for p in problems] == [("line 6", False), ("line 7", False)]
    assert problems[1].what == "comment c-5 has no readable time: skipped"


FILE_READERS: list[tuple[str, Reader]] = [
    ("disqus.xml", read_disqus),
    ("wordpress.xml", read_wordpress),
    ("remark42.jsonl", read_remark42),
]


@pytest.mark.parametrize(("name", "reader"), FILE_READERS, ids=[name for name, _ in FILE_READERS])
def test_a_gzipped_export_reads_as_the_plain_one(name: str, reader: Reader, tmp_path: Path) -> None:
    packed = tmp_path / f"{name}.gz"
    with (FIXTURES / name).open("rb") as plain, gzip.open(packed, "wb") as out:
        shutil.copyfileobj(plain, out)
    assert list(reader(packed)) == list(reader(FIXTURES / name))


@pytest.mark.parametrize(("name", "reader"), FILE_READERS[:2], ids=["disqus", "wordpress"])
def test_a_truncated_xml_export_keeps_what_came_before_and_stops_with_a_report_line(
    name: str, reader: Reader, tmp_path: Path
) -> None:
    text = (FIXTURES / name).read_text(encoding="utf-8")
    cut = tmp_path / name
    cut.write_text(text[: int(len(text) * 0.6)], encoding="utf-8")
    records = list(reader(cut))
    assert any(isinstance(record, SourceComment) for record in records)
    last = records[-1]
    assert isinstance(last, SourceProblem) and last.fatal and last.location.startswith("line ")
    assert "not well-formed XML" in last.what


@pytest.mark.parametrize("reader", [read_disqus, read_wordpress], ids=["disqus", "wordpress"])
def test_entities_that_would_read_local_files_or_grow_without_bound_are_not_expanded(
    reader: Reader, tmp_path: Path
) -> None:
    hostile = tmp_path / "hostile.xml"
    hostile.write_text(
        '<?xml version="1.0"?>\n'
        '<!DOCTYPE d [<!ENTITY file SYSTEM "file:///etc/passwd">'
        '<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
        '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>\n'
        '<disqus xmlns="http://disqus.com" xmlns:dsq="http://disqus.com/disqus-internals">'
        '<thread dsq:id="1"><link>&file;</link><title>&d;&d;&d;</title></thread>'
        '<post dsq:id="2"><message>&file;</message><createdAt>2020-01-01T00:00:00Z</createdAt>'
        '<thread dsq:id="1"/></post></disqus>',
        encoding="utf-8",
    )
    for record in reader(hostile):
        text = repr(record)
        assert "root:" not in text
        assert "a" * 1000 not in text


@pytest.mark.parametrize(
    ("reader", "body"),
    [
        (read_disqus, b"\x00\x01 not xml at all"),
        (read_disqus, b"\x1f\x8b\x08\x00garbage after a gzip magic"),
        (read_wordpress, b'{"json": true}'),
        (read_remark42, b"\x1f\x8b\x08\x00garbage after a gzip magic"),
        (read_isso, b"SQLite format 3\x00 but nothing after it"),
        (read_isso, b"plain text"),
    ],
    ids=[
        "disqus-binary",
        "disqus-bad-gzip",
        "wordpress-json",
        "remark42-bad-gzip",
        "isso-truncated",
        "isso-text",
    ],
)
def test_a_file_that_is_not_the_format_is_one_fatal_report_line(
    reader: Reader, body: bytes, tmp_path: Path
) -> None:
    path = tmp_path / "upload"
    path.write_bytes(body)
    records = list(reader(path))
    assert records and all(isinstance(record, SourceProblem) for record in records)
    assert records[-1].fatal  # type: ignore[union-attr]
