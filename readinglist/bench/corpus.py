"""Synthetic corpora written out as a metadata-layout listing, and as
arXiv's bulk metadata (the snapshot's JSON lines).

Importing those files measures the real paths a user takes (parser, then
store). The listing layout carries title, authors, affiliations, category,
date, the code flag and the abstract; code and project links travel inside
the abstract, as they do in real listings. arXiv ids are not part of the
layout, so imported papers have none. The metadata lines carry what arXiv's
do: an id, the authors (also parsed), a title and abstract wrapped as
arXiv wraps them, categories, the first version's date.
"""

from __future__ import annotations

import json
import re
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


# Lines of at most 70 (titles) or 80 characters, broken at spaces, as arXiv
# wraps them (textwrap took a minute for 100k abstracts).
_WRAP_TITLE = re.compile(r"(\S.{0,69})(?: |$)")
_WRAP_ABSTRACT = re.compile(r"(\S.{0,79})(?: |$)")


def snapshot_record(paper: Paper, number: int) -> dict[str, object]:
    """``paper`` as a line of arXiv's metadata snapshot; ``number`` makes its id."""
    year, month, day = (paper.date or "2023-01-01").split("-")
    authors_parsed = [[*reversed(name.rsplit(" ", 1)), ""] if " " in name else [name, "", ""] for name in paper.authors]
    weekday = "Mon"  # arXiv writes the day's name; the importer reads only the date
    return {
        # A month of ids holds 5-digit numbers: 90,000 papers a (made-up) month.
        "id": f"{23 + number // 90_000 // 12:02d}{number // 90_000 % 12 + 1:02d}.{number % 90_000 + 1:05d}",
        "submitter": paper.authors[0] if paper.authors else None,
        "authors": ", ".join(paper.authors),
        "title": "\n  ".join(_WRAP_TITLE.findall(paper.title)),
        "comments": "12 pages, 4 figures",
        "journal-ref": None,
        "doi": None,
        "report-no": None,
        "categories": " ".join(filter(None, [paper.category or "cs.LG", "stat.ML" if number % 3 == 0 else None])),
        "license": "http://creativecommons.org/licenses/by/4.0/",
        "abstract": "  " + "\n".join(_WRAP_ABSTRACT.findall(_abstract(paper))) + "\n",
        "versions": [{"version": "v1", "created": f"{weekday}, {int(day)} {_MONTHS[int(month) - 1]} {year} 10:00:00 GMT"}],
        "update_date": paper.date or "2023-01-01",
        "authors_parsed": authors_parsed,
    }


def write_snapshot(path: Path, n: int, seed: int = 0) -> Path:
    """The same ``n`` papers as ``write_listings`` gives, as arXiv metadata lines."""
    lines = (json.dumps(snapshot_record(paper, number)) + "\n" for number, paper in enumerate(synthetic_papers(n, seed)))
    atomic_write_bytes(path, "".join(lines).encode("utf-8"))
    return path
