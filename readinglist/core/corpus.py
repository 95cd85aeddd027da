"""Merging listing entries into distinct papers.

A title seen in several listings is one paper (same normalised title, so
the same id). The merged paper keeps the richest metadata and every
listing it came from; fields found by enrichment are never dropped.
"""

from __future__ import annotations

from collections.abc import Iterable

from readinglist.core.model import LINK_KINDS, Paper


def merge_papers(existing: Paper, incoming: Paper) -> bool:
    """Fold ``incoming`` into ``existing`` in place; True if anything changed."""
    before = existing.to_dict()
    if len(incoming.authors) > len(existing.authors) and "authors" not in existing.provenance:
        existing.authors = list(incoming.authors)
        existing.authors_truncated = incoming.authors_truncated
    if incoming.affiliations and not existing.affiliations:
        existing.affiliations = list(incoming.affiliations)
    if incoming.category and not existing.category:
        existing.category = incoming.category
    if incoming.date and (not existing.date or (existing.date_inferred and not incoming.date_inferred)):
        if "date" not in existing.provenance:
            existing.date = incoming.date
            existing.date_inferred = incoming.date_inferred
    if len(incoming.abstract) > len(existing.abstract):
        existing.abstract = incoming.abstract
    existing.has_code = existing.has_code or incoming.has_code
    existing.links = merge_links(existing.links, incoming.links)
    known = {(s.listing, s.line) for s in existing.sources}
    for source in incoming.sources:
        if (source.listing, source.line) not in known:
            existing.sources.append(source)
            known.add((source.listing, source.line))
    return existing.to_dict() != before


def merge_links(*groups: dict[str, list[str]]) -> dict[str, list[str]]:
    merged: dict[str, list[str]] = {}
    seen: set[str] = set()
    for kind in LINK_KINDS:
        for group in groups:
            for url in group.get(kind, []):
                if url not in seen:
                    seen.add(url)
                    merged.setdefault(kind, []).append(url)
    return merged


def dedupe(papers: Iterable[Paper]) -> list[Paper]:
    """Distinct papers in first-seen order."""
    by_id: dict[str, Paper] = {}
    for paper in papers:
        if paper.id in by_id:
            merge_papers(by_id[paper.id], paper)
        else:
            by_id[paper.id] = paper
    return list(by_id.values())
