"""Opening an export file as bytes, gzipped or not (Disqus and Remark42 hand out ``.gz`` files),
and parsing XML from it safely and in bounded memory."""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import IO, cast

from lxml import etree

from threadline.domain.imports import SourceProblem

GZIP_MAGIC = b"\x1f\x8b"


def open_source(path: Path) -> IO[bytes]:
    """The file's bytes, decompressed on the fly when it is gzipped (told by its first bytes,
    not its name)."""
    raw = path.open("rb")
    if raw.read(2) == GZIP_MAGIC:
        raw.close()
        return cast(IO[bytes], gzip.open(path, "rb"))
    raw.seek(0)
    return raw


def xml_elements(source: IO[bytes], tags: tuple[str, ...]) -> Iterator[etree._Element]:
    """The elements named ``tags`` as each one ends, from a parser that resolves no entities and
    reads no DTD or network (an uploaded file is untrusted: no XXE, no billion laughs). The
    caller clears each element when done with it (``forget``), so memory holds one at a time."""
    parser = etree.iterparse(
        source,
        events=("end",),
        tag=tags,
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )
    for _event, element in parser:
        yield element


def forget(element: etree._Element) -> None:
    """Drop an element handled and the siblings before it, which iterparse would otherwise keep
    under the root until the file ends."""
    element.clear()
    parent = element.getparent()
    if parent is not None:
        while element.getprevious() is not None:
            del parent[0]


def local_name(element: etree._Element) -> str:
    return etree.QName(element).localname


def child_text(element: etree._Element, name: str) -> str | None:
    """The text of the first child with that local name (any namespace), or None."""
    for child in element:
        if isinstance(child.tag, str) and etree.QName(child).localname == name:
            return child.text
    return None


def unreadable_xml(error: etree.XMLSyntaxError) -> SourceProblem:
    """The report's line for XML that is not well formed: where, and that reading stops there."""
    return SourceProblem(f"line {error.lineno}", f"not well-formed XML ({error.msg}); read no further", True)


# What reading a damaged file raises: a truncated or corrupt gzip stream, a failing disk.
READ_ERRORS = (OSError, EOFError, zlib.error)


def unreadable_file(error: BaseException) -> SourceProblem:
    return SourceProblem("file", f"unreadable before its end ({error}); read no further", True)
