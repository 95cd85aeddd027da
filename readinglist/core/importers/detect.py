"""Telling a file's format from its content, and reading it."""

from __future__ import annotations

from pathlib import Path

from readinglist.core.importers.common import ImportResult
from readinglist.core.parse import MAX_FILE_BYTES, ParseError, decode, parse_file

HEAD_BYTES = 64 * 1024
FIRST_LINE_BYTES = 1024 * 1024  # an arXiv metadata record is a few KiB


def read_file(path: Path, *, year: int | None = None) -> ImportResult:
    """The papers of a listing, a .bib, a CSL-JSON file or arXiv metadata lines.

    ``ParseError`` (one line naming the file) when it is none of them.
    """
    path = Path(path)
    try:
        with path.open("rb") as handle:
            head = handle.read(HEAD_BYTES)
            first_line = head.split(b"\n", 1)[0]
            if b"\n" not in head and b"\x00" not in head:  # a long first line: read on, within a bound
                first_line = head + handle.readline(FIRST_LINE_BYTES)
    except (OSError, ValueError):
        head = first_line = b""  # parse_file says what is wrong with it
    if head and b"\x00" not in head:
        from readinglist.core.importers import snapshot

        if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{") and snapshot.looks_like_snapshot(first_line.lstrip(b"\xef\xbb\xbf")):
            return snapshot.read_snapshot(path, path.name)
        text_head = head.decode("utf-8", errors="replace")
        from readinglist.core.importers import bibtex, csl

        if csl.looks_like_csl(text_head.lstrip("\ufeff")):
            return csl.parse_csl(_read_text(path), path.name)
        if bibtex.looks_like_bibtex(text_head):
            return bibtex.parse_bibtex(_read_text(path), path.name)
    listing = parse_file(path, year=year)
    result = ImportResult(listing=listing.listing, layout=listing.layout, papers=listing.papers, problems=listing.problems)
    result.parsed = len(listing.papers)
    return result


def _read_text(path: Path) -> str:
    try:
        # Read at most one byte past the cap: a device or a growing file must not exhaust memory.
        with path.open("rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
        if len(raw) > MAX_FILE_BYTES:
            raise ParseError(str(path), f"is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB; files that big are refused")
    except OSError as exc:
        raise ParseError(str(path), f"cannot be read ({exc.strerror or exc})") from None
    return decode(raw, str(path))
