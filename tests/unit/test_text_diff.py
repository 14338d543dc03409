"""The word-level diff a moderator reads an edit by (``domain/text_diff.py``)."""

from __future__ import annotations

from itertools import pairwise

from hypothesis import given
from hypothesis import strategies as st

from threadline.domain.text_diff import DiffOp, tokens, word_diff

# Texts made of a few words, spaces, newlines and punctuation, so that edits share tokens.
TEXTS = st.lists(
    st.sampled_from(["the", "cat", "sat", "mat", "Ünïcode", "42", " ", "  ", "\n", ",", ".", "!", "é"]),
    max_size=40,
).map("".join) | st.text(max_size=60)


def _side(ops: list[DiffOp], kind: str) -> str:
    return "".join(op.text for op in ops if op.op in ("equal", kind))


def test_a_replaced_word_is_one_delete_and_one_insert_between_equal_text() -> None:
    assert word_diff("The quick brown fox.", "The quick red fox.") == [
        DiffOp("equal", "The quick "),
        DiffOp("delete", "brown"),
        DiffOp("insert", "red"),
        DiffOp("equal", " fox."),
    ]


def test_whitespace_and_punctuation_are_kept_as_they_were() -> None:
    assert word_diff("Hello,  world", "Hello!  world\n") == [
        DiffOp("equal", "Hello"),
        DiffOp("delete", ","),
        DiffOp("insert", "!"),
        DiffOp("equal", "  world"),
        DiffOp("insert", "\n"),
    ]


def test_a_whole_phrase_replaced_is_merged_into_one_op_of_each_kind() -> None:
    assert word_diff("keep this part", "keep another thing entirely") == [
        DiffOp("equal", "keep "),
        DiffOp("delete", "this part"),
        DiffOp("insert", "another thing entirely"),
    ]


def test_an_unchanged_text_is_one_equal_op_and_an_empty_one_none() -> None:
    assert word_diff("same words", "same words") == [DiffOp("equal", "same words")]
    assert word_diff("", "") == []
    assert word_diff("", "new") == [DiffOp("insert", "new")]


def test_an_erased_side_has_no_diff() -> None:
    assert word_diff(None, "new") == []
    assert word_diff("old", None) == []
    assert word_diff(None, None) == []


def test_tokens_are_words_whitespace_runs_and_single_marks() -> None:
    assert tokens("Hi,  you!!\n") == ["Hi", ",", "  ", "you", "!", "!", "\n"]


def test_a_long_rewrite_is_aligned_quickly_enough_to_answer_and_still_exact() -> None:
    previous = " ".join(f"w{i % 97}" for i in range(2_000))
    new = " ".join(f"w{i % 89}" for i in range(2_000))

    ops = word_diff(previous, new)

    assert (_side(ops, "delete"), _side(ops, "insert")) == (previous, new)


@given(TEXTS, TEXTS)
def test_equal_and_delete_give_the_previous_text_equal_and_insert_the_new(previous: str, new: str) -> None:
    ops = word_diff(previous, new)

    assert _side(ops, "delete") == previous
    assert _side(ops, "insert") == new


@given(TEXTS, TEXTS)
def test_no_op_is_empty_and_no_two_neighbours_are_of_one_kind(previous: str, new: str) -> None:
    ops = word_diff(previous, new)

    assert all(op.text for op in ops)
    assert all(a.op != b.op for a, b in pairwise(ops))


@given(TEXTS)
def test_a_text_compared_with_itself_is_all_equal(text: str) -> None:
    assert all(op.op == "equal" for op in word_diff(text, text))
