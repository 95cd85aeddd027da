"""How fetched papers meet the library.

A fetched paper is the library's paper with the same arXiv id, else the one
with the same normalised title (so a built-in listing paper gains the
fetched metadata), else a new paper. Fetched values fill gaps and never
replace what the listing, enrichment or the user set, with three
exceptions: a longer author list replaces a truncated or shorter one, the
Hugging Face upvotes are the latest count, and ``listed`` keeps the earliest
day. A field the user edited is never touched; annotations live elsewhere.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from readinglist.core.enrich.apply import merge_links
from readinglist.core.feeds.items import FeedItem
from readinglist.core.model import Paper
from readinglist.core.text import paper_id

SERVICE = {"hf": "huggingface", "arxiv": "arxiv"}
ADDED, MERGED, SKIPPED = "added", "merged", "skipped"


@dataclass
class Outcome:
    """What merging a fetch would do, before anything is written."""

    new: dict[str, Paper] = field(default_factory=dict)  # paper id -> paper to add
    changed: dict[str, dict[str, Any]] = field(default_factory=dict)  # paper id -> fields for update_papers
    verdicts: list[tuple[FeedItem, str, str]] = field(default_factory=list)  # (item, added/merged/skipped, paper id)


def plan_merge(library: Iterable[Paper], items: Iterable[FeedItem], at: str) -> Outcome:
    """Decide, for each item in order, whether it adds, merges or changes nothing."""
    papers = {p.id: p for p in library}
    by_arxiv = {p.arxiv_id: p.id for p in papers.values() if p.arxiv_id}
    originals: dict[str, dict[str, Any]] = {}
    working: dict[str, Paper] = {}
    outcome = Outcome()
    for item in items:
        pid = by_arxiv.get(item.arxiv_id) or paper_id(item.title)
        if pid in outcome.new:
            verdict = MERGED if absorb(outcome.new[pid], item, at) else SKIPPED
        elif pid in papers:
            if pid not in working:
                originals[pid] = papers[pid].to_dict()
                working[pid] = Paper.from_dict(originals[pid])
            target = working[pid]
            if target.arxiv_id and target.arxiv_id != item.arxiv_id:
                # Another arXiv paper with the same title: the ids (derived
                # from titles) would collide, so it is left out.
                verdict = SKIPPED
            else:
                verdict = MERGED if absorb(target, item, at) else SKIPPED
        else:
            outcome.new[pid] = new_paper(item, at)
            verdict = ADDED
        by_arxiv.setdefault(item.arxiv_id, pid)
        outcome.verdicts.append((item, verdict, pid))
    for pid, paper in working.items():
        fields = _diff(originals[pid], paper.to_dict())
        if fields:
            outcome.changed[pid] = fields
    return outcome


def new_paper(item: FeedItem, at: str) -> Paper:
    paper = Paper(id=paper_id(item.title), title=item.title, added=at)
    absorb(paper, item, at)
    paper.provenance = {"feed": paper.provenance["feed"]}  # a new paper's fields all came from the feed
    return paper


def absorb(paper: Paper, item: FeedItem, at: str) -> bool:
    """Fold ``item`` into ``paper`` in place; True if a field changed."""
    before = paper.to_dict()
    source = SERVICE.get(item.source, item.source)
    stamp = {"source": source, "at": at, "via": "feed"}

    def free(name: str) -> bool:
        return not paper.edited(name)

    def fill(name: str, value: Any) -> None:
        if value and not getattr(paper, name) and free(name):
            setattr(paper, name, value)
            paper.provenance[name] = dict(stamp)

    fill("arxiv_id", item.arxiv_id)
    if item.authors and free("authors") and (
        not paper.authors or paper.authors_truncated or len(item.authors) > len(paper.authors)
    ):
        paper.authors, paper.authors_truncated = list(item.authors), False
        paper.provenance["authors"] = dict(stamp)
    fill("abstract", item.abstract)
    if item.categories:
        fill("category", item.categories[0])
        fill("categories", list(item.categories))
    if item.published and free("date") and (not paper.date or paper.date_inferred):
        paper.date, paper.date_inferred = item.published, False
        paper.provenance["date"] = dict(stamp)
    fill("doi", item.doi)
    fill("journal_ref", item.journal_ref)
    if item.listed and (paper.listed is None or item.listed < paper.listed):
        paper.listed = item.listed
    if item.upvotes is not None:
        paper.upvotes = item.upvotes
    _links(paper, item, stamp)
    changed = paper.to_dict() != before
    if changed:
        paper.provenance["feed"] = {"source": source, "listed": item.listed, "at": at}
    return changed


def _links(paper: Paper, item: FeedItem, stamp: dict[str, str]) -> None:
    if paper.edited("links"):
        return
    links = {kind: list(urls) for kind, urls in paper.links.items()}
    for kind, url in (("code", item.github_repo), ("project", item.project_page)):
        if url:
            merged = merge_links(links.get(kind, []), [url])
            if merged != links.get(kind, []):
                links[kind] = merged
    if links != paper.links:
        paper.links = links
        paper.provenance["links"] = dict(stamp)
    if links.get("code") and not paper.has_code and not paper.edited("has_code"):
        paper.has_code = True


def _diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """Fields for ``store.update_papers``: provenance only by changed entry."""
    fields = {k: v for k, v in after.items() if k != "provenance" and before.get(k) != v}
    if not fields:
        return {}
    old = before.get("provenance") or {}
    fields["provenance"] = {k: v for k, v in (after.get("provenance") or {}).items() if old.get(k) != v}
    return fields
