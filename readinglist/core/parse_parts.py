"""A large listing or arXiv metadata file parsed in two parts at once, on two cores.

Parsing is most of an import: 100k papers are 150-200 MB of text and 5-6 s
of splitting titles from authors, decoding JSON, finding links and hashing
ids, all in Python, so one core does it while the other waits. Here the
file is cut at the start of an entry past a point near its middle: this
process parses the first part while a helper (``python -m
readinglist.core.parse_parts``, the same interpreter) parses the second and
writes its papers, marshalled, for this process to read back.

The result is the one a single parse gives, paper for paper, problem for
problem, line numbers included: the cut is a line the parser itself takes
for the start of an entry (in a listing, a metadata line, ASCII, nothing
around it; in arXiv metadata, any line: one record a line), so both parts
see exactly the entries the whole file has. Whatever goes wrong with the
helper (it cannot start, fails, is killed, answers in an unknown shape or
too late), ``Helper.answer`` is None and the caller parses that part
itself. A listing's part that is not a clean listing (a line too long, a
byte that is not UTF-8) has the whole file parsed again, so the error
names the line or offset in the whole file, as before.

Only files of ``SPLIT_MIN_BYTES`` or more are split: a smaller file parses
in less time than a helper takes to start.
"""

from __future__ import annotations

import datetime as dt
import marshal
import os
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import fields
from itertools import islice
from pathlib import Path
from typing import BinaryIO

from readinglist.core.model import Paper, Source
from readinglist.core.parse import (
    _META_LINE,
    MAX_LINE_CHARS,
    ParseError,
    ParseResult,
    Problem,
    _parse_metadata,
    decoded_lines,
    read_bytes,
)

LISTING, SNAPSHOT = "listing", "snapshot"  # the kinds of file a helper parses
SPLIT_MIN_BYTES = 8 * 1024 * 1024  # ~5k papers: parsed in ~0.3 s, a helper's start is ~0.1 s
_SCAN_BYTES = 1024 * 1024  # how far past the cut point an entry's start is looked for
_FRAME_PAPERS = 2000  # papers a frame of the answer (~3 MB)
# The helper has as much to do as this process and started first: one still
# busy this long after this process's part is done is stuck (its part is
# parsed here), however slow the machine.
PATIENCE_S = 30.0
_ANSWER = b"readinglist-parse-part-1\n"  # the helper's answer starts with this: an unknown shape is not used
# A paper travels as its fields in this order, its one source as that
# source's line (the listing's name is this process's).
_FIELDS = tuple(field.name for field in fields(Paper))
_SOURCES = _FIELDS.index("sources")


class Helper:
    """The helper parsing a file from ``offset`` on (a running process).

    It writes its answer to an unnamed temporary file, not a pipe: it never
    waits on this process, which is busy parsing its own part. The file has
    no name, so nothing is left behind whatever happens.
    """

    def __init__(self, kind: str, path: Path, offset: int, year: int | None, today: dt.date) -> None:
        import subprocess
        import tempfile

        self.offset = offset
        self.process: subprocess.Popen[bytes] | None = None
        self._answer: BinaryIO | None = None
        try:
            self._answer = tempfile.TemporaryFile()
            self.process = subprocess.Popen(
                _command(kind, path, offset, year, today), stdin=subprocess.DEVNULL, stdout=self._answer, stderr=subprocess.DEVNULL
            )
        except (OSError, ValueError):
            self.stop()  # no helper: the part is parsed here

    def answer(self, listing: str, shift: int, spent: float) -> tuple[list[Paper], list[Problem]] | None:
        """The second part's papers and problems (from ``listing``), their
        lines moved on by ``shift`` (the first part's lines); None when the
        helper gave no usable answer in time (this process took ``spent``
        seconds over its part): the caller parses that part itself."""
        try:
            if self._answered(PATIENCE_S + 4 * spent):
                return self._unpacked(listing, shift)
        except (TypeError, ValueError, IndexError, EOFError, OSError):
            pass  # not the shape it should be
        finally:
            self.stop()
        return None

    def _answered(self, timeout: float) -> bool:
        import subprocess

        if self.process is None or self._answer is None:
            return False
        try:
            return self.process.wait(timeout) == 0
        except subprocess.TimeoutExpired:
            return False

    def _unpacked(self, listing: str, shift: int) -> tuple[list[Paper], list[Problem]]:
        assert self._answer is not None
        answer = self._answer
        answer.seek(0)
        if answer.read(len(_ANSWER)) != _ANSWER:
            raise ValueError("not an answer")
        papers: list[Paper] = []
        problems: list[Problem] = []
        while size := int.from_bytes(answer.read(4), "little"):
            frame = answer.read(size)
            if len(frame) != size:
                raise EOFError("the answer ends early")
            kind, items = marshal.loads(frame)
            if kind == "papers":
                for values in items:
                    values = list(values)
                    values[_SOURCES] = [Source(listing, values[_SOURCES] + shift)]
                    papers.append(Paper(*values))
            elif kind == "problems":
                problems += [Problem(listing, line + shift, message) for line, message in items]
            else:
                raise ValueError(kind)
        if not all(type(paper.id) is str and type(paper.title) is str for paper in papers):
            raise TypeError("not a paper")
        return papers, problems

    def stop(self) -> None:
        """End the helper and drop its answer (used, unwanted, or the parse failed)."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        if self._answer is not None:
            self._answer.close()
            self._answer = None


def _command(kind: str, path: Path, offset: int, year: int | None, today: dt.date) -> list[str]:
    """This module run by the same interpreter (so the same readinglist)."""
    return [sys.executable, "-m", __name__, kind, os.fspath(path), str(offset), str(year or ""), today.isoformat()]


def start_helper(
    kind: str, path: Path, size: int, cut: float, is_start: Callable[[bytes], bool], *, year: int | None = None, today: dt.date | None = None
) -> Helper | None:
    """A helper parsing ``path`` (a ``kind`` of file) from the first line
    past ``cut`` of its size for which ``is_start`` holds; None when the file
    is small or has no such line near there."""
    if size < SPLIT_MIN_BYTES:
        return None
    try:
        with open(path, "rb") as handle:
            offset = _entry_start(handle, int(size * cut), is_start)
    except OSError:
        return None
    return Helper(kind, path, offset, year, today or dt.date.today()) if offset is not None else None


def _entry_start(handle, middle: int, is_start: Callable[[bytes], bool]) -> int | None:  # type: ignore[no-untyped-def]
    """Where the first entry that starts after ``middle`` starts: the offset
    of a line, after a line feed, for which ``is_start`` holds (given the
    line without its line break)."""
    handle.seek(middle)
    handle.readline(_SCAN_BYTES)  # the rest of the line the middle falls in
    position = handle.tell()
    while position - middle < _SCAN_BYTES:
        line = handle.readline(_SCAN_BYTES)
        if not line:
            return None
        text = line[:-1] if line.endswith(b"\n") else line
        text = text[:-1] if text.endswith(b"\r") else text
        if line.endswith(b"\n") and is_start(text) and _after_line_feed(handle, position):
            return position
        position += len(line)
    return None


def _after_line_feed(handle, position: int) -> bool:  # type: ignore[no-untyped-def]
    """True when the byte before ``position`` ends a line (so no cut splits one)."""
    here = handle.tell()
    handle.seek(position - 1)
    before = handle.read(1)
    handle.seek(here)
    return before == b"\n"


def is_entry_line(text: bytes) -> bool:
    """A listing's entry starts with its metadata line (``CVSep 28, 2023Code``),
    here one that cleaning leaves as it is: printable ASCII, nothing around it."""
    return text.isascii() and text.decode("ascii").isprintable() and bool(_META_LINE.match(text.decode("ascii")))


def parse_part(raw: bytes, listing: str, *, year: int | None, today: dt.date, first: int = 1) -> tuple[list[Paper], list[Problem]]:
    """The papers and problems of a metadata listing's part that starts with
    an entry, its lines numbered from ``first``; ``ParseError`` when a line is
    too long or a byte is not UTF-8 (numbered in the part: the caller parses
    the whole file for the message)."""
    lines = decoded_lines(raw, listing)
    del raw
    if any(len(line) > MAX_LINE_CHARS for line in lines):
        raise ParseError(listing, "a line is too long")
    if not lines or not _META_LINE.match(lines[0]):
        raise ParseError(listing, "the part does not start with an entry (the file changed?)")
    result = ParseResult(listing=listing, layout="metadata")
    _parse_metadata(lines, result, year=year, today=today, first=first)
    return result.papers, result.problems


def _frames(papers: Iterable[Paper], problems: list[Problem]) -> Iterator[bytes]:
    """The answer's frames: papers ``_FRAME_PAPERS`` at a time (as they
    come), then the problems (complete once the papers are)."""
    papers = iter(papers)
    while chunk := list(islice(papers, _FRAME_PAPERS)):
        items = []
        for paper in chunk:
            values = [getattr(paper, name) for name in _FIELDS]
            values[_SOURCES] = paper.sources[0].line
            items.append(tuple(values))
        yield marshal.dumps(("papers", items))
    yield marshal.dumps(("problems", [(problem.line, problem.message) for problem in problems]))


def main(argv: list[str]) -> int:
    """The helper: parse ``path`` from ``offset`` on, write the answer to stdout."""
    kind, path, offset, year, today = argv
    import gc

    gc.disable()  # every object built lives until the answer is written: no collection finds garbage
    papers: Iterable[Paper]
    try:
        if kind == LISTING:
            papers, problems = parse_part(
                read_bytes(Path(path), int(offset)), Path(path).name, year=int(year) if year else None, today=dt.date.fromisoformat(today)
            )
        elif kind == SNAPSHOT:
            from readinglist.core.importers.snapshot import stream_part

            papers, problems = stream_part(Path(path), int(offset))
        else:
            return 2
    except ParseError:
        return 3
    out = sys.stdout.buffer
    out.write(_ANSWER)
    for frame in _frames(papers, problems):
        out.write(len(frame).to_bytes(4, "little"))
        out.write(frame)
    out.write(bytes(4))  # the end: a frame of no bytes
    out.flush()
    # Nothing else to do: no interpreter teardown (freeing every paper,
    # ~0.1 s at 50k), which this process's parent would wait for.
    os._exit(0)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
