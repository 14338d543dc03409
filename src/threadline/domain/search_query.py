"""What a reader types in the search box, parsed once into a safe structure, and how far a search
may go.

Web-search syntax, the same on every backend: words are ANDed, ``"an exact phrase"`` matches
words in order, ``-word`` (or ``-"a phrase"``) excludes, and ``or`` between words offers
alternatives, binding loosest (``a b or c`` is ``(a and b) or c``, as PostgreSQL's
``websearch_to_tsquery`` reads it). Only runs of letters and digits survive, so no engine's
own query syntax can be injected (``fox*`` is the word ``fox``: there are no prefix queries, the
cheapest defence against ``a*``). Every alternative needs at least one word to look for.

A search is bounded by design: it considers at most ``MAX_CANDIDATES`` matching comments, the
newest, and ranks only those, so a word in half of a million comments costs what a word in a
thousand does; ``SearchWindow`` says honestly whether more matched. A query of more than
``MAX_TERMS`` words (a phrase's words included) or ``MAX_ALTERNATIVES`` alternatives is refused
rather than run.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from threadline.domain.errors import InvalidQuery

MAX_QUERY_LENGTH = 256
MAX_TERMS = 12
MAX_ALTERNATIVES = 8
MAX_PHRASE_WORDS = 8
MAX_CANDIDATES = 1000
_TOKEN = re.compile(r'(-?)"([^"]*)"?|(-?)([^\s"]+)')
_WORD = re.compile(r"\w+", re.UNICODE)

Phrase = tuple[str, ...]


class SearchQueryTooComplex(InvalidQuery):
    code = "search_query_too_complex"
    title = "The search query has more terms, alternatives or phrase words than a search allows"


@dataclass(frozen=True, slots=True)
class Alternative:
    include: list[Phrase] = field(default_factory=list)
    exclude: list[Phrase] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class SearchQuery:
    alternatives: tuple[Alternative, ...]

    def to_fts5(self) -> str:
        """An SQLite FTS5 MATCH expression with every word quoted."""

        def quoted(phrase: Phrase) -> str:
            return '"' + " ".join(phrase) + '"'

        groups = []
        for alternative in self.alternatives:
            expression = " AND ".join(quoted(p) for p in alternative.include)
            for phrase in alternative.exclude:
                expression += f" NOT {quoted(phrase)}"
            groups.append(f"({expression})")
        return " OR ".join(groups)

    def to_websearch(self) -> str:
        """The same query in the syntax of PostgreSQL's ``websearch_to_tsquery``."""

        def term(phrase: Phrase, negated: bool) -> str:
            bare = len(phrase) == 1 and phrase != ("or",)  # a searched-for "or" must stay a word
            text = phrase[0] if bare else '"' + " ".join(phrase) + '"'
            return ("-" if negated else "") + text

        return " or ".join(
            " ".join([term(p, False) for p in a.include] + [term(p, True) for p in a.exclude])
            for a in self.alternatives
        )


@dataclass(frozen=True, slots=True)
class SearchWindow:
    """What a search found, told honestly: ``counted`` matches were considered (at most
    ``MAX_CANDIDATES``, the newest), and ``more`` says whether others (may) match beyond them."""

    counted: int
    more: bool

    @property
    def hint(self) -> str | None:
        if not self.more:
            return None
        return "more comments match than a search ranks: the newest are ranked; add words or a thread"


def parse_search_query(text: str) -> SearchQuery:
    text = text.strip()
    if not text or len(text) > MAX_QUERY_LENGTH:
        raise InvalidQuery(f"q must be 1-{MAX_QUERY_LENGTH} characters", field="q")
    alternatives: list[Alternative] = [Alternative()]
    terms = 0
    for match in _TOKEN.finditer(text):
        negated = bool(match.group(1) or match.group(3))
        raw = match.group(2) if match.group(2) is not None else match.group(4)
        quoted = match.group(2) is not None
        words = tuple(word.lower() for word in _WORD.findall(raw))
        if not words:
            continue
        if not quoted and not negated and words == ("or",) and alternatives[-1].include:
            alternatives.append(Alternative())
            continue
        if quoted and len(words) > MAX_PHRASE_WORDS:
            raise SearchQueryTooComplex(f"a phrase has at most {MAX_PHRASE_WORDS} words", field="q")
        phrases = [words] if quoted else [(word,) for word in words]
        terms += len(words)  # a phrase's words each cost what a word does
        if terms > MAX_TERMS:
            raise SearchQueryTooComplex(f"a search has at most {MAX_TERMS} words", field="q")
        target = alternatives[-1].exclude if negated else alternatives[-1].include
        target.extend(phrases)
    alternatives = [a for a in alternatives if a.include or a.exclude]
    if not alternatives or any(not a.include for a in alternatives):
        raise InvalidQuery("the search query needs at least one word to look for", field="q")
    if len(alternatives) > MAX_ALTERNATIVES:
        raise SearchQueryTooComplex(f"a search has at most {MAX_ALTERNATIVES} alternatives", field="q")
    return SearchQuery(tuple(alternatives))
