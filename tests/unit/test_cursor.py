"""Keyset cursors: they round-trip, they stay with their query, and bad ones are only InvalidCursor."""

from __future__ import annotations

import base64
import json
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from threadline.application.ports.query import PageKey
from threadline.application.queries.cursor import (
    MAX_CURSOR_LENGTH,
    decode_cursor,
    encode_cursor,
    query_fingerprint,
)
from threadline.domain.errors import InvalidCursor

LIMIT = 2**62
FP = query_fingerprint("tenant", "post", "p1", None, "newest")

counts = st.integers(min_value=0, max_value=LIMIT - 1)
keys = st.builds(PageKey, is_pinned=st.booleans(), like_count=counts, created_seq=counts)
query_parts = st.tuples(
    st.text(max_size=40),
    st.text(max_size=20),
    st.text(max_size=40),
    st.none() | st.text(max_size=36),
    st.text(),
)


def pack(value: object) -> str:
    # The standard library's encoder, so integers beyond 64 bits can be planted too.
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


def decodes_or_refuses(cursor: str, fingerprint: str = FP) -> tuple[PageKey, int] | None:
    """Decode; ``None`` when refused. Any exception other than ``InvalidCursor`` fails the test."""
    try:
        key, page = decode_cursor(cursor, fingerprint)
    except InvalidCursor as refused:
        assert refused.code == "invalid_cursor" and refused.field == "cursor"
        return None
    assert 0 <= key.like_count < LIMIT and 0 <= key.created_seq < LIMIT and 0 <= page < LIMIT
    return key, page


@given(query_parts, keys, counts)
def test_a_cursor_decodes_to_the_key_and_page_it_was_made_from(
    parts: tuple[str, str, str, str | None, str], key: PageKey, page: int
) -> None:
    fingerprint = query_fingerprint(*parts)
    cursor = encode_cursor(fingerprint, key, page)
    assert decode_cursor(cursor, fingerprint) == (key, page)


@given(keys, counts)
def test_a_cursor_is_short_url_safe_text(key: PageKey, page: int) -> None:
    cursor = encode_cursor(FP, key, page)
    assert re.fullmatch(r"[A-Za-z0-9_-]+", cursor)
    assert len(cursor) <= MAX_CURSOR_LENGTH


@given(query_parts, query_parts, keys, counts)
def test_a_cursor_from_another_query_is_refused(
    mine: tuple[str, str, str, str | None, str],
    theirs: tuple[str, str, str, str | None, str],
    key: PageKey,
    page: int,
) -> None:
    fp_mine, fp_theirs = query_fingerprint(*mine), query_fingerprint(*theirs)
    if fp_mine == fp_theirs:
        return
    with pytest.raises(InvalidCursor):
        decode_cursor(encode_cursor(fp_theirs, key, page), fp_mine)


@pytest.mark.parametrize(
    "other",
    [
        ("tenant-2", "post", "p1", None, "newest"),
        ("tenant", "article", "p1", None, "newest"),
        ("tenant", "post", "p2", None, "newest"),
        ("tenant", "post", "p1", "some-parent", "newest"),
        ("tenant", "post", "p1", None, "popular"),
    ],
)
def test_a_cursor_for_another_tenant_thread_parent_or_sort_is_refused(
    other: tuple[str, str, str, str | None, str],
) -> None:
    cursor = encode_cursor(query_fingerprint(*other), PageKey(False, 3, 42), 2)
    with pytest.raises(InvalidCursor):
        decode_cursor(cursor, FP)


@pytest.mark.parametrize(
    "tampered",
    [
        [2, FP, 0, 1, 1, 2],
        [0, FP, 0, 1, 1, 2],
        [1, "0" * 12, 0, 1, 1, 2],
        [1, FP, 2, 1, 1, 2],
        [1, FP, -1, 1, 1, 2],
        [1, FP, 0, -1, 1, 2],
        [1, FP, 0, 1, -5, 2],
        [1, FP, 0, 1, 1, -1],
        [1, FP, 0, LIMIT, 1, 2],
        [1, FP, 0, 1, 2**64, 2],
        [1, FP, 0, 1, 1, 10**30],
        [1, FP, 0, 1.5, 1, 2],
        [1, FP, 0, 1, "1", 2],
        [1, FP, 0, 1, 1, True],
        [1, FP, 0, 1, 1, None],
        [1, FP, 0, [1], 1, 2],
        [1, FP, 0, 1, 1],
        [1, FP, 0, 1, 1, 2, 3],
        [],
        {"v": 1, "fp": FP, "pinned": 0, "likes": 1, "seq": 1, "page": 2},
        "abcdef",
        123456,
        None,
    ],
)
def test_a_structurally_tampered_cursor_is_refused(tampered: object) -> None:
    with pytest.raises(InvalidCursor):
        decode_cursor(pack(tampered), FP)


@pytest.mark.parametrize(
    "garbage",
    [
        "",
        "=",
        "====",
        "a",
        "abc",
        "!!!!",
        "\x00",
        "é",
        "😀😀😀😀",
        "null",
        "W10",  # []
        "e30",  # {}
        base64.urlsafe_b64encode(b"\xff\xfe\xfd").decode(),
        base64.urlsafe_b64encode(b"[1,").decode(),
        base64.urlsafe_b64encode(b"[" * 100).decode(),
        base64.b64encode(b'[1,"x"]').decode() + "%%",
    ],
)
def test_garbage_is_refused_as_an_invalid_cursor(garbage: str) -> None:
    with pytest.raises(InvalidCursor):
        decode_cursor(garbage, FP)


def test_an_oversized_cursor_is_refused_before_it_is_decoded() -> None:
    valid = encode_cursor(FP, PageKey(True, 5, 9), 3)
    with pytest.raises(InvalidCursor):
        decode_cursor(valid + "A" * (MAX_CURSOR_LENGTH + 1 - len(valid)), FP)
    with pytest.raises(InvalidCursor):
        decode_cursor("A" * 100_000, FP)


@settings(max_examples=500)
@given(st.text(max_size=250))
def test_any_text_is_either_a_valid_cursor_or_invalid_cursor(text: str) -> None:
    decodes_or_refuses(text)


@settings(max_examples=500)
@given(st.binary(max_size=150))
def test_any_bytes_behind_base64_are_either_valid_or_invalid_cursor(raw: bytes) -> None:
    decodes_or_refuses(base64.urlsafe_b64encode(raw).decode().rstrip("="))


@settings(max_examples=500)
@given(keys, counts, st.data())
def test_a_cursor_with_characters_flipped_never_raises_anything_but_invalid_cursor(
    key: PageKey, page: int, data: st.DataObject
) -> None:
    cursor = list(encode_cursor(FP, key, page))
    for _ in range(data.draw(st.integers(min_value=1, max_value=4))):
        index = data.draw(st.integers(min_value=0, max_value=len(cursor) - 1))
        cursor[index] = data.draw(st.characters(codec="ascii") | st.sampled_from("A_-=+/"))
    decodes_or_refuses("".join(cursor))


@given(
    st.lists(
        st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12),
        min_size=0,
        max_size=8,
    )
)
def test_any_json_array_is_either_valid_or_invalid_cursor(values: list[object]) -> None:
    result = decodes_or_refuses(pack(values))
    if result is not None:
        assert values[0] == 1 and values[1] == FP
