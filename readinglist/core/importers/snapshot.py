"""arXiv's bulk metadata: one JSON object a line, several GB: streamed.

Each line: ``id`` (no version), ``authors_parsed`` ([[last, first, suffix]]),
``title``, ``abstract`` (both line-wrapped), ``categories`` (primary first),
``doi``, ``journal-ref``, ``versions`` ([{"version", "created"}]),
``update_date``.
"""

from __future__ import annotations

import email.utils
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

from readinglist.core.identifiers import arxiv_id
from readinglist.core.importers.common import SNAPSHOT, ImportResult, clean_doi, make_paper, one_line
from readinglist.core.model import Paper
from readinglist.core.parse import Problem

SNAPSHOT_KEYS = ("authors_parsed", "versions", "categories", "update_date", "journal-ref")


def looks_like_snapshot(first_line: bytes) -> bool:
    try:
        record = orjson.loads(first_line)
    except orjson.JSONDecodeError:
        return False
    return isinstance(record, dict) and "id" in record and "title" in record and any(k in record for k in SNAPSHOT_KEYS)


def read_snapshot(path: Path, listing: str) -> ImportResult:
    result = ImportResult(listing=listing, layout=SNAPSHOT)
    result.papers = result.counted(_stream(path, listing, result))
    return result


def _stream(path: Path, listing: str, result: ImportResult) -> Iterator[Paper]:
    loads = orjson.loads
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, 1):
            if not raw.strip():
                continue
            try:
                record = loads(raw)
                paper = paper_from_record(record, listing, number) if isinstance(record, dict) else None
            except (orjson.JSONDecodeError, TypeError, ValueError, AttributeError):
                paper = None
            if paper is None:
                result.problems.append(Problem(listing, number, "not an arXiv metadata record (no id or title): skipped"))
                continue
            yield paper


def paper_from_record(record: dict[str, Any], listing: str, line: int) -> Paper | None:
    eprint = arxiv_id(str(record.get("id") or ""))
    title = one_line(record.get("title"))
    if not eprint or not title:
        return None
    authors = []
    for parts in record.get("authors_parsed") or []:
        if isinstance(parts, list) and parts:
            last, first, suffix = (list(map(str, parts)) + ["", ""])[:3]
            name = one_line(f"{first} {last} {suffix}")
            if name:
                authors.append(name)
    if not authors and record.get("authors"):
        authors = [one_line(a) for a in str(record["authors"]).replace(" and ", ", ").split(",") if one_line(a)]
    categories = [c for c in str(record.get("categories") or "").split() if c]
    return make_paper(
        title,
        listing,
        line,
        abstract=" ".join(str(record.get("abstract") or "").split()),
        authors=authors,
        category=categories[0] if categories else None,
        categories=categories,
        date=_first_version(record),
        arxiv_id=eprint,
        doi=clean_doi(record.get("doi")),
        journal_ref=one_line(record.get("journal-ref")) or None,
    )


def _first_version(record: dict[str, Any]) -> str | None:
    versions = record.get("versions")
    if isinstance(versions, list) and versions and isinstance(versions[0], dict):
        created = versions[0].get("created")
        if created:
            try:
                return email.utils.parsedate_to_datetime(str(created)).date().isoformat()
            except (TypeError, ValueError, IndexError):
                pass
    update = str(record.get("update_date") or "")
    return update[:10] if len(update) >= 10 and update[4] == "-" else None
