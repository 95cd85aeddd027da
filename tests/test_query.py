"""The filter language parser: what a typed query means, and its error hints."""

from __future__ import annotations

from pathlib import Path

import pytest

from readinglist.core.errors import UserError
from readinglist.core.query import SORTS, QueryError, Term, parse_query


def only(text: str) -> Term:
    (term,) = parse_query(text).terms
    return term


def test_free_words_are_folded_and_all_required() -> None:
    query = parse_query("Café  TRANSFORMERS")
    assert [t.words for t in query.terms] == [("cafe",), ("transformers",)]
    assert all(t.field is None and not t.negated for t in query.terms)
    assert query.ranked_terms == query.terms


def test_quoted_phrase_keeps_its_words_together() -> None:
    assert only('"Masked  Autoencoder"').words == ("masked", "autoencoder")


def test_punctuated_word_becomes_a_phrase() -> None:
    assert only("self-supervised").words == ("self", "supervised")


def test_leading_minus_negates_and_is_not_ranked() -> None:
    query = parse_query("clip -diffusion")
    assert [(t.words, t.negated) for t in query.terms] == [(("clip",), False), (("diffusion",), True)]
    assert [t.words for t in query.ranked_terms] == [("clip",)]


def test_lone_minus_and_punctuation_are_ignored_while_typing() -> None:
    assert parse_query("-").terms == ()
    assert parse_query(" — & ").terms == ()
    assert not parse_query("   ")


@pytest.mark.parametrize(
    ("text", "field", "words"),
    [
        ("title:clip", "title", ("clip",)),
        ("Author:Müller", "author", ("muller",)),
        ("abstract:ViT", "abstract", ("vit",)),
        ("note:appendix", "note", ("appendix",)),
        ('title:"vision transformer"', "title", ("vision", "transformer")),
    ],
)
def test_text_fields(text: str, field: str, words: tuple[str, ...]) -> None:
    term = only(text)
    assert (term.field, term.words) == (field, words)


@pytest.mark.parametrize(
    ("text", "field", "value"),
    [
        ("cat:cs.CV", "cat", "cs.cv"),
        ("CAT:CV", "cat", "cv"),
        ("tag:To-Read", "tag", "to-read"),
        ('tag:"to  read"', "tag", "to read"),
        ("id:3F2A", "id", "3f2a"),
        ("is:Starred", "is", "starred"),
        ("is:reading", "is", "reading"),
        ("has:code", "has", "code"),
        ("has:tags", "has", "tags"),
    ],
)
def test_value_fields(text: str, field: str, value: str) -> None:
    term = only(text)
    assert (term.field, term.value) == (field, value)


@pytest.mark.parametrize(
    ("text", "years"),
    [
        ("year:2023", (2023, 2023)),
        ("year:2020..2023", (2020, 2023)),
        ("year:2020..", (2020, None)),
        ("year:..2023", (None, 2023)),
        ("year:2022..2022", (2022, 2022)),
    ],
)
def test_year_forms(text: str, years: tuple[int | None, int | None]) -> None:
    assert only(text).years == years


def test_every_field_can_be_negated() -> None:
    query = parse_query('-title:clip -author:"hu xu" -cat:cs -year:..2020 -is:read -has:code -tag:x -note:y -id:ab')
    assert [t.field for t in query.terms] == ["title", "author", "cat", "year", "is", "has", "tag", "note", "id"]
    assert all(t.negated for t in query.terms)
    assert query.ranked_terms == ()


def test_pasted_url_is_text_not_a_field() -> None:
    assert only("https://github.com/facebookresearch/mae").words[:3] == ("https", "github", "com")


def test_positions_point_at_each_term() -> None:
    query = parse_query("clip  -title:x")
    assert [t.position for t in query.terms] == [0, 6]


@pytest.mark.parametrize(
    ("text", "position", "hint"),
    [
        ('clip "masked auto', 5, "unclosed quote"),
        ('title:"vision', 6, "unclosed quote"),
        ("clip foo:bar", 5, 'unknown field "foo:" — try title:, author:'),
        ("-Foo:bar", 1, 'unknown field "Foo:"'),
        ("auther:hu", 0, "did you mean author:?"),
        ("year:20", 5, "year: wants 2023, 2020..2023, 2020.. or ..2023"),
        ("year:..", 5, "year: wants"),
        ("year:2020-2023", 5, "year: wants"),
        ("year:2024..2020", 5, "runs backwards — try 2020..2024"),
        ("is:done", 3, "is: wants starred, unread, reading or read"),
        ("x has:pdf", 6, "has: wants code, note, arxiv or tags"),
        ("title:", 6, "title: needs a word"),
        ('author:"" x', 7, "author: needs a word"),
        ("cat: cv", 4, "cat: needs a value"),
    ],
)
def test_malformed_queries_raise_with_position_and_hint(text: str, position: int, hint: str) -> None:
    with pytest.raises(QueryError) as caught:
        parse_query(text)
    assert caught.value.position == position
    assert hint in caught.value.message


def test_query_error_is_a_one_line_user_error() -> None:
    with pytest.raises(UserError) as caught:
        parse_query("foo:bar")
    assert str(caught.value).startswith('unknown field "foo:"')
    assert "(at column 1)" in str(caught.value)
    assert "\n" not in str(caught.value)


def test_sorts_offered() -> None:
    assert SORTS == ("relevance", "date", "title", "changed", "starred")


def _doc_table(header: str) -> list[tuple[str, str]]:
    """Rows of the table in docs/query.md whose header line is ``header``."""
    lines = (Path(__file__).resolve().parent.parent / "docs" / "query.md").read_text(encoding="utf-8").splitlines()
    start = lines.index(header) + 2
    rows = []
    for line in lines[start:]:
        if not line.startswith("|"):
            break
        query, text = (cell.strip() for cell in line.strip("|").split(" | ", 1))
        rows.append((query.strip("`"), text))
    return rows


def test_every_documented_example_parses() -> None:
    examples = _doc_table("| query | finds |")
    assert len(examples) > 20
    for query, _ in examples:
        assert parse_query(query).terms, query


def test_every_documented_mistake_gives_the_documented_message() -> None:
    mistakes = _doc_table("| query | message |")
    assert len(mistakes) > 5
    for query, message in mistakes:
        with pytest.raises(QueryError) as caught:
            parse_query(query)
        assert caught.value.message == message, query
