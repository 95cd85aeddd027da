"""arXiv's bulk metadata: one JSON object a line, several GB: streamed.

Each line: ``id`` (no version), ``authors_parsed`` ([[last, first, suffix]]),
``title``, ``abstract`` (both line-wrapped), ``categories`` (primary first),
``doi``, ``journal-ref``, ``versions`` ([{"version", "created"}]),
``update_date``.
"""

from __future__ import annotations

import email.utils
import math
import time
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import Any, BinaryIO

import orjson

from readinglist.core.identifiers import arxiv_id
from readinglist.core.importers.common import SNAPSHOT, ImportResult, clean_doi, make_paper, one_line
from readinglist.core.model import Paper
from readinglist.core.parse import Problem
from readinglist.core.text import clean_text

_MONTHS = {m: i for i, m in enumerate("Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split(), 1)}
MAX_LINE_BYTES = 1024 * 1024  # real records are a few KiB
SNAPSHOT_KEYS = ("authors_parsed", "versions", "categories", "update_date", "journal-ref")


def looks_like_snapshot(first_line: bytes) -> bool:
    try:
        record = orjson.loads(first_line)
    except orjson.JSONDecodeError:
        return False
    return isinstance(record, dict) and "id" in record and "title" in record and any(k in record for k in SNAPSHOT_KEYS)


def read_snapshot(path: Path, listing: str) -> ImportResult:
    result = ImportResult(listing=listing, layout=SNAPSHOT)
    result.papers = result.counted(_in_parts(path, listing, result))
    return result


def _in_parts(path: Path, listing: str, result: ImportResult) -> Iterator[Paper]:
    """The file's papers as they are read; a large file's second part is
    parsed meanwhile by a helper process (core/parse_parts.py)."""
    from readinglist.core.parse_parts import SNAPSHOT as KIND
    from readinglist.core.parse_parts import start_helper

    try:
        size = path.stat().st_size
    except OSError:
        size = 0  # the stream says what is wrong
    # This process also merges each paper into the library as it comes: the
    # helper takes more than half the parsing. Any line starts a record.
    helper = start_helper(KIND, path, size, 0.45, lambda line: True)
    if helper is None:
        yield from _stream(path, listing, result)
        return
    try:
        started = time.monotonic()
        lines = yield from _stream(path, listing, result, end=helper.offset)
        answer = helper.answer(listing, lines, time.monotonic() - started)
        if answer is None:
            yield from _stream(path, listing, result, start=helper.offset, first=lines + 1)
        else:
            papers, problems = answer
            result.problems += problems
            papers.reverse()
            while papers:  # each let go once merged: the merge keeps its own copy
                yield papers.pop()
    finally:
        helper.stop()


def stream_part(path: Path, offset: int) -> tuple[Iterator[Paper], list[Problem]]:
    """The papers from ``offset`` on, their lines numbered from 1 there, and
    the problems met (complete once the papers are): a helper's part."""
    result = ImportResult(listing=path.name, layout=SNAPSHOT)
    return _stream(path, path.name, result, start=offset), result.problems


def _stream(path: Path, listing: str, result: ImportResult, *, start: int = 0, end: int | None = None, first: int = 1) -> Generator[Paper, None, int]:
    """The papers of the lines from byte ``start`` to ``end`` (a line's
    start), numbered from ``first``; returns how many lines it read."""
    loads = orjson.loads
    number = first - 1
    with path.open("rb", buffering=1 << 16) as handle:
        handle.seek(start)
        for number, raw in enumerate(_lines(handle, None if end is None else end - start), first):
            if raw is None:
                result.problems.append(Problem(listing, number, f"line longer than {MAX_LINE_BYTES // 1024} KiB: skipped"))
                continue
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
    return number - first + 1


def _lines(handle: BinaryIO, limit: int | None = None) -> Iterator[bytes | None]:
    """The file's lines, up to ``limit`` bytes (a line's end); None for one
    over the cap (read past, never held whole)."""
    left = math.inf if limit is None else limit
    while left > 0:
        line = handle.readline(MAX_LINE_BYTES)
        if not line:
            return
        left -= len(line)
        if len(line) == MAX_LINE_BYTES and not line.endswith(b"\n"):
            while rest := handle.readline(MAX_LINE_BYTES):
                left -= len(rest)
                if rest.endswith(b"\n"):
                    break
            yield None
            continue
        yield line


def paper_from_record(record: dict[str, Any], listing: str, line: int) -> Paper | None:
    eprint = arxiv_id(str(record.get("id") or ""))
    title = one_line(record.get("title"))
    if not eprint or not title:
        return None
    authors = []
    for parts in record.get("authors_parsed") or ():
        if not isinstance(parts, list) or not parts:
            continue
        last = parts[0] if isinstance(parts[0], str) else str(parts[0])
        first = parts[1] if len(parts) > 1 and parts[1] else ""
        name = f"{first} {last}" if first else last
        if len(parts) > 2 and parts[2]:
            name = f"{name} {parts[2]}"
        if not name.isprintable() or "  " in name:
            name = one_line(name)  # the rare name with escapes or odd spacing
        elif not name.isascii():
            # What one_line() does to it: a printable name's only whitespace is
            # single spaces (and ASCII names were always kept as they are).
            name = name.strip(" ")
        if name:
            authors.append(name)
    if not authors and record.get("authors"):
        authors = [one_line(a) for a in str(record["authors"]).replace(" and ", ", ").split(",") if one_line(a)]
    categories = clean_text(str(record.get("categories") or "")).split()
    return make_paper(
        title,
        listing,
        line,
        abstract=_unwrap(record.get("abstract")),
        authors=authors,
        category=categories[0] if categories else None,
        categories=categories,
        date=_first_version(record),
        arxiv_id=eprint,
        doi=clean_doi(record.get("doi")),
        journal_ref=one_line(record.get("journal-ref")) or None,
    )


def _unwrap(text: object) -> str:
    value = text if isinstance(text, str) else str(text or "")
    if "\n" in value or "  " in value or value[:1].isspace() or value[-1:].isspace():
        # arXiv wraps with bare newlines: when that is all, replacing them is
        # the same as splitting into ~150 words and joining (and faster).
        # Any other whitespace is non-printable, so it takes the long way.
        joined = value.strip().replace("\n", " ")
        if "  " not in joined and joined.isprintable():
            return joined
        return " ".join(value.split())
    return value


def _first_version(record: dict[str, Any]) -> str | None:
    versions = record.get("versions")
    if isinstance(versions, list) and versions and isinstance(versions[0], dict):
        created = versions[0].get("created")
        if created:
            # "Mon, 2 Apr 2007 19:18:42 GMT": split by hand, the email parser is 10x slower.
            parts = str(created).split()
            if len(parts) >= 4 and parts[2] in _MONTHS and parts[1].isdigit() and parts[3].isdigit():
                return f"{int(parts[3]):04d}-{_MONTHS[parts[2]]:02d}-{int(parts[1]):02d}"
            try:
                return email.utils.parsedate_to_datetime(str(created)).date().isoformat()
            except (TypeError, ValueError, IndexError):
                pass
    update = str(record.get("update_date") or "")
    return update[:10] if len(update) >= 10 and update[4] == "-" else None
