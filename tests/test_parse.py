"""The listing parser on the built-in corpus and on damaged input."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from readinglist.core.corpus import dedupe
from readinglist.core.parse import (
    COMPACT,
    DAILY,
    METADATA,
    ParseError,
    parse_file,
    parse_text,
    split_title_authors,
)

EXPECTED_COUNTS = {
    "000_51ed6a239f702eec.txt": (METADATA, 50),
    "001_2dd0e0ba8e68f2aa.txt": (DAILY, 75),
    "002_d89be230a84ee0c4.txt": (DAILY, 116),
    "003_e841576bcab80298.txt": (COMPACT, 119),
    "004_0feca3ddca94ba20.txt": (DAILY, 74),
}

ABSTRACT = (
    "We study a problem that matters. Our method improves results on three benchmarks by a wide margin. "
    "Code and models are released for the community to build on and compare against in future work."
)


def test_counts_and_layouts_per_bundled_file(seeds: list[Path]) -> None:
    seen = {}
    for path in seeds:
        result = parse_file(path, year=2026)
        seen[path.name] = (result.layout, len(result.papers))
        assert result.problems == [], path.name
    assert seen == EXPECTED_COUNTS


def test_built_in_corpus_is_434_entries_and_413_papers(seeds: list[Path]) -> None:
    entries = [p for path in seeds for p in parse_file(path, year=2026).papers]
    assert len(entries) == 434
    papers = dedupe(entries)
    assert len(papers) == 413
    assert len({p.id for p in papers}) == 413
    multi = [p for p in papers if len(p.listings) > 1]
    assert multi and all(len(p.sources) >= 2 for p in multi)


def test_every_metadata_entry_splits_exactly(seeds: list[Path]) -> None:
    expected = json.loads((Path(__file__).parent / "data" / "listing000_expected.json").read_text(encoding="utf-8"))
    papers = parse_file(seeds[0], year=2026).papers
    got = [
        {
            "title": p.title,
            "authors": p.authors,
            "et_al": p.authors_truncated,
            "affiliations": p.affiliations,
            "category": p.category,
            "date": p.date,
            "code": p.has_code,
        }
        for p in papers
    ]
    assert got == expected


@pytest.mark.parametrize(
    ("line", "title", "authors", "et_al", "affiliations"),
    [
        (
            "Demystifying CLIP DataHu Xu, Saining Xie, Xiaoqing Ellen Tan et al. · meta-ai, mit",
            "Demystifying CLIP Data",
            ["Hu Xu", "Saining Xie", "Xiaoqing Ellen Tan"],
            True,
            ["meta-ai", "mit"],
        ),
        (
            "VideoAuto-R1: Video Auto Reasoning via Thinking Once, Answering TwiceShuming Liu, Mingchen Zhuge, Changsheng Zhao et al.",
            "VideoAuto-R1: Video Auto Reasoning via Thinking Once, Answering Twice",
            ["Shuming Liu", "Mingchen Zhuge", "Changsheng Zhao"],
            True,
            [],
        ),
        (
            "Branch-Train-MiX: Mixing Expert LLMs into a Mixture-of-Experts LLMSainbayar Sukhbaatar, Olga Golovneva, Vasu Sharma et al. · meta-ai, mit",
            "Branch-Train-MiX: Mixing Expert LLMs into a Mixture-of-Experts LLM",
            ["Sainbayar Sukhbaatar", "Olga Golovneva", "Vasu Sharma"],
            True,
            ["meta-ai", "mit"],
        ),
        (
            "SelfCite: Self-Supervised Alignment for Context Attribution in Large Language ModelsYung-Sung Chuang, Benjamin Cohen-Wang, Shannon Zejiang Shen et al. · meta-ai",
            "SelfCite: Self-Supervised Alignment for Context Attribution in Large Language Models",
            ["Yung-Sung Chuang", "Benjamin Cohen-Wang", "Shannon Zejiang Shen"],
            True,
            ["meta-ai"],
        ),
        (
            "Understanding Pre-trained BERT for Aspect-based Sentiment AnalysisHu Xu, Lei Shu, Philip S. Yu",
            "Understanding Pre-trained BERT for Aspect-based Sentiment Analysis",
            ["Hu Xu", "Lei Shu", "Philip S. Yu"],
            False,
            [],
        ),
    ],
)
def test_title_author_split(line: str, title: str, authors: list[str], et_al: bool, affiliations: list[str]) -> None:
    assert split_title_authors(line) == (title, authors, et_al, affiliations)


def test_date_without_year_uses_option_and_is_marked_inferred() -> None:
    text = f"LGJun 2\nSome Title HereAda Lovelace, Alan Turing\n{ABSTRACT}\n"
    paper = parse_text(text, "x.txt", year=2024).papers[0]
    assert (paper.date, paper.date_inferred) == ("2024-06-02", True)
    # Without the option: the capture year, never a date after the capture day.
    today = dt.date(2026, 3, 1)
    paper = parse_text(text, "x.txt", today=today).papers[0]
    assert paper.date == "2025-06-02"


def test_unknown_category_code_is_kept_and_reported() -> None:
    text = f"QXJun 2, 2021Code\nSome Title HereAda Lovelace, Alan Turing\n{ABSTRACT}\n"
    result = parse_text(text, "x.txt")
    assert result.papers[0].category == "QX"
    assert result.papers[0].has_code
    assert any("unknown category code 'QX'" in p.message for p in result.problems)


def _daily(*blocks: str) -> str:
    header = "new\n\nGet trending papers in your email inbox!\n\nSubscribe\n\nDaily Papers\n\nbyAK and the research community\n\nAug 11\n\n"
    return header + "\n\n".join(blocks) + "\n"


def test_missing_abstract_does_not_shift_following_papers() -> None:
    text = _daily("First Title", ABSTRACT, "Second Title Without Abstract", "Third Title", ABSTRACT.replace("three", "four"))
    result = parse_text(text, "d.txt")
    assert [(p.title, bool(p.abstract)) for p in result.papers] == [
        ("First Title", True),
        ("Second Title Without Abstract", False),
        ("Third Title", True),
    ]
    assert "four" in result.papers[2].abstract
    [problem] = result.problems
    assert problem.message.startswith("title without an abstract") and problem.line == 17


def test_orphan_abstract_is_reported_with_line_and_skipped() -> None:
    text = _daily("First Title", ABSTRACT, ABSTRACT.replace("three", "five"), "Next Title", ABSTRACT)
    result = parse_text(text, "d.txt")
    assert [p.title for p in result.papers] == ["First Title", "Next Title"]
    assert [(p.line, p.message) for p in result.problems] == [(17, "abstract without a title: skipped")]


def test_compact_layout_with_title_glued_to_subscribe() -> None:
    text = "Get trending papers in your email inbox!\nSubscribePre-training Things\n" + ABSTRACT + "\nSecond Thing\n" + ABSTRACT + "\n"
    result = parse_text(text, "c.txt")
    assert result.layout == COMPACT
    assert [p.title for p in result.papers] == ["Pre-training Things", "Second Thing"]


def test_crlf_bom_trailing_spaces_and_unknown_header_lines(tmp_path: Path) -> None:
    text = _daily("A Title   ", ABSTRACT + "  ").replace("Daily Papers", "Some New Banner Line")
    path = tmp_path / "crlf.txt"
    path.write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode())
    result = parse_file(path)
    assert [p.title for p in result.papers] == ["A Title"]
    assert result.papers[0].abstract == ABSTRACT
    assert result.problems == []


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\x00\x01\x02binary", "binary file"),
        (b"caf\xe9 latin-1 text with enough words to look like something", "not UTF-8"),
        (b"", "not a listing"),
        (b"just a line\nand another\n", "not a listing"),
    ],
)
def test_bad_files_get_a_clear_per_file_error(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "bad.txt"
    path.write_bytes(content)
    with pytest.raises(ParseError) as info:
        parse_file(path)
    assert message in str(info.value) and str(path) in str(info.value)


def test_a_directory_is_a_per_file_error(tmp_path: Path) -> None:
    with pytest.raises(ParseError, match="is a directory"):
        parse_file(tmp_path)


def test_links_are_cleaned_deduplicated_and_classified() -> None:
    abstract = (
        "We propose a method that works well. It is evaluated on many benchmarks. Code: \\url{https://github.com/a/b}}. "
        "See https://github.com/a/b and the project page https://x.github.io/p{https://x.github.io/p}. "
        "Data at (https://huggingface.co/datasets/org/set) and https://example.org/paper.pdf, too."
    )
    paper = parse_text(_daily("Linked Paper", abstract), "l.txt").papers[0]
    assert paper.links == {
        "code": ["https://github.com/a/b", "https://huggingface.co/datasets/org/set"],
        "project": ["https://x.github.io/p"],
        "other": ["https://example.org/paper.pdf"],
    }


def test_control_sequences_are_stripped_from_titles() -> None:
    text = _daily("Evil \x1b[31mRed\x1b[0m Title\u202e", ABSTRACT)
    assert parse_text(text, "e.txt").papers[0].title == "Evil Red Title"


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2000))
def test_random_bytes_never_raise_anything_but_parse_error(tmp_path_factory: pytest.TempPathFactory, data: bytes) -> None:
    path = tmp_path_factory.mktemp("fuzz") / "f.txt"
    path.write_bytes(data)
    try:
        result = parse_file(path)
    except ParseError:
        return
    assert all(p.title for p in result.papers)


_line = st.one_of(
    st.sampled_from(["", "new", "Subscribe", "Aug 11", "CVSep 28, 2023Code", "LGJun 2", "Title Only", ABSTRACT, "SubscribeGlued Title"]),
    st.text(max_size=400),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_line, max_size=40))
def test_garbled_listings_never_raise_anything_but_parse_error(lines: list[str]) -> None:
    try:
        result = parse_text("\n".join(lines), "g.txt")
    except ParseError:
        return
    for paper in result.papers:
        assert paper.title and "\n" not in paper.title
