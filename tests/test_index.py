"""The search index: which papers a query finds, in which order.

Every behaviour is checked three times: before ``index_text()`` (the index
scans the folded text), after it (the word index answers), and with the word
index read from the cache file a former build wrote (no folded text: phrases
are checked on each candidate's own text), because the TUI and the CLI
search in all three states. A property test compares both with a slow,
obviously-correct reference matcher over random queries.
"""

from __future__ import annotations

import tempfile
import threading
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone
from itertools import compress
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from readinglist.core import bitsets as bitsets_module
from readinglist.core import index_order as order_module
from readinglist.core import text_sets as text_sets_module
from readinglist.core.bitsets import FEW
from readinglist.core.index import SearchIndex
from readinglist.core.index_cache import IndexCache
from readinglist.core.index_order import FIRST_STEP, LazyPositions
from readinglist.core.model import Annotation, Paper
from readinglist.core.query import SORTS, Group, QueryError, parse_query
from readinglist.core.tags import tag_key
from readinglist.bench.synth import synthetic_papers
from readinglist.core.text import fold, normalize_title, words


def paper(pid: str, title: str, *, authors: list[str] | None = None, abstract: str = "", date: str | None = "2022-01-01", **fields) -> Paper:
    return Paper(id=pid, title=title, authors=authors or [], abstract=abstract, date=date, **fields)


CORPUS = [
    paper("mae", "Masked Autoencoders Are Scalable Vision Learners", authors=["Kaiming He", "Xinlei Chen"],
          abstract="This paper shows that masked autoencoders (MAE) are scalable self-supervised learners.",
          date="2021-11-11", category="cs.CV", has_code=True, arxiv_id="2111.06377"),
    paper("audio", "Masked Autoencoders that Listen", authors=["Po-Yao Huang", "Hu Xu", "Juncheng Li"],
          abstract="A simple extension of image-based masked autoencoders to audio spectrograms.",
          date="2022-07-13", category="cs.SD", links={"code": ["https://github.com/facebookresearch/AudioMAE"]}),
    paper("clip", "Demystifying CLIP Data", authors=["Hu Xu", "Saining Xie", "José Müller"],
          abstract="Contrastive language-image pre-training (CLIP) has advanced computer vision.",
          date="2023-09-28", category="cs.CV", arxiv_id="2309.16671"),
    paper("vit", "An Image is Worth 16x16 Words: Transformers for Image Recognition at Scale",
          authors=["Alexey Dosovitskiy", "Lucas Beyer"],
          abstract="While the Transformer architecture has become the de-facto standard for NLP, vision lags.",
          date="2020-10-22", category="cs.CV", has_code=True),
    paper("ddpm", "Denoising Diffusion Probabilistic Models", authors=["Jonathan Ho", "Ajay Jain", "Pieter Abbeel"],
          abstract="We present high quality image synthesis results using diffusion probabilistic models.",
          date="2020-06-19", category="cs.LG"),
    paper("lm", "Language Models are Few-Shot Learners", authors=["Tom Brown"],
          abstract="We show that scaling up language models greatly improves few-shot performance.",
          date=None, category="cs.CL"),
    paper("stat", "Élan: a Café of Statistical Estimators", authors=["Zoë Dupré"],
          abstract="Estimators for the naïve reader; the coöperative case is treated in the appendix.",
          date="2019-03-01", category="stat.ML"),
]


@pytest.fixture(params=["scanning", "indexed", "cached"])
def make_index(request, tmp_path):
    """Builds an index in the state under test: before or after index_text(), or read from the cache file."""

    def build(papers=CORPUS, annotations=None) -> SearchIndex:
        if request.param == "cached":
            saved = IndexCache(tmp_path / "word-index.bin", (1, 2, 3))
            SearchIndex([replace(p) for p in papers], {}, saved=saved).index_text()  # writes the file
            index = SearchIndex(papers, annotations or {}, saved=saved)
            index.index_text()
            assert index.text_indexed and not index._text.texts  # read, not built
            return index
        index = SearchIndex(papers, annotations or {})
        if request.param == "indexed":
            index.index_text()
            assert index.text_indexed
        return index

    return build


def found(index: SearchIndex, query: str, sort: str = "relevance", papers=CORPUS) -> list[str]:
    return [papers[i].id for i in index.search(query, sort)]


# --- matching -------------------------------------------------------------------


def test_words_are_case_and_accent_insensitive(make_index) -> None:
    index = make_index()
    assert found(index, "jose muller") == ["clip"]
    assert found(index, "MÜLLER") == ["clip"]
    assert found(index, "naive cooperative") == ["stat"]
    assert found(index, "élan CAFÉ") == ["stat"]


def test_a_word_matches_as_a_prefix_of_a_word_not_inside_it(make_index) -> None:
    index = make_index()
    assert found(index, "transf") == ["vit"]
    assert found(index, "former") == []
    assert found(index, "16x") == ["vit"]


def test_every_free_word_must_match_somewhere(make_index) -> None:
    index = make_index()
    assert set(found(index, "masked")) == {"mae", "audio"}
    assert found(index, "masked audio") == ["audio"]
    assert found(index, "masked kaiming") == ["mae"]
    assert found(index, "masked zebra") == []


def test_phrase_matches_consecutive_words_with_a_prefix_last_word(make_index) -> None:
    index = make_index()
    assert set(found(index, '"masked autoencoders"')) == {"mae", "audio"}
    assert set(found(index, '"masked auto"')) == {"mae", "audio"}
    assert found(index, '"autoencoders masked"') == []
    assert found(index, '"mask autoencoders"') == []  # only the last word is a prefix
    assert found(index, '"scalable vision"') == ["mae"]


def test_punctuated_word_matches_either_spelling(make_index) -> None:
    index = make_index()
    assert found(index, "self-supervised") == ["mae"]
    assert found(index, '"self supervised"') == ["mae"]
    assert found(index, "few-shot") == ["lm"]


def test_a_phrase_does_not_run_across_fields_or_authors(make_index) -> None:
    index = make_index()
    assert found(index, 'author:"hu xu"') == ["clip", "audio"]
    assert found(index, 'author:"huang hu"') == []  # "Po-Yao Huang", "Hu Xu" are two authors
    assert found(index, '"listen a"') == []  # end of the title, start of the abstract


def test_minus_excludes(make_index) -> None:
    index = make_index()
    assert found(index, "masked -audio") == ["mae"]
    assert found(index, 'masked -"image based"') == ["mae"]
    assert "vit" not in found(index, "-transformers")
    assert len(found(index, "-zebra")) == len(CORPUS)


def test_text_fields_look_only_at_their_field(make_index) -> None:
    index = make_index()
    assert found(index, "title:clip") == ["clip"]
    assert found(index, "title:masked") == ["audio", "mae"]
    assert found(index, "title:contrastive") == []
    assert found(index, "abstract:contrastive") == ["clip"]
    assert found(index, "author:xu") == ["clip", "audio"]
    assert found(index, "author:clip") == []
    assert found(index, 'title:"vision learners"') == ["mae"]
    assert found(index, "-title:masked -title:clip") == ["vit", "ddpm", "stat", "lm"]


def test_category_by_full_name_subject_or_archive(make_index) -> None:
    index = make_index()
    assert found(index, "cat:cs.CV") == ["clip", "mae", "vit"]
    assert found(index, "cat:cv") == ["clip", "mae", "vit"]
    assert found(index, "cat:cs") == ["clip", "audio", "mae", "vit", "ddpm", "lm"]
    assert found(index, "cat:stat") == ["stat"]
    assert found(index, "cat:ML") == ["stat"]
    assert found(index, "-cat:cs") == ["stat"]


def test_year_exact_ranges_and_open_ends(make_index) -> None:
    index = make_index()
    assert found(index, "year:2020") == ["vit", "ddpm"]
    assert found(index, "year:2020..2021") == ["mae", "vit", "ddpm"]
    assert found(index, "year:2022..") == ["clip", "audio"]
    assert found(index, "year:..2019") == ["stat"]
    assert found(index, "-year:2020..") == ["stat", "lm"]  # no date: never inside a year range


def test_code_arxiv_and_id(make_index) -> None:
    index = make_index()
    assert found(index, "has:code") == ["audio", "mae", "vit"]  # the flag or a code link
    assert found(index, "has:arxiv") == ["clip", "mae"]
    assert found(index, "-has:arxiv has:code") == ["audio", "vit"]
    assert found(index, "id:d") == ["ddpm"]
    assert found(index, "id:M") == ["mae"]
    assert found(index, "id:zz") == []


ANNOTATIONS = {
    "mae": Annotation(star=True, status="read", tags=["To-Read", "vision"], note="Great ablations in section 4.", updated="2025-01-02T10:00:00Z"),
    "ddpm": Annotation(status="reading", note="Compare with the score-based paper.", updated="2025-03-01T10:00:00Z"),
    "stat": Annotation(star=True, tags=["theory"], updated="2024-12-01T10:00:00Z"),
}


def test_annotation_fields(make_index) -> None:
    index = make_index(annotations=ANNOTATIONS)
    assert found(index, "is:starred") == ["mae", "stat"]
    assert found(index, "is:read") == ["mae"]
    assert found(index, "is:reading") == ["ddpm"]
    assert found(index, "is:unread") == ["clip", "audio", "vit", "stat", "lm"]
    assert found(index, "has:note") == ["mae", "ddpm"]
    assert found(index, "has:tags") == ["mae", "stat"]
    assert found(index, "tag:to-read") == ["mae"]
    assert found(index, "tag:TO") == ["mae"]  # a prefix of the whole tag
    assert found(index, "tag:read") == []
    assert found(index, "tag:theory -is:starred") == []
    assert found(index, "note:ablation") == ["mae"]
    assert found(index, 'note:"score based"') == ["ddpm"]
    assert found(index, "note:masked") == []


def test_free_words_also_search_tags_and_notes(make_index) -> None:
    index = make_index(annotations=ANNOTATIONS)
    assert found(index, "ablations") == ["mae"]
    assert found(index, "theory") == ["stat"]
    assert found(index, "-theory is:starred") == ["mae"]


def test_annotation_changes_are_visible_immediately(make_index) -> None:
    index = make_index(annotations=ANNOTATIONS)
    index.update_annotation("clip", Annotation(star=True, tags=["data"], note="filtering recipe", status="reading"))
    assert found(index, "is:starred") == ["clip", "mae", "stat"]
    assert found(index, "tag:data") == ["clip"]
    assert found(index, "recipe") == ["clip"]
    assert found(index, "is:reading") == ["clip", "ddpm"]
    index.update_annotation("mae", Annotation())
    assert found(index, "is:starred") == ["clip", "stat"]
    assert found(index, "ablations") == []
    assert "mae" in found(index, "is:unread")
    index.update_annotation("stat", None)
    assert found(index, "is:starred") == ["clip"]
    with pytest.raises(KeyError):
        index.update_annotation("nope", Annotation(star=True))


def test_paper_changes_are_visible_immediately(make_index) -> None:
    papers = list(CORPUS)
    index = make_index(papers)
    enriched = replace(papers[5], authors=["Tom Brown", "Dario Amodei"], category="cs.LG", arxiv_id="2005.14165", date="2020-05-28")
    papers[5] = enriched
    index.update_paper(enriched)
    assert found(index, "amodei", papers=papers) == ["lm"]
    assert found(index, "cat:lg", papers=papers) == ["ddpm", "lm"]
    assert found(index, "cat:cl", papers=papers) == []
    assert found(index, "has:arxiv year:2020", papers=papers) == ["lm"]
    assert found(index, "learners", papers=papers) == ["mae", "lm"]  # its new date places it


def test_paper_mutated_in_place_is_reindexed(make_index) -> None:
    papers = [replace(p) for p in CORPUS]
    index = make_index(papers)
    papers[0].title = "Completely Renamed"
    papers[0].abstract = "nothing left"
    papers[0].category = None
    papers[0].has_code = False
    index.update_paper(papers[0])
    assert found(index, "scalable", papers=papers) == []
    assert found(index, "renamed", papers=papers) == ["mae"]
    assert "mae" not in found(index, "cat:cv", papers=papers)
    assert "mae" not in found(index, "has:code", papers=papers)
    assert found(index, "1", papers=papers) == ["vit"]
    papers[3].title = "Seven 7seas"
    index.update_paper(papers[3])
    assert found(index, "1", papers=papers) == []  # "16x16" left with the old title
    assert found(index, "7", papers=papers) == ["vit"]
    with pytest.raises(KeyError):
        index.update_paper(paper("unknown", "Not in the index"))


# --- ranking and sorts -------------------------------------------------------------


RANKED = [
    paper("in-abstract", "Unrelated", abstract="We study graph neural networks.", date="2024-01-01"),
    paper("in-author", "Other", authors=["Lena Graphson"], date="2022-01-01"),
    paper("in-title", "Graph Learning", date="2020-01-01"),
    paper("in-title-new", "Graphs Everywhere", date="2021-06-01"),
    paper("undated", "Graph without Date", date=None),
    paper("mixed", "Graph Theory", abstract="About networks.", date="2025-01-01"),
    paper("in-note", "Nothing here", date="2026-01-01"),
]


def test_title_hits_rank_before_author_hits_before_abstract_hits(make_index) -> None:
    index = make_index(RANKED, {"in-note": Annotation(note="graph stuff")})
    assert found(index, "graph", papers=RANKED) == [
        "mixed", "in-title-new", "in-title", "undated",  # title, newest first, no date last
        "in-author",
        "in-abstract",
        "in-note",
    ]


def test_rank_is_set_by_the_word_that_hits_the_weakest_field(make_index) -> None:
    index = make_index(RANKED)
    # "graph" hits mixed's title but "networks" only its abstract: it ranks as an abstract hit.
    assert found(index, "graph networks", papers=RANKED) == ["mixed", "in-abstract"]
    assert found(index, "graph theory", papers=RANKED)[0] == "mixed"


def test_empty_query_lists_everything_newest_first(make_index) -> None:
    index = make_index()
    assert found(index, "") == ["clip", "audio", "mae", "vit", "ddpm", "stat", "lm"]
    assert found(index, "", "date") == found(index, "")


def test_date_sort_ignores_relevance(make_index) -> None:
    index = make_index(RANKED)
    assert found(index, "graph", "date", papers=RANKED) == ["mixed", "in-abstract", "in-author", "in-title-new", "in-title", "undated"]


def test_title_sort_is_alphabetical_ignoring_case_and_accents(make_index) -> None:
    index = make_index()
    assert found(index, "", "title") == ["vit", "clip", "ddpm", "stat", "lm", "mae", "audio"]
    assert found(index, "masked", "title") == ["mae", "audio"]


def test_changed_sort_puts_recent_annotation_changes_first(make_index) -> None:
    index = make_index(annotations=ANNOTATIONS)
    assert found(index, "", "changed") == ["ddpm", "mae", "stat", "clip", "audio", "vit", "lm"]
    index.update_annotation("lm", Annotation(star=True, updated="2025-06-01T00:00:00Z"))
    assert found(index, "", "changed")[:2] == ["lm", "ddpm"]
    assert found(index, "cat:cv", "changed") == ["mae", "clip", "vit"]


def test_starred_sort_puts_starred_first_then_relevance(make_index) -> None:
    annotations = {"in-abstract": Annotation(star=True), "in-title": Annotation(star=True)}
    index = make_index(RANKED, annotations)
    assert found(index, "graph", "starred", papers=RANKED) == [
        "in-title", "in-abstract",
        "mixed", "in-title-new", "undated", "in-author",
    ]


def test_unknown_sort_and_bad_query_text_are_errors(make_index) -> None:
    index = make_index()
    with pytest.raises(ValueError, match="relevance, date, title, changed, starred"):
        index.search("", "newest")
    with pytest.raises(QueryError):
        index.search('title:"open')


def test_empty_corpus(make_index) -> None:
    index = make_index([])
    index.set_similarity(lambda term: [])
    for sort in SORTS:
        assert index.search("anything is:starred", sort) == []
        assert index.search("", sort) == []


# --- against a reference matcher -------------------------------------------------


NOW = datetime(2026, 12, 1, 15, 0, tzinfo=timezone.utc)


def similarity_for(papers: list[Paper]):
    """A stand-in similarity model with zeros and ties, the same for the index and the reference."""

    def scores(term) -> list[float]:
        salt = sum(map(ord, term.value))
        return [float((salt + sum(map(ord, p.id))) % 4) for p in papers]

    return scores


def reference_search(papers: list[Paper], annotations: dict[str, Annotation], text: str, sort: str) -> list[int]:
    """Slow and simple: the documented semantics, paper by paper."""
    query = parse_query(text)
    similar = similarity_for(papers)

    def phrase_in(sequence: list[str], wanted: tuple[str, ...]) -> bool:
        last = len(wanted) - 1
        return any(
            sequence[i : i + last] == list(wanted[:last]) and sequence[i + last].startswith(wanted[last])
            for i in range(len(sequence) - last)
        )

    def fields(p: Paper, a: Annotation) -> dict[str, list[list[str]]]:
        return {
            "title": [words(p.title)],
            "author": [words(name) for name in p.authors],
            "abstract": [words(p.abstract)],
            "tags": [words(tag) for tag in a.tags],
            "note": [words(a.note)],
        }

    def hits(sequences: list[list[str]], wanted: tuple[str, ...]) -> bool:
        return any(phrase_in(seq, wanted) for seq in sequences)

    def in_span(value: str | None, term) -> bool:
        if not value:
            return False
        if term.ago is not None:
            since = NOW - timedelta(seconds=term.ago)
            if term.field == "listed":
                return date.fromisoformat(value) >= since.date()
            return datetime.fromisoformat(value.replace("Z", "+00:00")) >= since
        low, high = term.span
        return (low is None or value >= low) and (high is None or value < high)

    def matches(term, pos: int, p: Paper, a: Annotation) -> bool:
        text_fields = fields(p, a)
        if term.field is None:
            return any(hits(seqs, term.words) for seqs in text_fields.values())
        if term.field in ("title", "author", "abstract", "note"):
            return hits(text_fields[term.field], term.words)
        if term.field == "tag":
            return any(tag_key(tag).startswith(term.value) for tag in a.tags if tag.strip())
        if term.field == "cat":
            cat = fold(p.category or "")
            return bool(p.category) and (cat.startswith(term.value) or cat.partition(".")[2].startswith(term.value))
        if term.field == "year":
            low, high = term.years
            return p.year is not None and (low is None or p.year >= low) and (high is None or p.year <= high)
        if term.field in ("added", "listed"):
            return in_span(getattr(p, term.field), term)
        if term.field == "upvotes":
            low, high = term.counts
            return p.upvotes is not None and (low is None or p.upvotes >= low) and (high is None or p.upvotes <= high)
        if term.field == "like":
            return similar(term)[pos] > 0
        if term.field == "id":
            return fold(p.id).startswith(term.value)
        if term.field == "is":
            if term.value == "new":
                return p.id in NEW
            return a.star if term.value == "starred" else a.status == term.value
        return {
            "code": p.has_code or bool(p.code_links),
            "note": bool(a.note.strip()),
            "arxiv": bool(p.arxiv_id),
            "tags": any(tag.strip() for tag in a.tags),
            "pdf": p.id in WITH_PDF,
        }[term.value]

    def satisfies(node, pos: int, p: Paper, a: Annotation) -> bool:
        if isinstance(node, Group):
            test = any if node.any_of else all
            found = test(satisfies(child, pos, p, a) for child in node.children)
        else:
            found = matches(node, pos, p, a)
        return found != node.negated

    def tier(node, pos: int, p: Paper, a: Annotation) -> int:
        """0 title ... 3 elsewhere; by the weakest word, and with OR by the best side matched."""
        if node.negated:
            return 0
        if isinstance(node, Group):
            if node.any_of:
                return min(tier(c, pos, p, a) for c in node.children if satisfies(c, pos, p, a))
            return max((tier(c, pos, p, a) for c in node.children), default=0)
        if node.field is not None:
            return 0
        text_fields = fields(p, a)
        for level, name in enumerate(("title", "author", "abstract")):
            if hits(text_fields[name], node.words):
                return level
        return 3

    default = Annotation()
    ann = lambda pos: annotations.get(papers[pos].id, default)  # noqa: E731
    chosen = [pos for pos, p in enumerate(papers) if satisfies(query.tree, pos, p, ann(pos))]
    chosen.sort(key=lambda pos: papers[pos].date or "", reverse=True)  # stable: ties keep list order
    liked = [similar(term) for term in query.like_terms]
    if sort == "fit" and not liked:
        liked = [similar(parse_query("like:starred").terms[0])]
    if sort in ("relevance", "fit") and liked:
        chosen.sort(key=lambda pos: sum(scores[pos] for scores in liked), reverse=True)
    elif sort in ("relevance", "starred"):
        chosen.sort(key=lambda pos: tier(query.tree, pos, papers[pos], ann(pos)))
    if sort == "starred":
        chosen.sort(key=lambda pos: not ann(pos).star)
    if sort == "title":
        chosen.sort(key=lambda pos: normalize_title(papers[pos].title))
    if sort == "changed":
        chosen.sort(key=lambda pos: ann(pos).updated or "", reverse=True)
    if sort == "added":
        chosen.sort(key=lambda pos: papers[pos].added or "", reverse=True)
    if sort == "upvotes":
        chosen.sort(key=lambda pos: -1 if papers[pos].upvotes is None else papers[pos].upvotes, reverse=True)
    return chosen


def property_index(papers: list[Paper], annotations: dict[str, Annotation], saved: IndexCache | None = None) -> SearchIndex:
    index = SearchIndex(papers, annotations, clock=lambda: NOW, saved=saved)
    index.set_similarity(similarity_for(papers))
    index.set_new(NEW)
    index.set_flag("pdf", WITH_PDF)
    return index


def test_reference_agrees_with_the_hand_written_expectations() -> None:
    assert [CORPUS[i].id for i in reference_search(CORPUS, ANNOTATIONS, "masked -audio", "relevance")] == ["mae"]
    expected = ["mixed", "in-title-new", "in-title", "undated", "in-author", "in-abstract"]
    assert [RANKED[i].id for i in reference_search(RANKED, {}, "graph", "relevance")] == expected


def _property_corpus() -> tuple[list[Paper], list[str]]:
    papers = synthetic_papers(40, seed=7) + [replace(p, id=f"x{i}") for i, p in enumerate(CORPUS)]
    # Shared dates make ties; a few papers lose theirs.
    added = [None, "2026-11-30T10:00:00Z", "2026-11-28T00:00:00Z", "2026-11-28T23:59:59+00:00", "2026-10-05T08:00:00Z"]
    listed = [None, "2026-11-30", "2026-11-28", "2026-11-01", "2026-12-01"]
    for i, p in enumerate(papers):
        p.date = None if i % 11 == 3 else ("2022-05-05" if i % 5 == 0 else p.date)
        p.abstract = p.abstract[:300]
        p.added = added[i % 5]
        p.listed = listed[i * 3 % 5]
        p.upvotes = None if i % 4 == 0 else i % 13
    vocabulary = sorted({w for p in papers for text in (p.title, *p.authors, p.abstract) for w in words(text)})
    return papers, vocabulary


PROPERTY_PAPERS, VOCABULARY = _property_corpus()
NEW = {p.id for p in PROPERTY_PAPERS[::3]}
WITH_PDF = {p.id for p in PROPERTY_PAPERS[1::4]}
TAGS = ["to-read", "Vision", "vision", "théorie", "ml/ops", "reading group", "Reading-Group"]
NOTES = ["", "great ablations", "compare with masked autoencoders", "naïve baseline"]


@st.composite
def annotations(draw) -> dict[str, Annotation]:
    chosen = draw(st.lists(st.sampled_from(PROPERTY_PAPERS), max_size=12, unique_by=lambda p: p.id))
    return {
        p.id: Annotation(
            star=draw(st.booleans()),
            status=draw(st.sampled_from(["unread", "reading", "read"])),
            tags=draw(st.lists(st.sampled_from(TAGS), max_size=2)),
            note=draw(st.sampled_from(NOTES)),
            updated=draw(st.sampled_from([None, "2025-01-01T00:00:00Z", "2025-02-01T00:00:00Z", "2025-03-01T00:00:00Z"])),
        )
        for p in chosen
    }


@st.composite
def term_text(draw) -> str:
    word = draw(st.sampled_from(VOCABULARY + ["masked", "zzz", "graph", "7seas", "9", "1"]))
    word = word[: draw(st.integers(1, len(word)))]
    if draw(st.booleans()):
        word = word.upper()
    kind = draw(st.sampled_from(["word", "word", "phrase", "title", "author", "abstract", "note", "tag", "cat", "year",
                                 "added", "listed", "upvotes", "like", "is", "has", "id"]))
    minus = "-" if draw(st.integers(0, 4)) == 0 else ""
    if kind == "word":
        return minus + word
    if kind == "phrase":
        p = draw(st.sampled_from(PROPERTY_PAPERS))
        sequence = words(draw(st.sampled_from([p.title, p.abstract, *p.authors])))
        start = draw(st.integers(0, max(0, len(sequence) - 1)))
        part = sequence[start : start + draw(st.integers(1, 3))] or ["empty"]
        part[-1] = part[-1][: draw(st.integers(1, len(part[-1])))]
        return f'{minus}"{" ".join(part)}"'
    if kind in ("title", "author", "abstract", "note"):
        return f"{minus}{kind}:{word}"
    value = {
        "tag": lambda: draw(st.sampled_from(["to", "to-read", "vision", "theorie", "ml", "x", '"reading group"', "Reading"])),
        "added": lambda: draw(st.sampled_from(["2026-11-28", "2026-11", "..2026-11-28", "2026-11-29..", "2d", "3d", "30h", "2026"])),
        "listed": lambda: draw(st.sampled_from(["2026-11-28", "2026-11..2026-11-30", "1d", "3d", "..2026-11"])),
        "upvotes": lambda: draw(st.sampled_from(["0", ">=5", "3..7", "..2", ">12", "<4"])),
        "like": lambda: draw(st.sampled_from(["starred", "tag:vision", PROPERTY_PAPERS[0].id])),
        "cat": lambda: draw(st.sampled_from(["cs", "cs.cv", "CV", "lg", "stat", "ml", "c", "eess.as", "q"])),
        "year": lambda: draw(st.sampled_from(["2020", "2019..2021", "2023..", "..2020", "2026"])),
        "is": lambda: draw(st.sampled_from(["starred", "unread", "reading", "read", "new"])),
        "has": lambda: draw(st.sampled_from(["code", "note", "arxiv", "tags", "pdf"])),
        "id": lambda: draw(st.sampled_from(PROPERTY_PAPERS)).id[: draw(st.integers(1, 3))],
    }[kind]()
    return f"{minus}{kind}:{value}"


@st.composite
def query_text(draw, depth: int = 0) -> str:
    """Terms side by side, sometimes joined by OR, sometimes in (negated) parentheses."""
    parts = []
    for _ in range(draw(st.integers(0 if depth == 0 else 1, 4 if depth == 0 else 2))):
        if depth < 2 and draw(st.integers(0, 5)) == 0:
            parts.append(draw(st.sampled_from(["(", "-("])) + draw(query_text(depth + 1)) + ")")
        else:
            parts.append(draw(term_text()))
        if len(parts) > 1 and draw(st.integers(0, 3)) == 0:
            parts.insert(-1, "OR")
    return " ".join(parts)


queries = query_text()
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(text=queries, annotations=annotations(), indexed=st.booleans())
def test_index_agrees_with_reference(text: str, annotations: dict[str, Annotation], indexed: bool) -> None:
    index = property_index(PROPERTY_PAPERS, annotations)
    if indexed:
        index.index_text()
    for sort in SORTS:
        assert index.search(text, sort) == reference_search(PROPERTY_PAPERS, annotations, text, sort), (text, sort)


changes = st.lists(
    st.tuples(
        st.integers(0, len(PROPERTY_PAPERS) - 1),
        st.sampled_from(["title", "authors", "abstract", "date", "category", "code", "added", "upvotes"]),
        st.sampled_from(["Graph Masked Théorie", "", "zzz words here", "Hu Xu", "7seas"]),
    ),
    max_size=5,
)


@SETTINGS
@given(text=queries, edits=changes, annotations=annotations(), before=st.booleans())
def test_index_agrees_with_reference_after_updates(text, edits, annotations, before: bool) -> None:
    papers = [replace(p) for p in PROPERTY_PAPERS]
    index = property_index(papers, {})
    if not before:
        index.index_text()
    else:  # the sorted added times and upvotes exist before the edits, or only after
        index.search("upvotes:0.. OR added:2000..")
    for position, field, value in edits:
        p = papers[position]
        if field == "title":
            p.title = value
        elif field == "authors":
            p.authors = [value] if value else []
        elif field == "abstract":
            p.abstract = value
        elif field == "date":
            p.date = {"": None, "zzz words here": "2019-02-02"}.get(value, "2024-04-04")
        elif field == "category":
            p.category = {"": None, "Hu Xu": "cs.RO"}.get(value, "eess.AS")
        elif field == "added":
            p.added = {"": None, "Hu Xu": "2026-11-28T12:00:00Z"}.get(value, "2026-12-01T14:30:00Z")
        elif field == "upvotes":
            p.upvotes = {"": None, "Hu Xu": 5}.get(value, 99)
        else:
            p.has_code = not p.has_code
        index.update_paper(p)
    for paper_id, annotation in annotations.items():
        index.update_annotation(paper_id, annotation)
    if before:
        index.index_text()
    for sort in SORTS:
        assert index.search(text, sort) == reference_search(papers, annotations, text, sort), (text, sort)


@SETTINGS
@given(text=queries, edits=changes, annotations=annotations())
def test_few_results_are_listed_in_the_same_order_as_many(text, edits, annotations) -> None:
    """A result of a few papers is read off its bitset instead of a walk over
    every paper (and so are a phrase's candidates): the same papers, in the
    same order, for every sort, also once edited dates break the date order."""
    papers = [replace(p) for p in PROPERTY_PAPERS]
    index = property_index(papers, annotations)
    index.index_text()
    for position, field, value in edits:
        p = papers[position]
        if field == "date":
            p.date = {"": None, "zzz words here": "2019-02-02"}.get(value, "2024-04-04")
        elif field == "abstract":
            p.abstract = value
        index.update_paper(p)
    found = {}
    # No set is "few", then every one is; a large answer's lazy walk looks at
    # 3 papers before it walks them all, as it looks at 4096 in a large library.
    for few, first_step in ((len(papers) + 1, FIRST_STEP), (0, FIRST_STEP), (len(papers) + 1, 3)):
        bitsets_module.FEW, order_module.FIRST_STEP = few, first_step
        try:
            index._text._cache.clear()  # phrases are looked for again
            found[few, first_step] = [index.search(text, sort) for sort in SORTS]
        finally:
            bitsets_module.FEW, order_module.FIRST_STEP = FEW, FIRST_STEP
    expected = [reference_search(papers, annotations, text, sort) for sort in SORTS]
    assert all(each == expected for each in found.values()), found


@given(
    groups=st.lists(st.sets(st.integers(0, 199)), max_size=4),
    first_step=st.integers(1, 300),
    reads=st.lists(st.one_of(st.integers(-220, 220), st.tuples(st.integers(-220, 220), st.integers(-220, 220), st.sampled_from([1, 2, -1]))), max_size=6),
    data=st.data(),
)
def test_a_lazy_answer_reads_like_the_list_it_stands_for(groups, first_step, reads, data) -> None:
    """Rows read one by one, by slices, from the end, searched for or walked
    whole, in any order: always what the whole list would give."""
    n = 200
    pos = data.draw(st.permutations(range(n)))
    bitsets = [sum(1 << number for number in group) for group in groups]
    expected = [pos[number] for group in groups for number in sorted(group)]
    lazy = LazyPositions([bits for bits in bitsets if bits], pos, first_step=first_step)
    assert len(lazy) == len(expected) and bool(lazy) == bool(expected)
    for read in reads:
        if isinstance(read, int):
            if -len(expected) <= read < len(expected):
                assert lazy[read] == expected[read]
            else:
                with pytest.raises(IndexError):
                    lazy[read]
        else:
            fresh = LazyPositions([bits for bits in bitsets if bits], pos, first_step=first_step)
            assert fresh[slice(*read)] == lazy[slice(*read)] == expected[slice(*read)]  # first read, and after others
    if expected:
        chosen = data.draw(st.sampled_from(expected))
        assert lazy.index(chosen) == expected.index(chosen) and chosen in lazy
    assert -1 not in lazy
    assert list(lazy) == expected and lazy == expected and lazy == tuple(expected)
    assert lazy != expected + [0]


@given(
    n=st.integers(0, 700),
    best_first=st.integers(1, 40),
    cut=st.integers(-5, 60),
    data=st.data(),
)
def test_a_ranking_by_score_puts_its_best_first_as_a_full_sort_does(n: int, best_first: int, cut: int, data) -> None:
    """like: answers sort only their best papers at once and the rest when read
    past them: the same list as a full stable sort, ties newest first, read
    from the top or whole, with tied scores, a skewed sample, or dates edited."""
    pos = data.draw(st.permutations(range(n)))
    # Most papers, as like:starred matches: a drawn set of numbers would be a few.
    result = set(compress(range(n), data.draw(st.lists(st.booleans(), min_size=n, max_size=n))))
    # Few distinct values: many ties, some exactly at the bar the sample picks.
    scores = data.draw(st.lists(st.sampled_from([0.0, 0.125, 0.25, 0.5, 1.0]) | st.floats(0, 1), min_size=n, max_size=n))
    ordering = order_module.Ordering(list(pos), [f"2026-01-{1 + i % 28:02d}" for i in range(n)])
    if data.draw(st.booleans()) and n:
        ordering.date_changed(0, "1999-01-01")  # dates no longer follow the numbers: a full sort
    newest_first = ordering.newest_first(result)
    expected = sorted((pos[number] for number in newest_first), key=scores.__getitem__, reverse=True)
    original = order_module.BEST_FIRST
    order_module.BEST_FIRST = best_first
    try:
        ranked = ordering.by_scores(sum(1 << number for number in result), scores)
        assert len(ranked) == len(expected)
        assert list(ranked[: max(cut, 0)]) == expected[: max(cut, 0)]  # the top, before the rest is worked out
        assert list(ranked) == expected
    finally:
        order_module.BEST_FIRST = original


def test_a_ranking_by_scores_for_more_papers_than_the_index_has_ranks_its_own() -> None:
    """A search still running on the old index while an import grew the
    library gets a score for each paper of the new one: it ranks its own papers."""
    original = order_module.BEST_FIRST
    order_module.BEST_FIRST = 2
    try:
        n = 100
        ordering = order_module.Ordering(list(range(n)), ["2026-01-01"] * n)
        scores = [i / n for i in range(n)] + [1.0] * 5  # the five new papers score highest
        ranked = ordering.by_scores((1 << n) - 1, scores)
        assert list(ranked) == sorted(range(n), key=scores.__getitem__, reverse=True)
    finally:
        order_module.BEST_FIRST = original


@given(n=st.integers(0, 3000), data=st.data())
def test_bitsets_turn_into_flags_and_numbers_and_back(n: int, data) -> None:
    """The conversions every search result goes through, against the obvious loops."""
    numbers = sorted(data.draw(st.sets(st.integers(0, n - 1), max_size=n)) if n else set())
    bits = bitsets_module.bits_of(numbers, n)
    assert bits == sum(1 << number for number in numbers)
    flags = bitsets_module.flags_of(bits, n)
    assert len(flags) >= n and flags[:n] == bytes(int(i in set(numbers)) for i in range(n)) and not any(flags[n:])
    assert bitsets_module.numbers_of(bits) == numbers
    assert bitsets_module.pack(flags) == bits


def test_a_lazy_answer_read_by_threads_at_once_gives_each_every_row() -> None:
    """The worker makes an answer and the UI thread reads it; an export may
    read it in another thread meanwhile. Each step of the walk is taken once."""
    import sys

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # threads take turns as often as they can
    try:
        n = 3000
        groups = [sum(1 << number for number in range(start, n, 7)) for start in range(7)]  # 7 groups of ~430 papers
        expected = [number for start in range(7) for number in range(start, n, 7)]
        for _ in range(20):
            lazy = LazyPositions(groups, list(range(n)), first_step=16)
            seen: list[list[int]] = []
            readers = [threading.Thread(target=lambda: seen.append(list(lazy))) for _ in range(4)]
            for reader in readers:
                reader.start()
            for reader in readers:
                reader.join()
            assert seen == [expected] * 4
    finally:
        sys.setswitchinterval(interval)


_CACHE_DIR = tempfile.TemporaryDirectory(prefix="rl-index-cache-")  # removed at exit
_CACHED = IndexCache(Path(_CACHE_DIR.name) / "word-index.bin", (7, 7, 7))


@SETTINGS
@given(text=queries, edits=changes, before=st.booleans())
def test_index_read_from_the_cache_agrees_with_reference_after_updates(text, edits, before: bool) -> None:
    """Papers changed in place before or after the file is read: the index holds their new words only."""
    if not _CACHED.path.exists():
        property_index([replace(p) for p in PROPERTY_PAPERS], {}, saved=_CACHED).index_text()
    papers = [replace(p) for p in PROPERTY_PAPERS]
    index = property_index(papers, {}, saved=_CACHED)
    if not before:
        index.index_text()
        assert not index._text.texts
    for position, field, value in edits:
        p = papers[position]
        if field == "title":
            p.title = value
        elif field == "authors":
            p.authors = [value] if value else []
        elif field == "abstract":
            p.abstract = value
        index.update_paper(p)
    if before:
        index.index_text()
    for sort in SORTS:
        assert index.search(text, sort) == reference_search(papers, {}, text, sort), (text, sort)


def test_update_made_while_the_index_builds_is_not_lost(monkeypatch) -> None:
    papers = [replace(p) for p in CORPUS]
    index = SearchIndex(papers, {})
    original = text_sets_module.WordIndex
    edited = []

    def build_then_edit(texts, n):
        built = original(texts, n)
        if not edited:  # the user edits a paper while the first field is indexed
            edited.append(True)
            papers[2].title = "Renamed during indexing"
            papers[2].abstract = "new words"
            index.update_paper(papers[2])
        return built

    monkeypatch.setattr(text_sets_module, "WordIndex", build_then_edit)
    index.index_text()
    assert found(index, "renamed", papers=papers) == ["clip"]
    assert found(index, "demystifying", papers=papers) == []
    assert found(index, "title:r", papers=papers) == ["clip", "vit"]


def test_update_made_while_the_text_is_folded_is_not_lost(monkeypatch) -> None:
    papers = [replace(p) for p in CORPUS]
    index = SearchIndex(papers, {})
    original = text_sets_module.text_of
    edited = []

    def fold_then_edit(field, p, cache):
        if not edited:
            edited.append(True)
            papers[2] = replace(papers[2], title="Renamed while folding", authors=["Ada Lovelace"], abstract="Fresh text.")
            index.update_paper(papers[2])
        return original(field, p, cache)

    monkeypatch.setattr(text_sets_module, "text_of", fold_then_edit)
    assert found(index, "renamed lovelace fresh", papers=papers) == ["clip"]
    assert found(index, "demystifying", papers=papers) == []
    assert found(index, "saining", papers=papers) == []
    assert found(index, "contrastive", papers=papers) == []


def test_searches_and_updates_while_the_word_index_builds() -> None:
    papers = synthetic_papers(3000, seed=11)
    index = SearchIndex(papers, {})
    builder = threading.Thread(target=index.index_text)
    builder.start()
    for i in range(0, 60, 3):
        papers[i].abstract = f"marker{i} appears only here"
        index.update_paper(papers[i])
        index.update_annotation(papers[i + 1].id, Annotation(star=True, note=f"marker{i}"))
        assert len(index.search("marker")) == 2 * (i // 3 + 1)
    builder.join()
    assert index.text_indexed
    assert sorted(index.search("marker")) == sorted(list(range(0, 60, 3)) + list(range(1, 61, 3)))
    assert index.search('abstract:"marker3 appears"') == [3]


# --- the synthetic corpus the benchmarks use ----------------------------------------


def test_synthetic_corpus_is_deterministic_whatever_the_hash_seed() -> None:
    import subprocess
    import sys

    script = "from readinglist.bench.synth import synthetic_papers; print([p.to_dict() for p in synthetic_papers(30, 5)])"
    outputs = {
        subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                       env={"PYTHONHASHSEED": seed, "PATH": ""}).stdout
        for seed in ("1", "2")
    }
    assert len(outputs) == 1
    assert synthetic_papers(30, 5) == synthetic_papers(30, 5)
    assert synthetic_papers(30, 5) != synthetic_papers(30, 6)


def test_synthetic_corpus_has_the_shape_of_real_listings() -> None:
    papers = synthetic_papers(500, seed=1)
    assert len({p.id for p in papers}) == 500
    assert all(3 <= len(p.authors) <= 12 for p in papers)
    assert 60 <= sum(len(p.title) for p in papers) / 500 <= 100
    assert 1000 <= sum(len(p.abstract) for p in papers) / 500 <= 1500
    years = {p.year for p in papers}
    assert None in years and min(y for y in years if y) == 2018 and max(y for y in years if y) == 2026
    assert 0.3 < sum(p.has_code for p in papers) / 500 < 0.5
    assert all(p.code_links for p in papers if p.has_code)
    assert {p.category for p in papers} >= {"cs.CV", "cs.LG", "cs.CL", "stat.ML"}
    assert any(not p.title.isascii() or not "".join(p.authors).isascii() for p in papers)


WORDS = ["ab", "xab", "abx", "ß", "ss", "é", "e", "9", "İ", "Σς"]
TRICKY = st.lists(st.tuples(st.sampled_from(WORDS), st.sampled_from([" ", "-", "_", ".", "\u0301", "\u034f", ""])), max_size=8).map(
    lambda parts: "".join(word + separator for word, separator in parts)
)


@settings(max_examples=300, deadline=None)
@given(texts=st.lists(TRICKY, min_size=1, max_size=4), found=st.lists(st.sampled_from(WORDS), min_size=2, max_size=3), cut=st.integers(0, 2))
@example(texts=["xab ab", "ab-ab"], found=["ab", "ab"], cut=0)  # a word that only ends like the first one
@example(texts=["ab_ab", "abé ab"], found=["ab", "ab"], cut=1)  # _ and accents between words
@example(texts=["Straße ss", "9ss ss"], found=["ss", "ss"], cut=0)
@example(texts=["Élan ab", "x\u0301 e"], found=["elan", "ab"], cut=0)  # accents folded away
def test_a_phrase_checked_on_each_papers_own_text_finds_what_the_folded_text_finds(texts, found, cut) -> None:
    """Read from the cache, the index checks phrases on the papers' own text: accents, ß, digits, _ alike."""
    found = words(" ".join(found))
    if len(found) < 2:
        return
    found[-1] = found[-1][: max(1, len(found[-1]) - cut)]  # the last word is a prefix
    papers = [paper(f"p{i}", text, abstract=text[::-1], authors=[text, "ab"]) for i, text in enumerate(texts)]
    scanning = SearchIndex(papers, {})
    with tempfile.TemporaryDirectory() as directory:
        saved = IndexCache(Path(directory) / "word-index.bin", (1, 1, 1))
        SearchIndex(papers, {}, saved=saved).index_text()
        cached = SearchIndex(papers, {}, saved=saved)
        quoted = '"' + " ".join(found) + '"'
        for text in (quoted, f"title:{quoted}", f"author:{quoted}"):
            assert cached.search(text) == scanning.search(text), text
        assert cached.text_indexed and not cached._text.texts


def test_update_made_while_the_metadata_sets_build_is_not_lost(monkeypatch) -> None:
    from readinglist.core import index as index_module

    papers = [replace(p) for p in CORPUS]
    index = SearchIndex(papers, {})
    original = index_module.PaperSets
    edited = []

    def build_then_edit(snapshot):
        built = original(snapshot)
        if not edited:  # the user edits a paper while index_text() builds the metadata sets
            edited.append(True)
            papers[4].category = "cs.RO"
            papers[4].date = "2025-05-05"
            index.update_paper(papers[4])
        return built

    monkeypatch.setattr(index_module, "PaperSets", build_then_edit)
    index.index_text()
    assert found(index, "cat:ro", papers=papers) == ["ddpm"]
    assert found(index, "cat:lg", papers=papers) == []
    assert found(index, "year:2025", papers=papers) == ["ddpm"]
