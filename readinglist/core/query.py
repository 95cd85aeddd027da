"""The filter language shared by the TUI's filter box and ``list --query``.

A query is a list of terms separated by spaces; a paper must satisfy every
term, or one side of an ``OR``; parentheses group. ``docs/query.md`` is the user's guide; this module only parses, and
``readinglist.core.index`` evaluates.

Words are compared in folded form (``readinglist.core.text.words``): case
and accents do not matter and punctuation separates words. A query word
matches a paper word it is a prefix of, so results follow the typing.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, replace

from readinglist.core.errors import UserError
from readinglist.core.ranges import counts, days_ago, span, years
from readinglist.core.tags import tag_key
from readinglist.core.text import fold, words

SORTS = ("relevance", "date", "title", "changed", "starred", "added", "upvotes", "fit")
"""Orders ``SearchIndex.search`` accepts; the first is the default."""

TEXT_FIELDS = ("title", "author", "abstract", "note")
FIELDS = (*TEXT_FIELDS, "tag", "cat", "year", "added", "listed", "upvotes", "is", "has", "like", "id")
IS_VALUES = ("starred", "unread", "reading", "read", "new")
HAS_VALUES = ("code", "note", "arxiv", "tags", "pdf")
DATE_FIELDS = ("added", "listed")

_FIELD_HINT = (
    "try title:, author:, abstract:, cat:, year:, added:, listed:, upvotes:, is:, has:, tag:, note:, like:, id:"
)
# A colon before "//" is a pasted URL, not a field.
_FIELD_PREFIX = re.compile(r"([A-Za-z]+):(?!//)")
_TERM_END = "()"


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
    prefix, several as a phrase. ``year`` carries ``years``; ``added`` and
    ``listed`` carry ``span`` (ISO prefixes: from, inclusive, and until,
    exclusive) or ``ago`` (seconds before now); ``upvotes`` carries
    ``counts`` (both ends included). The other fields carry a folded
    ``value``; a tag's value is its ``tag_key``.
    """

    field: str | None
    words: tuple[str, ...] = ()
    value: str = ""
    years: tuple[int | None, int | None] = (None, None)
    span: tuple[str | None, str | None] = (None, None)
    ago: int | None = None
    counts: tuple[int | None, int | None] = (None, None)
    negated: bool = False
    position: int = 0


@dataclass(frozen=True, slots=True)
class Group:
    """Terms and groups that must all match (``any_of`` False) or one of them (OR)."""

    children: tuple[Term | Group, ...]
    any_of: bool = False
    negated: bool = False
    position: int = 0


Node = Term | Group


@dataclass(frozen=True, slots=True)
class Query:
    """A parsed query. An empty query matches every paper.

    ``terms`` lists every term in the order typed; ``root`` says how they
    combine. Without OR or a negated group, ``root`` is None: every term
    must match (the fast, common case).
    """

    text: str
    terms: tuple[Term, ...] = ()
    root: Group | None = None

    @property
    def plain(self) -> bool:
        """True when every term must match: no OR, no negated group."""
        return self.root is None

    @property
    def tree(self) -> Group:
        return self.root if self.root is not None else Group(self.terms)

    @property
    def ranked_terms(self) -> tuple[Term, ...]:
        """The free words and phrases relevance ranking looks at: those not excluded by a -."""
        return tuple(t for t in _positive_terms(self.tree) if t.field is None)

    @property
    def like_terms(self) -> tuple[Term, ...]:
        """The like: terms whose similarity orders results: those not excluded by a -."""
        return tuple(t for t in _positive_terms(self.tree) if t.field == "like")

    def __bool__(self) -> bool:
        return bool(self.terms)


def _positive_terms(node: Node) -> list[Term]:
    if node.negated:
        return []
    if isinstance(node, Term):
        return [node]
    return [term for child in node.children for term in _positive_terms(child)]


def _all_terms(node: Node) -> list[Term]:
    if isinstance(node, Term):
        return [node]
    return [term for child in node.children for term in _all_terms(child)]


def parse_query(text: str) -> Query:
    """Parse ``text`` into a ``Query``; raise ``QueryError`` if malformed.

    Precedence: a leading - binds tightest, then terms side by side (all
    must match), then OR (one side must match).
    """
    parser = _Parser(list(_tokens(text)))
    root = parser.alternatives(depth=0)
    if root is None:
        return Query(text=text)
    if isinstance(root, Term):
        return Query(text=text, terms=(root,))
    terms = tuple(_all_terms(root))
    if not root.any_of and not root.negated and len(terms) == len(root.children):
        return Query(text=text, terms=terms)  # every child is a term: the plain case
    return Query(text=text, terms=terms, root=root)


# ("(", position, negated), (")", position), ("OR", position) or ("term", position, Term | None)
_Token = tuple


def _tokens(text: str):
    i, end = 0, len(text)
    while i < end:
        char = text[i]
        if char.isspace():
            i += 1
            continue
        if char == ")":
            yield (")", i)
            i += 1
            continue
        start = i
        negated = char == "-"
        if negated:
            i += 1
        if i < end and text[i] == "(":
            yield ("(", start, negated)
            i += 1
            continue
        if not negated and text.startswith("OR", i) and (i + 2 == end or text[i + 2].isspace() or text[i + 2] in _TERM_END):
            yield ("OR", i)
            i += 2
            continue
        field = None
        match = _FIELD_PREFIX.match(text, i)
        if match:
            field = match.group(1).lower()
            if field not in FIELDS:
                raise QueryError(_unknown_field(match.group(1)), i)
            i = match.end()
        prefix = ""
        if field == "like" and text[i : i + 4].lower() == "tag:":
            prefix, i = "tag:", i + 4
        value_start = i
        value, i = _value(text, i)
        yield ("term", start, _term(field, prefix + value, negated, start, value_start))


def _value(text: str, i: int) -> tuple[str, int]:
    """The value starting at ``i`` (quoted or up to a space or parenthesis) and where it ends."""
    end = len(text)
    if i < end and text[i] == '"':
        close = text.find('"', i + 1)
        if close < 0:
            raise QueryError('unclosed quote — add a closing "', i)
        return text[i + 1 : close], close + 1
    j = i
    while j < end and not text[j].isspace() and text[j] not in _TERM_END:
        j += 1
    return text[i:j], j


class _Parser:
    """Recursive descent over the tokens: OR of ANDs of (negated) terms and groups."""

    def __init__(self, tokens: list[_Token]) -> None:
        self.tokens = tokens
        self.at = 0

    def _peek(self) -> _Token | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def alternatives(self, depth: int) -> Node | None:
        """Sides joined by OR; None when there is nothing to match."""
        sides: list[Node] = []
        side = self.conjunction(depth)
        while (token := self._peek()) is not None and token[0] == "OR":
            if side is None:
                raise QueryError("OR needs a term before it", token[1])
            sides.append(side)
            self.at += 1
            side = self.conjunction(depth)
            if side is None:
                raise QueryError("OR needs a term after it", token[1])
        if not sides:
            return side
        sides.append(side)  # type: ignore[arg-type]
        return _combine(sides, any_of=True)

    def conjunction(self, depth: int) -> Node | None:
        """Terms and groups side by side, up to an OR, a ) or the end."""
        parts: list[Node] = []
        while (token := self._peek()) is not None and token[0] != "OR":
            if token[0] == ")":
                if depth == 0:
                    raise QueryError("unmatched ) — remove it or add a ( before it", token[1])
                break
            self.at += 1
            if token[0] == "term":
                if token[2] is not None:
                    parts.append(token[2])
                continue
            _, position, negated = token
            inner = self.alternatives(depth + 1)
            closing = self._peek()
            if closing is None:
                raise QueryError("unclosed parenthesis — add a closing )", position)
            self.at += 1
            if inner is None:
                raise QueryError("empty parentheses — put a term inside or remove them", position)
            parts.append(_negate(inner, position) if negated else inner)
        if not parts:
            return None
        return _combine(parts, any_of=False)


def _combine(parts: list[Node], any_of: bool) -> Node:
    """One node for ``parts``: a lone part stays itself; nested groups of the same kind merge."""
    children: list[Node] = []
    for part in parts:
        if isinstance(part, Group) and part.any_of == any_of and not part.negated:
            children.extend(part.children)
        else:
            children.append(part)
    if len(children) == 1:
        return children[0]
    position = min(_position(child) for child in children)
    return Group(tuple(children), any_of=any_of, position=position)


def _position(node: Node) -> int:
    return node.position


def _negate(node: Node, position: int) -> Node:
    return replace(node, negated=not node.negated, position=position)


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
    if not folded or folded == "tag:" and field == "like":
        raise QueryError(_empty_hint(field), value_start)
    try:
        if field == "year":
            return Term(field, years=years(folded), negated=negated, position=start)
        if field in DATE_FIELDS:
            seconds = days_ago(folded)
            if seconds is not None:
                return Term(field, ago=seconds, negated=negated, position=start)
            return Term(field, span=span(field, folded), negated=negated, position=start)
        if field == "upvotes":
            return Term(field, counts=counts(folded), negated=negated, position=start)
    except ValueError as problem:
        raise QueryError(str(problem), value_start) from None
    if field == "is" and folded not in IS_VALUES:
        raise QueryError("is: wants starred, unread, reading, read or new", value_start)
    if field == "has" and folded not in HAS_VALUES:
        raise QueryError("has: wants code, note, arxiv, tags or pdf", value_start)
    if field == "tag":
        folded = tag_key(value)
    elif field == "like" and folded.startswith("tag:"):
        folded = "tag:" + tag_key(value[4:])
    return Term(field, value=folded, negated=negated, position=start)


def _empty_hint(field: str) -> str:
    examples = {
        "tag": "tag:to-read",
        "cat": "cat:cs.CV",
        "year": "year:2023",
        "is": "is:starred",
        "has": "has:code",
        "id": "id:3f2a",
        "added": "added:7d",
        "listed": "listed:2026-11-28",
        "upvotes": "upvotes:>=10",
        "like": "like:starred",
    }
    return f"{field}: needs a value, e.g. {examples[field]}"


def _unknown_field(name: str) -> str:
    close = difflib.get_close_matches(name.lower(), FIELDS, n=1, cutoff=0.6)
    if close:
        return f'unknown field "{name}:" — did you mean {close[0]}:?'
    return f'unknown field "{name}:" — {_FIELD_HINT}'
