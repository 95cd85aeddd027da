"""What every importer needs: one result shape and tidy field values."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from readinglist.core.identifiers import arxiv_from_doi, arxiv_id, normalize_doi, parse_thing
from readinglist.core.links import links_by_kind
from readinglist.core.model import Paper, Source
from readinglist.core.parse import Problem
from readinglist.core.text import clean_text, is_safe_url, paper_id

BIBTEX, CSL_JSON, SNAPSHOT = "bibtex", "csl-json", "arxiv-snapshot"
_ARXIV_IN_TEXT = re.compile(r"arxiv[:\s]\s*(\d{4}\.\d{4,5}(?:v\d+)?|[a-z\-]+(?:\.[A-Z]{2})?/\d{7})", re.IGNORECASE)


@dataclass
class ImportResult:
    """Papers of one file; ``papers`` may be a generator that fills
    ``parsed`` and ``problems`` as it is consumed (large files stream)."""

    listing: str
    layout: str
    papers: Iterable[Paper] = ()
    problems: list[Problem] = field(default_factory=list)
    parsed: int = 0
    tags: dict[str, list[str]] = field(default_factory=dict)  # paper id -> keywords, for new papers

    def counted(self, papers: Iterable[Paper]) -> Iterator[Paper]:
        for paper in papers:
            self.parsed += 1
            yield paper


def one_line(text: object) -> str:
    value = str(text or "")
    flat = value.replace("\n", " ")
    if flat.isprintable():
        # Wrapped text (an arXiv title): newlines are all clean_text() would
        # change, to spaces, which the split below folds anyway.
        return " ".join(flat.split())
    return " ".join(clean_text(value).split())


def safe_url(text: object) -> str | None:
    url = one_line(text)
    return url if url and is_safe_url(url) else None


def arxiv_in(*texts: object) -> str | None:
    """An arXiv id named anywhere in these values (a URL, a DOI, "arXiv:2304.07193")."""
    for text in texts:
        if not text:
            continue
        value = str(text).strip()
        found = parse_thing(value)
        if found is not None and found.kind == "arxiv":
            return found.value
        match = _ARXIV_IN_TEXT.search(value)
        if match and (hit := arxiv_id(match.group(1))):
            return hit
    return None


def clean_doi(text: object) -> str | None:
    """A publisher DOI; arXiv's own DOIs are not kept as DOIs (they are the arXiv id)."""
    doi = normalize_doi(str(text or "").split()[0]) if str(text or "").strip() else None
    if doi is None or arxiv_from_doi(doi):
        return None
    return clean_text(doi)


def make_paper(title: str, listing: str, line: int, *, abstract: str = "", **fields: object) -> Paper:
    abstract = clean_text(abstract, multiline=True).strip()
    links = links_by_kind(abstract)
    return Paper(
        id=paper_id(title),
        title=title,
        abstract=abstract,
        links=links,
        has_code=bool(links.get("code")),
        sources=[Source(listing, line)],
        **fields,  # type: ignore[arg-type]
    )


def iso_date(year: object, month: object = None, day: object = None) -> str | None:
    """``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``: only as precise as the source."""
    try:
        y = int(str(year).strip()[:4])
    except (TypeError, ValueError):
        return None
    if not 1000 <= y <= 2999:
        return None
    try:
        m = int(month) if month not in (None, "") else None  # type: ignore[arg-type]
    except (TypeError, ValueError):
        m = None
    if m is None or not 1 <= m <= 12:
        return f"{y:04d}"
    try:
        d = int(day) if day not in (None, "") else None  # type: ignore[arg-type]
    except (TypeError, ValueError):
        d = None
    if d is None or not 1 <= d <= 31:
        return f"{y:04d}-{m:02d}"
    return f"{y:04d}-{m:02d}-{d:02d}"
