"""The validation rules every command applies before it touches storage."""

from __future__ import annotations

import re
import string
import unicodedata
import uuid

import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from threadline.domain.errors import InvalidCommand, InvalidContent, InvalidEntity, MaxDepthExceeded
from threadline.domain.rules import (
    allowed_reply_depth,
    valid_comment_id,
    valid_content,
    valid_entity_id,
    valid_entity_type,
    valid_reason,
)

ALLOWED_CONTROLS = {"\n", "\t", "\r"}  # a carriage return is read as a newline
CANONICAL_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
REJECTED_CONTROLS = [
    chr(c) for c in [*range(0x00, 0x20), *range(0x7F, 0xA0)] if chr(c) not in ALLOWED_CONTROLS
]


def is_valid_entity_type(text: str) -> bool:
    """The spec's pattern, spelled out without a regular expression."""
    rest = set(string.ascii_lowercase + string.digits + "_-")
    return 1 <= len(text) <= 64 and text[0] in string.ascii_lowercase and all(ch in rest for ch in text[1:])


def accepts(rule: object, value: str) -> bool:
    assert callable(rule)
    try:
        rule(value)
    except (InvalidEntity, InvalidContent, InvalidCommand):
        return False
    return True


# --- entity_type --------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["a", "post", "blog-post", "video_clip", "x9", "a" + "b" * 63])
def test_entity_type_matching_the_pattern_is_accepted_unchanged(value: str) -> None:
    assert valid_entity_type(value) == value


@pytest.mark.parametrize(
    "value",
    [
        "",
        "Post",
        "9post",
        "_post",
        "-post",
        "po st",
        "post\n",
        "pöst",
        "post.comments",
        "a" + "b" * 64,
        "\uff50\uff4f\uff53\uff54",
    ],
)
def test_entity_type_not_matching_the_pattern_is_invalid_entity(value: str) -> None:
    with pytest.raises(InvalidEntity) as raised:
        valid_entity_type(value)
    assert raised.value.field == "entity_type" and raised.value.code == "invalid_entity"


@given(st.from_regex(r"[a-z][a-z0-9_-]{0,63}", fullmatch=True))
def test_every_entity_type_the_pattern_generates_is_accepted(value: str) -> None:
    assert valid_entity_type(value) == value


@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=70) | st.text(string.printable, max_size=70))
def test_entity_type_is_accepted_exactly_when_it_matches_the_pattern(value: str) -> None:
    assert accepts(valid_entity_type, value) == is_valid_entity_type(value)


# --- entity_id ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["1", "a b", "post/123?x=y", "ünïcødé", "x" * 256, "日本語", "😀"])
def test_entity_id_of_1_to_256_printable_characters_is_accepted_unchanged(value: str) -> None:
    assert valid_entity_id(value) == value


@pytest.mark.parametrize(
    "value", ["", "x" * 257, "a\tb", "line\n", "nul\x00", "\x7f", "a\u2028b", "zw\u200bsp"]
)
def test_entity_id_that_is_empty_too_long_or_unprintable_is_invalid_entity(value: str) -> None:
    with pytest.raises(InvalidEntity) as raised:
        valid_entity_id(value)
    assert raised.value.field == "entity_id"


@given(st.text(max_size=300))
def test_entity_id_is_accepted_exactly_when_short_and_printable(value: str) -> None:
    assert accepts(valid_entity_id, value) == (1 <= len(value) <= 256 and value.isprintable())


# --- content ------------------------------------------------------------------------------------------


def test_content_is_trimmed_of_surrounding_whitespace() -> None:
    assert valid_content("  \n\thello world \t\n ") == "hello world"


def test_content_keeps_inner_newlines_and_tabs() -> None:
    assert valid_content("line one\n\n\tindented") == "line one\n\n\tindented"


@pytest.mark.parametrize(
    ("raw", "normalized"),
    [
        ("cafe\u0301", "caf\u00e9"),
        ("\u212b", "\u00c5"),
        ("\u1100\u1161", "\uac00"),
        ("a\u0328\u0301", "\u0105\u0301"),
    ],
)
def test_content_is_stored_in_nfc(raw: str, normalized: str) -> None:
    assert valid_content(raw) == normalized


@pytest.mark.parametrize("raw", ["", " ", "\n\n", "\t \n", "\u3000", "\u00a0\u2003"])
def test_empty_or_whitespace_only_content_is_invalid(raw: str) -> None:
    with pytest.raises(InvalidContent) as raised:
        valid_content(raw)
    assert raised.value.field == "content"


@pytest.mark.parametrize("raw", ["one\r\ntwo", "one\rtwo", "one\ntwo"])
def test_windows_and_old_mac_line_endings_are_stored_as_newlines(raw: str) -> None:
    assert valid_content(raw) == "one\ntwo"


@pytest.mark.parametrize("edge", ["\x1c", "\x1f", "\x85", "\u2028"])
def test_control_characters_at_the_edges_are_rejected_not_trimmed(edge: str) -> None:
    with pytest.raises(InvalidContent):
        valid_content(f"{edge}hello{edge}")


def test_content_of_exactly_10000_characters_after_trimming_is_accepted() -> None:
    assert valid_content("   " + "x" * 10_000 + "\n") == "x" * 10_000


def test_content_of_10001_characters_is_invalid() -> None:
    with pytest.raises(InvalidContent):
        valid_content("x" * 10_001)


def test_content_length_is_counted_after_normalization() -> None:
    decomposed = "e\u0301" * 10_000
    assert valid_content(decomposed) == "\u00e9" * 10_000


@pytest.mark.parametrize("control", REJECTED_CONTROLS, ids=[f"U+{ord(c):04X}" for c in REJECTED_CONTROLS])
def test_control_characters_other_than_newline_and_tab_are_rejected(control: str) -> None:
    with pytest.raises(InvalidContent) as raised:
        valid_content(f"before{control}after")
    assert raised.value.code == "invalid_content"


@pytest.mark.parametrize("separator", ["\u2028", "\u2029", "\ufeff"])
def test_line_separators_and_byte_order_marks_inside_content_are_rejected(separator: str) -> None:
    with pytest.raises(InvalidContent):
        valid_content(f"a{separator}b")


def test_lone_surrogates_are_rejected() -> None:
    with pytest.raises(InvalidContent):
        valid_content("broken \ud800 text")


def assert_is_clean_content(result: str) -> None:
    assert result == unicodedata.normalize("NFC", result)
    assert result == result.strip()
    assert len(result) in range(1, 10_001)
    for ch in result:
        assert ch in ALLOWED_CONTROLS or unicodedata.category(ch) not in ("Cc", "Cs")


@settings(max_examples=300)
@given(st.text(max_size=200))
@example("\x1fhidden\x1c")
@example(" \u0301a")
@example("e\u0301\u0323")
def test_any_accepted_content_is_nfc_trimmed_and_free_of_control_characters(raw: str) -> None:
    try:
        result = valid_content(raw)
    except InvalidContent:
        return
    assert_is_clean_content(result)


@settings(max_examples=300)
@given(st.text(max_size=200))
def test_validating_content_twice_gives_the_same_result(raw: str) -> None:
    try:
        once = valid_content(raw)
    except InvalidContent:
        return
    assert valid_content(once) == once


@given(
    st.text(st.characters(categories=["L", "N", "P", "S"]), min_size=1, max_size=50),
    st.sampled_from(REJECTED_CONTROLS),
    st.text(st.characters(categories=["L", "N", "P", "S"]), min_size=1, max_size=50),
)
def test_a_control_character_between_words_is_always_rejected(before: str, control: str, after: str) -> None:
    with pytest.raises(InvalidContent):
        valid_content(before + control + after)


@given(st.text(st.characters(categories=["L", "N", "P", "S", "Zs"]), max_size=300))
def test_ordinary_text_is_accepted_as_its_trimmed_nfc_form(raw: str) -> None:
    expected = unicodedata.normalize("NFC", raw).strip()
    assume(expected)
    assert valid_content(raw) == expected


# --- reasons ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("reason", [None, "", "   ", "\n\t"])
def test_a_missing_optional_reason_is_none(reason: str | None) -> None:
    assert valid_reason(reason) is None


@pytest.mark.parametrize("reason", [None, "", "   ", "\n\t"])
def test_a_missing_required_reason_is_invalid_command(reason: str | None) -> None:
    with pytest.raises(InvalidCommand) as raised:
        valid_reason(reason, required=True)
    assert raised.value.field == "reason"


def test_a_reason_is_trimmed_and_normalized() -> None:
    assert valid_reason("  spam, cafe\u0301 \n", required=True) == "spam, caf\u00e9"


def test_a_reason_of_1000_characters_is_accepted_and_1001_is_not() -> None:
    assert valid_reason("r" * 1_000) == "r" * 1_000
    with pytest.raises(InvalidCommand):
        valid_reason("r" * 1_001)


@pytest.mark.parametrize("control", ["\x00", "\x1b", "\x7f", "\u2028"])
def test_a_reason_with_control_characters_is_invalid(control: str) -> None:
    with pytest.raises(InvalidCommand):
        valid_reason(f"spam{control}here")


# --- comment ids --------------------------------------------------------------------------------------


@given(st.uuids())
def test_any_uuid_in_any_letter_case_becomes_its_canonical_form(value: uuid.UUID) -> None:
    canonical = str(value)
    assert valid_comment_id(canonical) == canonical
    assert valid_comment_id(canonical.upper()) == canonical


@given(st.text(max_size=60))
@example("0000000000000000000000000000_000")
@example("+2345678-1234-5678-1234-567812345678")
def test_whatever_is_accepted_as_a_comment_id_comes_back_canonical(value: str) -> None:
    try:
        result = valid_comment_id(value)
    except InvalidCommand:
        return
    assert CANONICAL_UUID.fullmatch(result)
    assert value.lower().replace("-", "") == result.replace("-", "")


@pytest.mark.parametrize(
    "value",
    [
        "",
        "not-a-uuid",
        "1234",
        "12345678-1234-5678-1234-5678123456789",
        "g2345678-1234-5678-1234-567812345678",
        "12345678-1234-5678-1234-56781234567",
        " 12345678-1234-5678-1234-567812345678",
        "+2345678-1234-5678-1234-567812345678",
        "0000000000000000000000000000_000",
        "\uff11\uff12\uff13\uff14\uff15\uff16\uff17\uff18-1234-5678-1234-567812345678",
        "1234567812345678123456781234567 ",
    ],
)
def test_text_that_is_not_a_uuid_is_invalid_command(value: str) -> None:
    with pytest.raises(InvalidCommand) as raised:
        valid_comment_id(value)
    assert raised.value.field == "id"


@pytest.mark.parametrize("value", [None, 42, b"12345678-1234-5678-1234-567812345678"])
def test_a_comment_id_of_the_wrong_type_is_invalid_command_not_a_crash(value: object) -> None:
    with pytest.raises(InvalidCommand):
        valid_comment_id(value)  # type: ignore[arg-type]


# --- reply depth --------------------------------------------------------------------------------------


@given(st.integers(min_value=0, max_value=100), st.integers(min_value=1, max_value=64))
def test_a_reply_is_one_deeper_than_its_parent_up_to_the_limit(parent_depth: int, max_depth: int) -> None:
    if parent_depth + 1 <= max_depth:
        assert allowed_reply_depth(parent_depth, max_depth) == parent_depth + 1
    else:
        with pytest.raises(MaxDepthExceeded) as raised:
            allowed_reply_depth(parent_depth, max_depth)
        assert raised.value.code == "max_depth_exceeded" and raised.value.field == "parent_id"


def test_the_default_limit_of_ten_allows_depth_ten_and_not_eleven() -> None:
    assert allowed_reply_depth(9, 10) == 10
    with pytest.raises(MaxDepthExceeded):
        allowed_reply_depth(10, 10)
