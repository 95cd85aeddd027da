"""Synthetic corpora written out as a metadata-layout listing.

Importing that file measures the real path a user takes (parser, then
store). The listing layout carries title, authors, affiliations, category,
date, the code flag and the abstract; code and project links travel inside
the abstract, as they do in real listings. arXiv ids are not part of the
layout, so imported papers have none.
"""

from __future__ import annotations

from pathlib import Path

from readinglist.core.fileio import atomic_write_bytes
from readinglist.core.model import Paper
from readinglist.core.parse import CATEGORY_CODES
from readinglist.bench.synth import synthetic_papers

_CODE_OF = {category: code for code, category in CATEGORY_CODES.items()}
_MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()
LISTED_AUTHORS = 3  # real listings show a few names, then "et al."


def _category_code(category: str | None) -> str:
    if category in _CODE_OF:
        return _CODE_OF[category]
    # Outside the listing's table the parser keeps the bare code, as it does
    # for real listings; a missing category is listed as the common one.
    tail = (category or "cs.CV").rpartition(".")[2]
    return tail.upper() if 2 <= len(tail) <= 4 and tail.isalpha() else "CV"


def _date(paper: Paper) -> str:
    if not paper.date:
        return "Jan 1"  # no year: the parser infers one, as for real listings
    year, month, day = paper.date.split("-")
    return f"{_MONTHS[int(month) - 1]} {int(day)}, {year}"


def _authors(paper: Paper) -> str:
    if paper.authors_truncated:
        return ", ".join(paper.authors[:LISTED_AUTHORS]) + " et al."
    return ", ".join(paper.authors)


def _abstract(paper: Paper) -> str:
    text = paper.abstract
    for url in paper.links.get("code", []):
        text += f" Code is available at {url}."
    for url in paper.links.get("project", []):
        text += f" Project page: {url}."
    return text


def listing_entry(paper: Paper) -> str:
    """Three lines: ``CVSep 28, 2023Code``, title glued to authors, abstract."""
    flag = "Code" if paper.has_code else ""
    head = paper.title + _authors(paper)
    if paper.affiliations:
        head += " · " + ", ".join(paper.affiliations)
    return f"{_category_code(paper.category)}{_date(paper)}{flag}\n{head}\n{_abstract(paper)}\n"


PART = 100_000  # papers a listing file holds: 300k in one file would pass import's 256 MB cap


def write_listing(path: Path, n: int, seed: int = 0) -> int:
    """Write ``n`` synthetic papers to ``path``; returns the file size in bytes."""
    return sum(path.stat().st_size for path in write_listings(path, n, seed))


def write_listings(path: Path, n: int, seed: int = 0) -> list[Path]:
    """Write ``n`` synthetic papers to ``path``, or above ``PART`` papers to
    ``path``'s stem + ``-1``, ``-2``...: as a user imports a big corpus, in parts."""
    papers = iter(synthetic_papers(n, seed))
    parts = max(1, -(-n // PART))
    paths = [path] if parts == 1 else [path.with_name(f"{path.stem}-{i}{path.suffix}") for i in range(1, parts + 1)]
    for index, part in enumerate(paths):
        count = min(PART, n - index * PART)
        text = "".join(listing_entry(next(papers)) for _ in range(count))
        atomic_write_bytes(part, text.encode("utf-8"))
    return paths
