"""How what enrichment found combines with what the paper already has.

The listing's values win where they exist; arXiv fills the gaps:

- ``arxiv_id``, ``pdf_url``, ``doi``, ``category``, ``abstract``: set when the
  paper has none.
- ``authors``: arXiv's full list replaces the listing's when that is empty
  or ended with "et al." (``authors_truncated``), which is then cleared.
- ``date``: arXiv's first-version date replaces a missing date or one whose
  year the listing did not give (``date_inferred``).
- Code and project links are only ever added, deduplicated.
- A field whose provenance says ``"source": "user"`` is never touched; a
  field an earlier enrichment set may be updated by a later one.

Every field set gets ``provenance[field]`` (source, matched title, match
kind, score, arXiv id, when); ``provenance["enrich"]`` records the outcome.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from readinglist.core.enrich.arxiv import ArxivEntry
from readinglist.core.enrich.hf import HfPaper
from readinglist.core.enrich.match import Match
from readinglist.core.links import arxiv_pdf_url, links_by_kind
from readinglist.core.model import Paper
from readinglist.core.text import clean_text, is_safe_url

ENRICH_SOURCES = frozenset({"arxiv", "huggingface", "semanticscholar", "abstract"})
RESOLVED, UNRESOLVED, FAILED = "resolved", "unresolved", "failed"


@dataclass(slots=True)
class Outcome:
    """What one run learnt about one paper."""

    status: str = UNRESOLVED
    entry: ArxivEntry | None = None
    match: Match | None = None
    via: str = "arxiv"  # which service led to the arXiv entry
    hf: HfPaper | None = None
    reason: str = ""  # why unresolved or failed
    errors: list[str] = field(default_factory=list)  # failed steps, e.g. "huggingface: HTTP 503"
    pending: list[str] = field(default_factory=list)  # steps not reached: the run was stopped


def needs_enrichment(paper: Paper) -> bool:
    """Not yet resolved, or resolved with a step that failed or was not reached."""
    record = paper.provenance.get("enrich") or {}
    return record.get("status") != RESOLVED or bool(record.get("errors")) or bool(record.get("pending"))


def _writable(paper: Paper, name: str, has_value: bool) -> bool:
    source = (paper.provenance.get(name) or {}).get("source")
    if source == "user":
        return False
    return not has_value or source in ENRICH_SOURCES


def _canonical(url: str) -> str:
    parts = urlsplit(url)
    path = parts.path.rstrip("/").removesuffix(".git")
    return f"{(parts.hostname or '').removeprefix('www.')}{path}".casefold()


def merge_links(existing: list[str], found: list[str]) -> list[str]:
    merged = list(existing)
    seen = {_canonical(u) for u in merged}
    for url in found:
        if is_safe_url(url) and (key := _canonical(url)) not in seen:
            seen.add(key)
            merged.append(url)
    return merged


def changes_for(paper: Paper, outcome: Outcome, at: str) -> tuple[dict[str, Any], int]:
    """Field updates for ``store.update_papers`` and the number of code links added.

    Empty when nothing would change but the time of the record.
    """
    changes: dict[str, Any] = {}
    provenance: dict[str, dict[str, Any]] = {}
    entry, match = outcome.entry, outcome.match
    base: dict[str, Any] = {}  # what every arXiv-derived field's provenance says

    def put(name: str, value: Any, source: str) -> None:
        if getattr(paper, name) != value:
            changes[name] = value
            provenance[name] = {"source": source, "at": at, **base}

    if entry is not None and outcome.status == RESOLVED:
        base = {"arxiv_id": entry.arxiv_id, "matched_title": entry.title}
        if match is not None:
            base |= {"match": match.kind, "score": match.score}
        if _writable(paper, "arxiv_id", bool(paper.arxiv_id)):
            put("arxiv_id", entry.arxiv_id, "arxiv")
        if _writable(paper, "pdf_url", bool(paper.pdf_url)):
            put("pdf_url", entry.pdf_url or arxiv_pdf_url(entry.arxiv_id), "arxiv")
        if entry.doi and _writable(paper, "doi", bool(paper.doi)):
            put("doi", entry.doi, "arxiv")
        if entry.primary_category and _writable(paper, "category", bool(paper.category)):
            put("category", entry.primary_category, "arxiv")
        if entry.summary and _writable(paper, "abstract", bool(paper.abstract)):
            put("abstract", entry.summary, "arxiv")
        if entry.authors and _writable(paper, "authors", bool(paper.authors) and not paper.authors_truncated):
            put("authors", [clean_text(a) for a in entry.authors], "arxiv")
            if "authors" in changes and paper.authors_truncated:
                changes["authors_truncated"] = False
        if entry.published and _writable(paper, "date", bool(paper.date) and not paper.date_inferred):
            put("date", entry.published, "arxiv")
            if paper.date_inferred:
                changes["date_inferred"] = False

    added = _add_links(paper, outcome, changes, provenance, at, base)

    record: dict[str, Any] = {"status": outcome.status, "at": at, "via": outcome.via}
    if outcome.status == RESOLVED and entry is None:
        # Only later steps ran (e.g. --sources hf): keep how the id was found.
        previous = paper.provenance.get("enrich") or {}
        record = {k: v for k, v in previous.items() if k not in ("errors", "pending", "reason")} | {"status": RESOLVED, "at": at}
    elif outcome.status == RESOLVED and entry is not None:
        record |= base
        if match is not None:
            record["signals"] = list(match.signals)
    if outcome.reason:
        record["reason"] = outcome.reason
    if outcome.errors:
        record["errors"] = list(outcome.errors)
    if outcome.pending:
        record["pending"] = list(outcome.pending)
    previous = paper.provenance.get("enrich") or {}
    if not changes and not provenance and _same_but_time(previous, record):
        return {}, added  # a re-run that learnt nothing new: no write
    provenance["enrich"] = record
    changes["provenance"] = provenance
    return changes, added


def _same_but_time(a: dict[str, Any], b: dict[str, Any]) -> bool:
    return {k: v for k, v in a.items() if k != "at"} == {k: v for k, v in b.items() if k != "at"}


def _add_links(
    paper: Paper,
    outcome: Outcome,
    changes: dict[str, Any],
    provenance: dict[str, dict[str, Any]],
    at: str,
    base: dict[str, Any],
) -> int:
    if (paper.provenance.get("links") or {}).get("source") == "user":
        return 0
    found: dict[str, list[tuple[str, str]]] = {"code": [], "project": []}
    if outcome.hf is not None and outcome.hf.found:
        if outcome.hf.github_repo:
            found["code"].append((outcome.hf.github_repo, "huggingface"))
        if outcome.hf.project_page:
            found["project"].append((outcome.hf.project_page, "huggingface"))
    if outcome.entry is not None and outcome.status == RESOLVED:
        for kind, urls in links_by_kind(outcome.entry.summary).items():
            if kind in found:
                found[kind].extend((u, "abstract") for u in urls)
    links = {k: list(v) for k, v in paper.links.items()}
    sources: set[str] = set()
    added = 0
    for kind, pairs in found.items():
        before = links.get(kind, [])
        merged = merge_links(before, [u for u, _ in pairs])
        if len(merged) > len(before):
            new = set(merged[len(before) :])
            sources |= {src for u, src in pairs if u in new}
            links[kind] = merged
            if kind == "code":
                added = len(merged) - len(before)
    if links != paper.links:
        changes["links"] = links
        provenance["links"] = {"source": "huggingface" if "huggingface" in sources else "abstract", "at": at, **base}
    if links.get("code") and not paper.has_code and (paper.provenance.get("has_code") or {}).get("source") != "user":
        changes["has_code"] = True
    return added
