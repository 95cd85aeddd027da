"""The search index on OR and parentheses, the new terms and the new sorts.

Like tests/test_index.py, each behaviour is checked before and after
``index_text()`` (the ``make_index`` fixture).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone

import pytest

from readinglist.core.index import SearchIndex, SimilarityUnavailable
from readinglist.core.model import Annotation, Paper
from readinglist.core.query import QueryError

NOW = datetime(2026, 12, 1, 15, 0, tzinfo=timezone.utc)


def paper(pid: str, title: str, date: str | None = "2022-01-01", **fields) -> Paper:
    return Paper(id=pid, title=title, date=date, **fields)


PAPERS = [
    paper("graph", "Graph Networks", "2025-05-01", abstract="Message passing.", added="2026-11-30T09:00:00Z",
          listed="2026-11-30", upvotes=40),
    paper("video", "Video Diffusion", "2025-03-01", abstract="Graph of frames.", added="2026-11-28T23:59:59Z",
          listed="2026-11-28", upvotes=12),
    paper("audio", "Audio Tokens", "2024-01-01", authors=["Ann Graph"], added="2026-11-20T10:00:00+00:00",
          listed="2026-11-19", upvotes=3),
    paper("old", "Old Survey", "2019-01-01", added="2026-10-01T00:00:00Z", upvotes=0),
    paper("plain", "Plain Paper", "2023-01-01"),
]
NOTES = {
    "graph": Annotation(star=True, tags=["Reading-Group"]),
    "audio": Annotation(note="compare with video", tags=["reading group", "Vision"]),
    "old": Annotation(status="read", star=True),
}


@pytest.fixture(params=["scanning", "indexed"])
def make_index(request):
    def build(papers=PAPERS, annotations=NOTES) -> SearchIndex:
        index = SearchIndex(papers, annotations, clock=lambda: NOW)
        if request.param == "indexed":
            index.index_text()
        return index

    return build


def found(index: SearchIndex, query: str, sort: str = "relevance", papers=PAPERS) -> list[str]:
    return [papers[i].id for i in index.search(query, sort)]


# --- OR and parentheses -----------------------------------------------------------


def test_or_finds_papers_matching_either_side(make_index) -> None:
    index = make_index()
    assert found(index, "is:starred OR has:note") == ["graph", "audio", "old"]
    assert found(index, "(is:starred OR has:note) -is:read") == ["graph", "audio"]
    assert found(index, "tokens OR survey") == ["audio", "old"]
    assert found(index, "tokens or survey") == []  # lower-case "or" is a word to find


def test_minus_before_parentheses_excludes_either(make_index) -> None:
    index = make_index()
    assert found(index, "-(video OR audio)") == ["graph", "plain", "old"]
    assert found(index, "-(is:starred is:read)") == ["graph", "video", "audio", "plain"]


def test_side_by_side_binds_tighter_than_or(make_index) -> None:
    index = make_index()
    assert found(index, "graph networks OR survey") == ["graph", "old"]
    assert found(index, "graph (networks OR diffusion)") == ["graph", "video"]


def test_with_or_a_paper_ranks_by_the_best_side_it_matches(make_index) -> None:
    index = make_index()
    # "graph" is in graph's title, audio's authors and video's abstract.
    assert found(index, "graph OR zzz") == ["graph", "audio", "video"]
    # video matches the "diffusion" side in its title: it ranks with title hits.
    assert found(index, "diffusion OR graph") == ["graph", "video", "audio"]
    assert found(index, "(diffusion OR graph) -networks") == ["video", "audio"]


# --- added:, listed:, upvotes: ------------------------------------------------------


def test_added_by_day_range_and_relative(make_index) -> None:
    index = make_index()
    assert found(index, "added:2026-11-28") == ["video"]
    assert found(index, "added:2026-11-28..") == ["graph", "video"]
    assert found(index, "added:..2026-11-20") == ["audio", "old"]
    assert found(index, "added:2026-11") == ["graph", "video", "audio"]
    assert found(index, "added:3d") == ["graph", "video"]  # since 2026-11-28 15:00
    assert found(index, "added:2d") == ["graph"]
    assert found(index, "added:30h") == ["graph"]
    assert found(index, "-added:2026") == ["plain"]  # never added: in no range


def test_listed_counts_whole_days(make_index) -> None:
    index = make_index()
    assert found(index, "listed:2026-11-28..2026-11-30") == ["graph", "video"]
    assert found(index, "listed:1d") == ["graph"]  # since 2026-11-30, the whole day
    assert found(index, "listed:3d") == ["graph", "video"]


def test_upvotes_ranges(make_index) -> None:
    index = make_index()
    assert found(index, "upvotes:>=10") == ["graph", "video"]
    assert found(index, "upvotes:12..") == ["graph", "video"]
    assert found(index, "upvotes:..3") == ["audio", "old"]
    assert found(index, "upvotes:3..12") == ["video", "audio"]
    assert found(index, "upvotes:12") == ["video"]
    assert found(index, "upvotes:>40") == []


def test_metadata_changes_are_visible_immediately(make_index) -> None:
    papers = [replace(p) for p in PAPERS]
    index = make_index(papers)
    assert found(index, "", "upvotes", papers=papers)[0] == "graph"
    assert found(index, "upvotes:>=10", papers=papers) == ["graph", "video"]
    assert found(index, "added:1h", papers=papers) == []
    papers[4].upvotes, papers[4].added = 100, "2026-12-01T14:00:00Z"
    papers[0].upvotes = None
    index.update_paper(papers[4])
    index.update_paper(papers[0])
    assert found(index, "upvotes:>=10", papers=papers) == ["video", "plain"]
    assert found(index, "added:1h", papers=papers) == ["plain"]
    assert found(index, "", "upvotes", papers=papers)[:2] == ["plain", "video"]
    assert found(index, "", "added", papers=papers)[0] == "plain"


# --- flags the caller sets ------------------------------------------------------------


def test_new_and_pdf_are_what_the_caller_says(make_index) -> None:
    index = make_index()
    assert found(index, "is:new") == [] and found(index, "has:pdf") == []
    index.set_new(["video", "old", "not-a-paper"])
    index.set_flag("pdf", ["graph"])
    assert found(index, "is:new") == ["video", "old"]
    assert found(index, "has:pdf OR is:new") == ["graph", "video", "old"]
    assert found(index, "-is:new -has:pdf") == ["audio", "plain"]
    index.set_new([])
    assert found(index, "is:new") == []
    with pytest.raises(ValueError, match="new, pdf"):
        index.set_flag("code", ["graph"])


# --- tags: one rule ------------------------------------------------------------------


def test_tag_query_uses_the_tag_rule(make_index) -> None:
    index = make_index()
    assert found(index, 'tag:"reading group"') == ["graph", "audio"]
    assert found(index, "tag:Reading-Group") == ["graph", "audio"]
    assert found(index, "tag:reading") == ["graph", "audio"]
    assert found(index, "tag:group") == []
    assert found(index, "tag:VISION") == ["audio"]


# --- like: and the fit sort ----------------------------------------------------------


def similarity(papers=PAPERS):
    """A stand-in model: a fixed score per paper id, by what is asked."""
    table = {
        "starred": {"video": 0.9, "audio": 0.2, "plain": 0.5},
        "graph": {"video": 0.4, "audio": 0.8},
        "tag:reading-group": {"old": 0.3},
    }
    asked = []

    def scores(term):
        asked.append(term.value)
        if term.value not in table:
            return None
        return [table[term.value].get(p.id, 0.0) for p in papers]

    return scores, asked


def test_like_filters_to_similar_papers_and_orders_them(make_index) -> None:
    index = make_index()
    hook, _ = similarity()
    index.set_similarity(hook)
    assert found(index, "like:starred") == ["video", "plain", "audio"]
    assert found(index, "like:graph") == ["audio", "video"]
    assert found(index, "like:graph", "date") == ["video", "audio"]
    assert found(index, 'like:tag:"Reading Group"') == ["old"]
    assert found(index, "like:starred -like:graph") == ["plain"]
    assert found(index, "like:starred tokens") == ["audio"]


def test_like_without_the_model_is_a_one_line_error(make_index) -> None:
    index = make_index()
    with pytest.raises(SimilarityUnavailable) as caught:
        index.search("video like:starred")
    assert caught.value.message == "like: needs the similarity model"
    assert caught.value.position == 6
    assert isinstance(caught.value, QueryError)
    hook, _ = similarity()
    index.set_similarity(hook)
    with pytest.raises(SimilarityUnavailable):
        index.search("like:unknownid")  # the model cannot tell for that paper


def test_fit_sort_orders_by_similarity_to_the_starred_papers(make_index) -> None:
    index = make_index()
    with pytest.raises(SimilarityUnavailable, match="the fit sort needs the similarity model"):
        index.search("", "fit")
    hook, asked = similarity()
    index.set_similarity(hook)
    # Every paper stays; those the model scores 0 follow, newest first.
    assert found(index, "", "fit") == ["video", "plain", "audio", "graph", "old"]
    assert found(index, "-plain", "fit") == ["video", "audio", "graph", "old"]
    asked.clear()
    assert found(index, "like:graph", "fit") == ["audio", "video"]  # the query's like: orders
    assert asked == ["graph"]


def test_added_and_upvotes_sorts_put_papers_without_a_value_last(make_index) -> None:
    index = make_index()
    assert found(index, "", "added") == ["graph", "video", "audio", "old", "plain"]
    assert found(index, "", "upvotes") == ["graph", "video", "audio", "old", "plain"]
    assert found(index, "-networks", "upvotes") == ["video", "audio", "old", "plain"]
