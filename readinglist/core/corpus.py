"""Which papers are the same, and how their metadata combine.

Two records are one paper when they share the arXiv id (without version),
the DOI (case-insensitive) or the normalised title. The paper already in the
library keeps its id (ids are stable: annotations are keyed by them) and
takes from the newcomer only what it lacks: new metadata fills gaps, the
listing-level richest values win, and a field the user edited (provenance
source ``"user"``) is never touched. Every listing it came from is kept.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from readinglist.core.errors import UserError
from readinglist.core.identifiers import doi_key, normalize_doi, parse_thing
from readinglist.core.links import arxiv_eprint
from readinglist.core.model import LINK_KINDS, Paper
from readinglist.core.text import clean_text, is_safe_url, normalize_title

# Filled from the newcomer when the library's paper has no value.
_GAP_FIELDS = (
    "category",
    "arxiv_id",
    "doi",
    "pdf_url",
    "url",
    "journal_ref",
    "pub_type",
    "venue",
    "volume",
    "issue",
    "pages",
    "publisher",
    "citation_key",
    "listed",
)


def merge_papers(existing: Paper, incoming: Paper) -> bool:
    """Fold ``incoming`` into ``existing`` in place; True if anything changed."""
    return merged_record(existing, incoming) is not None


def merged_record(existing: Paper, incoming: Paper) -> dict[str, Any] | None:
    """``merge_papers``, answering with ``existing``'s new record if anything
    changed (None if not): an import writes it without making it again."""
    before = existing.to_dict()
    edited = existing.edited
    if len(incoming.authors) > len(existing.authors) and "authors" not in existing.provenance:
        existing.authors = list(incoming.authors)
        existing.authors_truncated = incoming.authors_truncated
        _take_provenance(existing, incoming, "authors")
    if incoming.affiliations and not existing.affiliations:
        existing.affiliations = list(incoming.affiliations)
    for name in _GAP_FIELDS:
        value = getattr(incoming, name)
        if value and not getattr(existing, name) and not edited(name):
            setattr(existing, name, value)
            _take_provenance(existing, incoming, name)
    if incoming.categories and not existing.categories and not edited("category"):
        existing.categories = list(incoming.categories)
    if incoming.date and (not existing.date or (existing.date_inferred and not incoming.date_inferred) or _more_precise(incoming.date, existing.date)):
        if "date" not in existing.provenance:
            existing.date = incoming.date
            existing.date_inferred = incoming.date_inferred
            _take_provenance(existing, incoming, "date")
    if len(incoming.abstract) > len(existing.abstract) and not edited("abstract"):
        existing.abstract = incoming.abstract
    if existing.upvotes is None and incoming.upvotes is not None:
        existing.upvotes = incoming.upvotes
    existing.has_code = existing.has_code or incoming.has_code
    if not edited("links"):
        existing.links = merge_links(existing.links, incoming.links)
    known = {(s.listing, s.line) for s in existing.sources}
    for source in incoming.sources:
        if (source.listing, source.line) not in known:
            existing.sources.append(source)
            known.add((source.listing, source.line))
    after = existing.to_dict()
    return after if after != before else None


def _more_precise(new: str, old: str) -> bool:
    """``2023-05-01`` says more than ``2023`` (a .bib gives only the year)."""
    return len(new) > len(old) and new.startswith(old)


def _take_provenance(existing: Paper, incoming: Paper, name: str) -> None:
    record = incoming.provenance.get(name)
    if record and record.get("source") != "user":
        existing.provenance[name] = dict(record)
    else:
        existing.provenance.pop(name, None)


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
    """Distinct papers in first-seen order (same arXiv id, DOI or title)."""
    index = IdentityIndex()
    by_id: dict[str, Paper] = {}
    for paper in papers:
        known = index.find(paper)
        if known is not None:
            merge_papers(by_id[known], paper)
            index.add(by_id[known])
        else:
            by_id[paper.id] = paper
            index.add(paper)
    return list(by_id.values())


def identity_keys(arxiv_id: str | None, doi: str | None, title: str) -> list[tuple[str, str]]:
    """The keys a paper is known by, strongest first."""
    keys: list[tuple[str, str]] = []
    eprint = arxiv_eprint(arxiv_id)
    if eprint:
        keys.append(("arxiv", eprint))
    found = doi_key(doi)
    if found:
        keys.append(("doi", found))
    normal = normalize_title(title)
    if normal:
        keys.append(("title", normal))
    return keys


class IdentityIndex:
    """Paper ids by versionless arXiv id, lowercased DOI and normalised title."""

    def __init__(self) -> None:
        self._ids: set[str] = set()
        self._keys: dict[tuple[str, str], str] = {}

    def __contains__(self, pid: str) -> bool:
        return pid in self._ids

    def add_record(self, pid: str, record: Mapping[str, Any]) -> None:
        self._ids.add(pid)
        for key in identity_keys(record.get("arxiv_id"), record.get("doi"), record.get("title") or ""):
            self._keys.setdefault(key, pid)
        # An edited title still answers to the title the id was made from.
        original = (record.get("provenance") or {}).get("title", {}).get("original")
        if original:
            self._keys.setdefault(("title", normalize_title(original)), pid)

    def add(self, paper: Paper, keys: list[tuple[str, str]] | None = None) -> None:
        if keys is None or (paper.provenance.get("title") or {}).get("original"):
            self.add_record(paper.id, {"arxiv_id": paper.arxiv_id, "doi": paper.doi, "title": paper.title, "provenance": paper.provenance})
            return
        self._ids.add(paper.id)
        for key in keys:
            self._keys.setdefault(key, paper.id)

    def find(self, paper: Paper, keys: list[tuple[str, str]] | None = None) -> str | None:
        """The id the library knows ``paper`` by, or None for a new paper.

        ``keys``: the paper's ``identity_keys``, when the caller has them already.
        """
        if paper.id in self._ids:
            return paper.id
        for key in keys if keys is not None else identity_keys(paper.arxiv_id, paper.doi, paper.title):
            pid = self._keys.get(key)
            if pid is not None:
                return pid
        return None

    @classmethod
    def of_records(cls, records: Mapping[str, Mapping[str, Any]]) -> IdentityIndex:
        index = cls()
        for pid, record in records.items():
            index.add_record(pid, record)
        return index


# --- edits by hand ---------------------------------------------------------

EDITABLE = ("title", "authors", "year", "date", "arxiv", "doi", "url", "code", "key")
_KEY = re.compile(r"^[A-Za-z0-9_:\-.+]{1,100}$")
_DATE = re.compile(r"^\d{4}(?:-\d{2}(?:-\d{2})?)?$")


def user_edit(paper: Paper, fields: Mapping[str, Any], at: str) -> dict[str, Any]:
    """Changes for ``store.update_papers`` setting ``fields`` as the user's.

    Keys are those of ``EDITABLE``; an empty value clears the field. A value
    that cannot be right is a ``UserError`` naming the option, and nothing
    is changed. Every field set is marked ``{"source": "user"}``.
    """
    changes: dict[str, Any] = {}
    provenance: dict[str, dict[str, Any]] = {}

    def put(name: str, value: Any, **extra: Any) -> None:
        changes[name] = value
        provenance[name] = {"source": "user", "at": at, **extra}

    for name, raw in fields.items():
        if name not in EDITABLE:
            raise UserError(f"cannot edit {name!r}; editable fields: {', '.join(EDITABLE)}")
        value = raw if isinstance(raw, list) else clean_text(str(raw or "")).strip()
        if name == "title":
            if not value:
                raise UserError("--title cannot be empty")
            original = (paper.provenance.get("title") or {}).get("original") or paper.title
            put("title", " ".join(value.split()), original=original)
        elif name == "authors":
            names = [" ".join(clean_text(str(n)).split()) for n in (value if isinstance(value, list) else split_names(value))]
            put("authors", [n for n in names if n])
            changes["authors_truncated"] = False
        elif name in ("year", "date"):
            if value and not _DATE.match(value) or (name == "year" and value and len(value) != 4):
                raise UserError(f"--{name} must be {'YYYY' if name == 'year' else 'YYYY, YYYY-MM or YYYY-MM-DD'}, got {value!r}")
            put("date", value or None)
            changes["date_inferred"] = False
        elif name == "arxiv":
            thing = parse_thing(value) if value else None
            found = thing.value if thing is not None and thing.kind == "arxiv" else None
            if value and not found:
                raise UserError(f"--arxiv {value!r} is not an arXiv id (e.g. 2304.07193 or hep-th/9901001)")
            put("arxiv_id", found)
            if (paper.provenance.get("pdf_url") or {}).get("source") != "user":
                changes["pdf_url"] = None  # the PDF link follows the id
        elif name == "doi":
            doi = normalize_doi(value) if value else None
            if value and not doi:
                raise UserError(f"--doi {value!r} is not a DOI (e.g. 10.1145/3386569.3392377)")
            put("doi", doi)
        elif name == "url":
            if value and not is_safe_url(value):
                raise UserError(f"--url {value!r} is not an http(s) URL")
            put("url", value or None)
        elif name == "code":
            urls = value if isinstance(value, list) else value.split()
            bad = [u for u in urls if not is_safe_url(u)]
            if bad:
                raise UserError(f"--code {bad[0]!r} is not an http(s) URL")
            links = {k: list(v) for k, v in paper.links.items() if k != "code"}
            if urls:
                links["code"] = list(dict.fromkeys(urls))
            put("links", links)
            changes["has_code"] = bool(urls)
        elif name == "key":
            if value and not _KEY.match(value):
                raise UserError(f"--key {value!r}: use letters, digits and _ : - . + only")
            put("citation_key", value or None)
    if not changes:
        return {}
    changes["provenance"] = provenance
    return changes


def split_names(text: str) -> list[str]:
    """``A; B`` or ``A and B`` or ``A, B``: how a user types an author list."""
    for separator in (";", " and ", ","):
        if separator in text:
            return [n.strip() for n in text.split(separator) if n.strip()]
    return [text.strip()] if text.strip() else []


def edited_fields(paper: Paper) -> list[str]:
    """The fields the user set by hand, as ``show`` lists them."""
    return [name for name, record in paper.provenance.items() if isinstance(record, dict) and record.get("source") == "user"]
