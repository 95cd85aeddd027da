"""arXiv Atom parsing and title queries: recorded and schema-built responses."""

from __future__ import annotations

from pathlib import Path

import pytest

from readinglist.core.enrich.arxiv import (
    ArxivError,
    ArxivRejected,
    parse_arxiv_id,
    parse_feed,
    title_phrase,
    title_query,
)

FIXTURES = Path(__file__).parent / "fixtures" / "arxiv"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def test_recorded_search_parses_every_entry_with_its_fields() -> None:
    feed = parse_feed(fixture("arxiv_search_all_testing_2026.xml"))
    assert feed.total_results == 214881
    assert len(feed.entries) == 10
    first = feed.entries[0]
    assert first.arxiv_id == "2202.12139"
    assert first.title == "Testing Deep Learning Models: A First Comparative Study of Multiple Testing Techniques"
    assert first.authors == ["Mohit Kumar Ahuja", "Arnaud Gotlieb", "Helge Spieker"]
    assert first.published == "2022-02-24"
    assert first.primary_category == "cs.SE"
    assert first.categories == ["cs.SE", "cs.LG"]
    assert first.doi == "10.1109/ICSTW55395.2022.00035"
    assert first.pdf_url == "https://arxiv.org/pdf/2202.12139"
    assert first.abs_url == "https://arxiv.org/abs/2202.12139"
    assert first.journal_ref and first.journal_ref.startswith("Artificial Intelligence in Software Testing")
    assert "\n" not in first.summary and first.summary.startswith("Deep Learning (DL) has revolutionized")


def test_recorded_search_ids_are_versionless_and_unique() -> None:
    ids = [e.arxiv_id for e in parse_feed(fixture("arxiv_search_all_testing_2026.xml")).entries]
    assert len(set(ids)) == 10
    assert all(not i[-2:].startswith("v") for i in ids)


def test_recorded_empty_answer_has_no_entries() -> None:
    feed = parse_feed(fixture("arxiv_empty_2026.xml"))
    assert feed.total_results == 0
    assert feed.entries == []


def test_line_wrapped_title_is_collapsed() -> None:
    feed = parse_feed(fixture("batch_three_hits.xml"))
    titles = {e.arxiv_id: e.title for e in feed.entries}
    assert titles["2207.06405"] == "Masked Autoencoders that Listen"
    assert len(feed.entries) == 3 and feed.total_results == 3


def test_old_style_id_keeps_its_archive_and_slash() -> None:
    (entry,) = parse_feed(fixture("old_style_id.xml")).entries
    assert entry.arxiv_id == "hep-th/9711200"
    assert entry.pdf_url == "http://arxiv.org/pdf/hep-th/9711200"
    assert entry.published == "1997-11-27"
    assert entry.doi == "10.1023/A:1026654312961"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("http://arxiv.org/abs/2202.12139v1", "2202.12139"),
        ("https://arxiv.org/abs/hep-th/9901001v2", "hep-th/9901001"),
        ("2309.16671", "2309.16671"),
        ("http://arxiv.org/api/errors#incorrect_id_format_for_1234.12345", None),
        ("https://example.org/abs/2202.12139", None),
    ],
)
def test_parse_arxiv_id(raw: str, expected: str | None) -> None:
    assert parse_arxiv_id(raw) == expected


def test_error_feed_is_a_rejection_with_arxivs_reason() -> None:
    with pytest.raises(ArxivRejected, match="incorrect id format for 1234.12345"):
        parse_feed(fixture("error_400.xml"))


def test_malformed_xml_is_an_error_not_a_crash() -> None:
    with pytest.raises(ArxivError, match="malformed XML"):
        parse_feed(fixture("malformed.xml"))


def test_xml_bomb_is_refused_without_expanding() -> None:
    with pytest.raises(ArxivError, match="unsafe XML"):
        parse_feed(fixture("xml_bomb.xml"))


def test_non_atom_document_is_rejected() -> None:
    with pytest.raises(ArxivError, match="not an Atom feed"):
        parse_feed(b"<html><body>maintenance</body></html>")


def test_entry_links_other_than_http_are_dropped() -> None:
    body = fixture("batch_three_hits.xml").replace(
        b"https://arxiv.org/pdf/2304.02643v1", b"javascript:alert(1)"
    )
    entry = next(e for e in parse_feed(body).entries if e.arxiv_id == "2304.02643")
    assert entry.pdf_url is None


def test_title_phrase_removes_what_breaks_arxiv_queries() -> None:
    # A hyphen would read as NOT, a colon as a field, a quote would end the phrase.
    assert title_phrase('Self-Supervised "MAE": Learning AND Listening') == "self supervised mae learning and listening"


def test_title_query_batches_titles_with_or_and_drops_duplicates() -> None:
    query = title_query(["Segment Anything", "Demystifying CLIP Data", "segment anything!"])
    assert query == 'ti:"segment anything" OR ti:"demystifying clip data"'
