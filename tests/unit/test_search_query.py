"""The search box's syntax, parsed once, and the query shapes a search refuses to run."""

from __future__ import annotations

import pytest

from threadline.domain.errors import InvalidQuery
from threadline.domain.search_query import (
    MAX_ALTERNATIVES,
    MAX_PHRASE_WORDS,
    MAX_TERMS,
    SearchQueryTooComplex,
    SearchWindow,
    parse_search_query,
)


def test_words_phrases_exclusions_and_alternatives_are_parsed() -> None:
    query = parse_search_query('Apples "green pears" -rotten or kiwi')

    assert [(a.include, a.exclude) for a in query.alternatives] == [
        ([("apples",), ("green", "pears")], [("rotten",)]),
        ([("kiwi",)], []),
    ]
    assert query.to_fts5() == '("apples" AND "green pears" NOT "rotten") OR ("kiwi")'
    assert query.to_websearch() == 'apples "green pears" -rotten or kiwi'


def test_prefix_and_engine_syntax_become_plain_words() -> None:
    assert parse_search_query("fox* NEAR(a) content:x").to_fts5() == (
        '("fox" AND "near" AND "a" AND "content" AND "x")'
    )


def test_as_many_terms_as_allowed_are_accepted() -> None:
    query = parse_search_query(" ".join(f"w{n}" for n in range(MAX_TERMS)))

    assert len(query.alternatives[0].include) == MAX_TERMS


@pytest.mark.parametrize(
    "q",
    [
        " ".join(f"w{n}" for n in range(MAX_TERMS + 1)),
        " or ".join(f"w{n}" for n in range(MAX_ALTERNATIVES + 1)),
        '"' + " ".join(f"w{n}" for n in range(MAX_PHRASE_WORDS + 1)) + '"',
        "a-b-c-d-e-f-g-h-i-j-k-l-m",  # one token, thirteen words
        '"a b c d e f g" "h i j k l m"',  # two phrases, thirteen words
    ],
)
def test_queries_beyond_the_bounds_are_refused_not_truncated(q: str) -> None:
    with pytest.raises(SearchQueryTooComplex) as refused:
        parse_search_query(q)

    assert refused.value.code == "search_query_too_complex"
    assert isinstance(refused.value, InvalidQuery)


def test_a_window_with_more_matches_gives_a_hint() -> None:
    assert SearchWindow(1000, True).hint is not None
    assert SearchWindow(3, False).hint is None
