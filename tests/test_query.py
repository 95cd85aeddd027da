"""The filter language parser: what a typed query means, and its error hints."""

from __future__ import annotations

from pathlib import Path

import pytest

from readinglist.core.errors import UserError
from readinglist.core.query import SORTS, Group, QueryError, Term, parse_query


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
        ('tag:"to  read"', "tag", "to-read"),  # the tag rule: spaces inside a tag are dashes
        ('tag:"Reading Group"', "tag", "reading-group"),
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
        ("is:done", 3, "is: wants starred, unread, reading, read or new"),
        ("x has:pdfs", 6, "has: wants code, note, arxiv, tags or pdf"),
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
    assert SORTS == ("relevance", "date", "title", "changed", "starred", "added", "upvotes", "fit")


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


# --- OR, parentheses and precedence ---------------------------------------------


def shape(text: str):
    """The query's structure in a compact form: ("or"/"and", [...]), "-" for a negation."""

    def walk(node):
        mark = "-" if node.negated else ""
        if isinstance(node, Term):
            return mark + (" ".join(node.words) or f"{node.field}:{node.value}")
        return (mark + ("or" if node.any_of else "and"), [walk(child) for child in node.children])

    return walk(parse_query(text).tree)


def test_or_finds_either_side_and_binds_looser_than_side_by_side() -> None:
    assert shape("is:starred OR has:note") == ("or", ["is:starred", "has:note"])
    assert shape("a b OR c") == ("or", [("and", ["a", "b"]), "c"])
    assert shape("a OR b c") == ("or", ["a", ("and", ["b", "c"])])
    assert shape("a OR b OR c") == ("or", ["a", "b", "c"])


def test_parentheses_group_and_minus_binds_tightest() -> None:
    assert shape("(is:starred OR has:note) -is:read") == ("and", [("or", ["is:starred", "has:note"]), "-is:read"])
    assert shape("-(a OR b) c") == ("and", [("-or", ["a", "b"]), "c"])
    assert shape("-a OR b") == ("or", ["-a", "b"])
    assert shape("-(a b)") == ("-and", ["a", "b"])


def test_plain_queries_stay_plain() -> None:
    for text in ("a b -c title:x", "(a b) c", "((a))", "-(a)", "a or b"):
        query = parse_query(text)
        assert query.plain and query.root is None, text
        assert all(isinstance(t, Term) for t in query.terms)
    assert [t.negated for t in parse_query("-(a)").terms] == [True]
    assert [t.negated for t in parse_query("-(-a)").terms] == [False]
    assert not parse_query("a OR b").plain


def test_lower_case_or_is_a_word_and_quoted_or_is_text() -> None:
    assert [t.words for t in parse_query("cats or dogs").terms] == [("cats",), ("or",), ("dogs",)]
    assert [t.words for t in parse_query('"cats OR dogs"').terms] == [("cats", "or", "dogs")]
    assert [t.words for t in parse_query("ORACLE").terms] == [("oracle",)]


def test_ranked_terms_are_the_free_words_outside_any_minus() -> None:
    query = parse_query("(graph OR tree) -(video OR audio) -x title:y")
    assert [t.words for t in query.ranked_terms] == [("graph",), ("tree",)]
    assert isinstance(query.root, Group)
    assert [(t.field, t.words) for t in query.terms][-2:] == [(None, ("x",)), ("title", ("y",))]


@pytest.mark.parametrize(
    ("text", "position", "hint"),
    [
        ("a OR", 2, "OR needs a term after it"),
        ("OR a", 0, "OR needs a term before it"),
        ("a OR OR b", 2, "OR needs a term after it"),
        ("(a OR b", 0, "unclosed parenthesis"),
        ("x -(a (b)", 2, "unclosed parenthesis"),
        ("a b)", 3, "unmatched )"),
        ("a () b", 2, "empty parentheses"),
        ("(OR a)", 1, "OR needs a term before it"),
    ],
)
def test_structure_mistakes_point_at_the_column(text: str, position: int, hint: str) -> None:
    with pytest.raises(QueryError) as caught:
        parse_query(text)
    assert caught.value.position == position
    assert hint in caught.value.message


def test_an_unclosed_quote_is_still_an_error_inside_a_group() -> None:
    with pytest.raises(QueryError, match="unclosed quote"):
        parse_query('(a OR "masked auto')


# --- added:, listed:, upvotes:, is:new, has:pdf, like: -----------------------------


@pytest.mark.parametrize(
    ("text", "span"),
    [
        ("added:2026-11-28", ("2026-11-28", "2026-11-29")),
        ("added:2026-11-28..", ("2026-11-28", None)),
        ("added:..2026-11-01", (None, "2026-11-02")),
        ("added:2026-11-01..2026-11-28", ("2026-11-01", "2026-11-29")),
        ("listed:2026-11", ("2026-11", "2026-12")),
        ("listed:2026-12..2026-12-31", ("2026-12", "2027-01-01")),
        ("listed:2026", ("2026", "2027")),
        ("listed:2026-11-05..2026-11", ("2026-11-05", "2026-12")),
    ],
)
def test_date_fields_take_days_months_years_and_ranges(text: str, span: tuple) -> None:
    assert only(text).span == span


def test_relative_dates_count_back_from_now() -> None:
    assert only("added:7d").ago == 7 * 86400
    assert only("listed:12h").ago == 12 * 3600
    assert only("added:2w").ago == 14 * 86400


@pytest.mark.parametrize(
    ("text", "counts"),
    [("upvotes:>=10", (10, None)), ("upvotes:10..", (10, None)), ("upvotes:..5", (None, 5)),
     ("upvotes:10..50", (10, 50)), ("upvotes:12", (12, 12)), ("upvotes:>9", (10, None)), ("upvotes:<5", (None, 4))],
)
def test_upvote_forms(text: str, counts: tuple) -> None:
    assert only(text).counts == counts


def test_new_flags_and_like_values() -> None:
    assert (only("is:new").field, only("is:new").value) == ("is", "new")
    assert only("has:PDF").value == "pdf"
    assert only("like:starred").value == "starred"
    assert only("like:3F2A").value == "3f2a"
    assert only('like:tag:"Reading Group"').value == "tag:reading-group"
    assert parse_query("like:starred diffusion").like_terms == (only("like:starred"),)
    assert parse_query("-like:starred").like_terms == ()


@pytest.mark.parametrize(
    ("text", "position", "hint"),
    [
        ("added:2026-13-01", 6, "added: wants 7d, 2026-11-28"),
        ("listed:2026-02-30", 7, "listed: wants"),
        ("added:7x", 6, "added: wants"),
        ("added:2026-11-28..2026-11-01", 6, "runs backwards — try 2026-11-01..2026-11-28"),
        ("upvotes:many", 8, "upvotes: wants 10, >=10, 10.., ..5 or 10..50"),
        ("upvotes:50..10", 8, "runs backwards — try 10..50"),
        ("like:", 5, "like: needs a value, e.g. like:starred"),
        ("like:tag:", 9, "like: needs a value"),
    ],
)
def test_new_field_mistakes(text: str, position: int, hint: str) -> None:
    with pytest.raises(QueryError) as caught:
        parse_query(text)
    assert caught.value.position == position
    assert hint in caught.value.message
