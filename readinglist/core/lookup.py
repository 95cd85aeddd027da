"""Finding papers in corpus.json by id without parsing the whole file.

A command that touches one paper (``readinglist star ID``, ``show ID``) must
not pay for parsing 100k of them (about 2 s and 300 MB). The store writes
its corpus one record a line (see ``storage.AtomicJSONStorage``)::

    {"_meta":{
    "schema":{...}
    },
    "papers":{
    "<id>":{...},
    "<id>":{...}
    },
    "trash":{
    ...
    }}

so the record of a paper is the line that starts ``"<id>":`` between the
``"papers":{`` header line and the next line starting ``}``. An id holds no
``"`` and no record holds a raw newline, so a byte search from the header on
finds that line (50-70 ms over a 190 MB file) and only that line is parsed;
a unique prefix takes one pass to the end, to count the ids it starts. A hit
past the papers table (a paper in the trash) is not a paper: see
:meth:`CorpusLines._in_papers`.

A file not laid out so (an older or hand-edited one) gives None from
:meth:`CorpusLines.open`, and a line that does not parse as expected raises
``_NotLineLayout``: the caller then reads the file whole, which also reports
a corrupt file properly.
"""

from __future__ import annotations

import mmap
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

from readinglist.core.storage import _NotLineLayout

# The file is searched through windows mapped one at a time, so the pages
# read are let go as the search moves on (mapping it whole would count all
# 190 MB in the process's memory).
WINDOW = 8 << 20


class CorpusLines:
    """One open corpus file in the one-record-a-line layout.

    ``stamp`` is the (inode, mtime, size) of the file opened, as
    ``AtomicJSONStorage.stamp()`` gives it: what was found holds for that
    file only (every write replaces it).
    """

    def __init__(self, handle: Any, stamp: tuple[int, int, int]) -> None:
        self._file = handle
        self.stamp = stamp
        self.size = stamp[2]
        self.body: int | None = None  # the newline ending the papers header (found by open())
        self._end: int | None = None  # the line closing the papers table, once needed

    @classmethod
    def open(cls, path: Path) -> CorpusLines | None:
        """The file, if it is laid out a record a line (None otherwise).

        OSError is the caller's to report. The check is cheap: the first
        line, the last line and the papers header; each record is checked
        when it is read.
        """
        handle = open(path, "rb")  # noqa: SIM115 - closed by close() or below
        try:
            st = os.fstat(handle.fileno())
            lines = cls(handle, (st.st_ino, st.st_mtime_ns, st.st_size))
            if lines._laid_out():
                return lines
        except BaseException:
            handle.close()
            raise
        handle.close()
        return None

    def _laid_out(self) -> bool:
        first = self._file.readline(1 << 16)
        if not (first.startswith(b'{"') and first.endswith(b":{\n")):
            return False
        if self.size < 8 or os.pread(self._file.fileno(), 4, self.size - 4) != b"\n}}\n":
            return False  # truncated, or not written by us
        if first == b'{"papers":{\n':
            self.body = len(first) - 1
        else:
            header = b'\n"papers":{\n'
            found = next(self._scan(header, 0), None)
            if found is None:
                return False  # no papers (a small file), or not our layout: read whole
            self.body = found + len(header) - 1
        # The table's first line: a record, or the empty line of an empty table.
        return os.pread(self._file.fileno(), 1, self.body + 1) in (b'"', b"\n")

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> CorpusLines:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- finding ---------------------------------------------------------

    def find(self, key: str) -> int | None:
        """Where the line of paper ``key`` starts, or None if no paper has that id."""
        encoded = _encoded(key)
        if self.body is None or encoded is None:
            return None
        needle = b"\n" + encoded + b":"
        for at in self._scan(needle, self.body):
            return at + 1 if self._in_papers(at + 1, key) else None
        return None

    def starting(self, prefix: str) -> list[tuple[str, int]]:
        """(id, line start) of the papers whose id starts with ``prefix``;
        only the paper whose id is ``prefix`` itself, if there is one."""
        encoded = _encoded(prefix)
        if self.body is None or encoded is None:
            return []
        needle = b"\n" + encoded[:-1]  # '"prefix' without the closing quote
        found: dict[str, int] = {}
        for at in self._scan(needle, self.body):
            pid = self.key_at(at + 1)
            if not self._in_papers(at + 1, pid):
                break  # past the papers table: so are the hits after it
            if pid == prefix:
                return [(pid, at + 1)]
            found.setdefault(pid, at + 1)
        return list(found.items())

    def _in_papers(self, at: int, key: str) -> bool:
        """Is the line at ``at`` (a record of ``key``) in the papers table?

        The search runs on past the table's end (finding that end would cost
        a second pass over the file), so a hit may be in a table after it:
        the trash, whose records are {"paper", "annotation", "removed"}, or
        the schema record. Neither has an "id": a record whose "id" is its
        key is a paper's. Any other record (a damaged paper's, a trashed
        one) is placed by finding where the papers table ends.
        """
        record = self.record_at(at, key)
        if type(record) is dict and record.get("id") == key:
            return True
        return at < self._papers_end()

    def _papers_end(self) -> int:
        """Where the line closing the papers table starts (one pass, remembered)."""
        if self._end is None:
            assert self.body is not None
            closing = re.compile(b"\n[^\"]")  # every line of the table starts with '"'
            self._end = next(self._scan(closing, self.body), None)
            if self._end is None:
                raise _NotLineLayout  # the table never closes
            self._end += 1
        return self._end

    def _scan(self, needle: bytes | re.Pattern[bytes], start: int) -> Iterator[int]:
        """Offsets of the occurrences of ``needle`` (bytes, or a pattern
        matching at most 2 bytes) from ``start`` on, in order."""
        find = needle.search if isinstance(needle, re.Pattern) else None
        longest = 2 if find is not None else len(needle)  # type: ignore[arg-type]
        fd = self._file.fileno()
        offset = start - start % mmap.ALLOCATIONGRANULARITY
        while offset < self.size:
            length = min(self.size - offset, WINDOW + longest)
            window = mmap.mmap(fd, length, offset=offset, access=mmap.ACCESS_READ)
            try:
                # An occurrence starting past WINDOW is the next window's: it is whole there.
                limit = min(WINDOW, length)
                pos = max(start - offset, 0)
                while True:
                    if find is None:
                        at = window.find(needle, pos, length)  # type: ignore[arg-type]
                    else:
                        match = find(window, pos, length)
                        at = -1 if match is None else match.start()
                        del match  # no match may hold the window when it closes
                    if at < 0 or at >= limit:
                        break
                    yield offset + at
                    pos = at + 1
            finally:
                window.close()
            offset += WINDOW

    # --- reading ----------------------------------------------------------

    def _line(self, at: int) -> bytes:
        self._file.seek(at)
        line = self._file.readline()
        if not line.endswith(b"\n"):
            raise _NotLineLayout
        return line

    def key_at(self, at: int) -> str:
        """The id of the record whose line starts at ``at``."""
        line = self._line(at)
        end = line.find(b'":')
        try:
            key = orjson.loads(line[: end + 1]) if end > 0 else None
        except orjson.JSONDecodeError:
            raise _NotLineLayout from None
        if not isinstance(key, str):
            raise _NotLineLayout
        return key

    def record_at(self, at: int, key: str) -> Any:
        """The record of paper ``key`` on the line starting at ``at`` (any JSON value: not checked here)."""
        line = self._line(at)
        try:
            parsed = orjson.loads(b"{" + line.rstrip(b",\n") + b"}")
        except orjson.JSONDecodeError:
            raise _NotLineLayout from None
        if len(parsed) != 1 or key not in parsed:
            raise _NotLineLayout
        return parsed[key]


def _encoded(key: str) -> bytes | None:
    """``key`` as the file spells it (None: text no id can hold, such as a lone surrogate)."""
    try:
        return orjson.dumps(key)
    except orjson.JSONEncodeError:
        return None
