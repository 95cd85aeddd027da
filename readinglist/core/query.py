"""The filter language shared by the TUI's filter box and ``list --query``.

A query is a list of terms separated by spaces; a paper must satisfy every
term. ``docs/query.md`` is the user's guide; this module only parses, and
``readinglist.core.index`` evaluates.

Words are compared in folded form (``readinglist.core.text.words``): case
and accents do not matter and punctuation separates words. A query word
matches a paper word it is a prefix of, so results follow the typing.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from readinglist.core.errors import UserError
from readinglist.core.text import fold, words

SORTS = ("relevance", "date", "title", "changed", "starred")
"""Orders ``SearchIndex.search`` accepts; the first is the default."""

TEXT_FIELDS = ("title", "author", "abstract", "note")
FIELDS = (*TEXT_FIELDS, "tag", "cat", "year", "is", "has", "id")
IS_VALUES = ("starred", "unread", "reading", "read")
HAS_VALUES = ("code", "note", "arxiv", "tags")

_FIELD_HINT = "try title:, author:, abstract:, cat:, year:, is:, has:, tag:, note:, id:"
_YEAR_HINT = "year: wants 2023, 2020..2023, 2020.. or ..2023"
# A colon before "//" is a pasted URL, not a field.
_FIELD_PREFIX = re.compile(r"([A-Za-z]+):(?!//)")
_YEAR_RANGE = re.compile(r"([0-9]{4})?(\.\.)?([0-9]{4})?")


class QueryError(UserError):
    """A query that cannot be understood.

    ``message`` is a short hint for the user; ``position`` is the index in
    the query text where the problem starts, so a UI can point at it.
    """

    def __init__(self, message: str, position: int) -> None:
        super().__init__(f"{message} (at column {position + 1})")
        self.message = message
        self.position = position


@dataclass(frozen=True, slots=True)
class Term:
    """One condition of a query.

    ``field`` is None for free words. Text fields (free words, title,
    author, abstract, note) carry ``words``: one word is matched as a
    prefix, several as a phrase. The other fields carry a folded ``value``
    (``year`` carries ``years`` instead).
    """

    field: str | None
    words: tuple[str, ...] = ()
    value: str = ""
    years: tuple[int | None, int | None] = (None, None)
    negated: bool = False
    position: int = 0


@dataclass(frozen=True, slots=True)
class Query:
    """A parsed query. An empty query matches every paper."""

    text: str
    terms: tuple[Term, ...] = ()

    @property
    def ranked_terms(self) -> tuple[Term, ...]:
        """The free words and phrases relevance ranking looks at."""
        return tuple(t for t in self.terms if t.field is None and not t.negated)

    def __bool__(self) -> bool:
        return bool(self.terms)


def parse_query(text: str) -> Query:
    """Parse ``text`` into a ``Query``; raise ``QueryError`` if malformed."""
    terms: list[Term] = []
    i, end = 0, len(text)
    while i < end:
        if text[i].isspace():
            i += 1
            continue
        start = i
        negated = text[i] == "-"
        if negated:
            i += 1
        field = None
        match = _FIELD_PREFIX.match(text, i)
        if match:
            field = match.group(1).lower()
            if field not in FIELDS:
                raise QueryError(_unknown_field(match.group(1)), i)
            i = match.end()
        value_start = i
        if i < end and text[i] == '"':
            close = text.find('"', i + 1)
            if close < 0:
                raise QueryError('unclosed quote — add a closing "', i)
            value, i = text[i + 1 : close], close + 1
        else:
            j = i
            while j < end and not text[j].isspace():
                j += 1
            value, i = text[i:j], j
        term = _term(field, value, negated, start, value_start)
        if term is not None:
            terms.append(term)
    return Query(text=text, terms=tuple(terms))


def _term(field: str | None, value: str, negated: bool, start: int, value_start: int) -> Term | None:
    if field is None:
        found = tuple(words(value))
        # A lone "-" or punctuation has no words: nothing to match, not an error.
        return Term(None, words=found, negated=negated, position=start) if found else None
    if field in TEXT_FIELDS:
        found = tuple(words(value))
        if not found:
            raise QueryError(f"{field}: needs a word, e.g. {field}:transformer", value_start)
        return Term(field, words=found, negated=negated, position=start)
    folded = " ".join(fold(value).split())
    if not folded:
        raise QueryError(_empty_hint(field), value_start)
    if field == "year":
        return Term(field, years=_years(folded, value_start), negated=negated, position=start)
    if field == "is" and folded not in IS_VALUES:
        raise QueryError("is: wants starred, unread, reading or read", value_start)
    if field == "has" and folded not in HAS_VALUES:
        raise QueryError("has: wants code, note, arxiv or tags", value_start)
    return Term(field, value=folded, negated=negated, position=start)


def _years(value: str, position: int) -> tuple[int | None, int | None]:
    match = _YEAR_RANGE.fullmatch(value)
    if not match or not (match.group(1) or match.group(3)):
        raise QueryError(_YEAR_HINT, position)
    first, dots, last = match.groups()
    low = int(first) if first else None
    if not dots:
        if last:  # two years with nothing between them, e.g. "20202023"
            raise QueryError(_YEAR_HINT, position)
        return low, low
    high = int(last) if last else None
    if low is not None and high is not None and low > high:
        raise QueryError(f"year range {low}..{high} runs backwards — try {high}..{low}", position)
    return low, high


def _empty_hint(field: str) -> str:
    examples = {
        "tag": "tag:to-read",
        "cat": "cat:cs.CV",
        "year": "year:2023",
        "is": "is:starred",
        "has": "has:code",
        "id": "id:3f2a",
    }
    return f"{field}: needs a value, e.g. {examples[field]}"


def _unknown_field(name: str) -> str:
    close = difflib.get_close_matches(name.lower(), FIELDS, n=1, cutoff=0.6)
    if close:
        return f'unknown field "{name}:" — did you mean {close[0]}:?'
    return f'unknown field "{name}:" — {_FIELD_HINT}'
